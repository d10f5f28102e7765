"""The organisation of `manage.py seed_demo --size large`: about 300 people in 25 teams (the demo's
people among them, as the demo has them), and some trainings."""

import time
from collections.abc import Sequence
from datetime import timedelta

from django.contrib.auth.hashers import make_password

from accounts.models import SCORED_POSITIONS, Attendance, Department, Position, Team, Training, User
from bulksales.demo.bulk import next_id
from bulksales.demo.large.seed import HISTORY_DAYS, LargeSeed
from bulksales.demo.organisation import (
    DEMO_PASSWORD,
    DEPARTMENTS,
    EMAIL_DOMAIN,
    PEOPLE,
    TEAMS,
    TRAININGS,
    Person,
    TrainingPlan,
)

# The full size; `--scale` multiplies the counts of the later apps' records (not the people).
TEAM_COUNT = 25
REPS_PER_TEAM = 7
ACCOUNT_MANAGERS_PER_TEAM = 2
CUSTOMER_SERVICE = 32
MARKETING = 17  # 1 director + 25 managers + 175 reps + 50 account managers + 32 + 17 = 300 people
SEED = 20261201

TEAM_GROUPS = [("Thermal Coal", "动力煤"), ("Iron Ore", "铁矿石"), ("Coking Coal", "焦煤"), ("Grain", "粮食"),
               ("Fertiliser", "化肥"), ("Bauxite", "铝土矿"), ("Clinker", "水泥熟料"), ("Scrap", "废钢")]
TEAM_REGIONS = [("North", "华北"), ("East", "华东"), ("South", "华南"), ("Overseas", "海外")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "军", "杰", "涛", "明", "超", "霞", "平", "刚", "婷", "鹏",
         "建华", "志强", "海燕", "晓东", "丽娟", "文博", "子涵", "思远", "雪梅", "国栋", "春雷", "佳怡"]
TRAINING_TOPICS = [("Contract law for CIF and CFR sales", "internal"), ("Reading assay and survey reports", "internal"),
                   ("Freight market outlook", "external"), ("Key account planning", "external"),
                   ("Handling quality claims", "internal"), ("Hedging with coal and ore futures", "external"),
                   ("Cross-cultural negotiation", "external"), ("The CRM for managers", "internal")]


def _team_names() -> list[tuple[str, str, str]]:
    names = [(name, name_zh, manager) for name, name_zh, manager in TEAMS]
    for group, group_zh in TEAM_GROUPS:
        for region, region_zh in TEAM_REGIONS:
            if len(names) < TEAM_COUNT:
                names.append((f"{group} {region} Team", f"{group_zh}{region_zh}组", f"manager{len(names) + 1}"))
    return names


def large_people() -> list[Person]:
    """Everyone of the large organisation as (username, full name, position, department, team index):
    the demo people first, as the demo has them (rep1-rep4 in the first team...), then the others."""
    people = list(PEOPLE)
    taken = {username for username, *_rest in people}
    # Unique for the first 500: the given name steps through its list at another pace than the surname.
    names = (f"{SURNAMES[i % len(SURNAMES)]}{GIVEN[(i * 7 + i // len(SURNAMES)) % len(GIVEN)]}" for i in range(500))

    def add(prefix: str, count: int, position: Position, department: str, teams: Sequence[int | None]) -> None:
        have = sum(1 for username, *_rest in people if username.rstrip("0123456789") == prefix)
        for number in range(have + 1, count + 1):
            username = f"{prefix}{number}"
            if username not in taken:
                people.append((username, next(names), position, department, teams[number - have - 1]))

    add("manager", TEAM_COUNT, Position.MANAGER, "sales", [None] * TEAM_COUNT)
    # The demo's teams have 4 reps and 1 account manager each; the others fill up team by team.
    rep_slots = [team for team in range(TEAM_COUNT) for _ in range(REPS_PER_TEAM - (4 if team < 3 else 0))]
    add("rep", TEAM_COUNT * REPS_PER_TEAM, Position.REP, "sales", rep_slots)
    am_slots = [team for team in range(TEAM_COUNT) for _ in range(ACCOUNT_MANAGERS_PER_TEAM - (1 if team < 3 else 0))]
    add("am", TEAM_COUNT * ACCOUNT_MANAGERS_PER_TEAM, Position.ACCOUNT_MANAGER, "bizdev", am_slots)
    add("service", CUSTOMER_SERVICE, Position.CUSTOMER_SERVICE, "service", [None] * CUSTOMER_SERVICE)
    add("analyst", MARKETING, Position.MARKETING, "marketing", [None] * MARKETING)
    return people


def seed_large_organisation(seed: LargeSeed) -> None:
    """The people (the demo's among them, with the demo password), the teams and some trainings.
    People who exist already (by username) are left as they are."""
    since = time.monotonic()
    departments = {key: Department.objects.get_or_create(name=name, defaults={"name_zh": name_zh})[0]
                   for key, (name, name_zh) in DEPARTMENTS.items()}
    people = large_people()
    existing = set(User.objects.filter(username__in=[row[0] for row in people]).values_list("username", flat=True))
    password = make_password(DEMO_PASSWORD)  # hashed once: a hash per person would take minutes
    joined = seed.now - timedelta(days=HISTORY_DAYS + 30)
    User.objects.bulk_create([
        User(username=username, full_name=full_name, position=position, department=departments[department],
             email=f"{username}@{EMAIL_DOMAIN}", phone=f"+86 138 0000 {index:04d}", password=password,
             date_joined=joined)
        for index, (username, full_name, position, department, _team) in enumerate(people)
        if username not in existing
    ], batch_size=500)
    users = User.objects.in_bulk([row[0] for row in people], field_name="username")
    teams = []
    for name, name_zh, manager in _team_names():
        teams.append(Team.objects.get_or_create(
            name=name, defaults={"name_zh": name_zh, "department": departments["sales"], "manager": users[manager]})[0])
    members: dict[int, list[int]] = {}
    for username, _name, _position, _department, team in people:
        if team is not None and username not in existing:
            members.setdefault(team, []).append(users[username].pk)
    for team, ids in members.items():
        User.objects.filter(pk__in=ids, team__isnull=True).update(team=teams[team])
    seed.report("accounts.User", len(people) - len(existing), since)
    _seed_trainings(seed, users, people)
    seed.report("accounts organisation done", User.objects.count(), since)


def _seed_trainings(seed: LargeSeed, users: dict[str, User], people: list[Person]) -> None:
    if Training.objects.exists():
        return
    sellers = [username for username, _n, position, _d, _t in people
               if position in SCORED_POSITIONS]
    plans: list[TrainingPlan] = list(TRAININGS)
    # One more training a quarter over the two years, for a rotating fifth of the sellers.
    for index in range(8):
        title, kind = TRAINING_TOPICS[index]
        start = -HISTORY_DAYS + 45 + index * 91
        group = sellers[index % 5::5]
        plans.append((title, kind, start, 1 + index % 2, "王建国" if kind == "internal" else "Shanghai Sales Institute",
                      group))
    training_id, attendance_id = next_id(Training), next_id(Attendance)
    trainings, attendances = [], []
    for index, (title, kind, start, length, trainer, attendees) in enumerate(plans):
        starts_on = seed.today + timedelta(days=start)
        trainings.append((training_id, title, kind, starts_on, starts_on + timedelta(days=length - 1), trainer, "",
                          users["director"].pk))
        past = start < 0
        for position, username in enumerate(attendees):
            attended = (position % 5 != 4) if past else None
            attendances.append((attendance_id, training_id, users[username].pk, attended,
                                (70 + (index * 7 + position * 5) % 30) if attended else None, ""))
            attendance_id += 1
        training_id += 1
    seed.insert(Training, ["id", "title", "kind", "starts_on", "ends_on", "trainer", "description", "created_by"],
                trainings)
    seed.insert(Attendance, ["id", "training", "attendee", "attended", "score", "comment"], attendances)
