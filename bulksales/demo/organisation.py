"""The demo organisation that `manage.py seed_demo` builds first: departments, people, teams, trainings.

Deterministic: the same people, teams and trainings every time, and a second run adds nothing.
"""

from datetime import date, timedelta

from accounts.models import Attendance, Department, Position, Team, Training, User

DEMO_PASSWORD = "bulksales-demo"
EMAIL_DOMAIN = "bulksales.example"

# (username, full name, position, department key, index of their team in TEAMS)
Person = tuple[str, str, Position, str, int | None]
# (title, kind, starts in days from today, length in days, trainer, attendee usernames)
TrainingPlan = tuple[str, str, int, int, str, list[str]]

DEPARTMENTS = {
    "sales": ("Sales", "销售部"),
    "marketing": ("Marketing", "市场部"),
    "service": ("Customer Service", "客户服务部"),
    "bizdev": ("Business Development", "业务拓展部"),
}

# (username, full name, position, department key, team index or None)
PEOPLE: list[Person] = [
    ("director", "王建国", Position.DIRECTOR, "sales", None),
    ("manager1", "李明", Position.MANAGER, "sales", None),
    ("manager2", "张伟", Position.MANAGER, "sales", None),
    ("manager3", "陈静", Position.MANAGER, "sales", None),
    ("rep1", "刘洋", Position.REP, "sales", 0),
    ("rep2", "赵磊", Position.REP, "sales", 0),
    ("rep3", "孙丽", Position.REP, "sales", 0),
    ("rep4", "周强", Position.REP, "sales", 0),
    ("rep5", "吴敏", Position.REP, "sales", 1),
    ("rep6", "郑浩", Position.REP, "sales", 1),
    ("rep7", "冯雪", Position.REP, "sales", 1),
    ("rep8", "何军", Position.REP, "sales", 1),
    ("rep9", "徐婷", Position.REP, "sales", 2),
    ("rep10", "高鹏", Position.REP, "sales", 2),
    ("rep11", "林芳", Position.REP, "sales", 2),
    ("rep12", "马超", Position.REP, "sales", 2),
    ("am1", "黄海涛", Position.ACCOUNT_MANAGER, "bizdev", 0),
    ("am2", "David Miller", Position.ACCOUNT_MANAGER, "bizdev", 1),
    ("am3", "罗佳", Position.ACCOUNT_MANAGER, "bizdev", 2),
    ("service1", "杨柳", Position.CUSTOMER_SERVICE, "service", None),
    ("service2", "朱琳", Position.CUSTOMER_SERVICE, "service", None),
    ("analyst1", "宋雨", Position.MARKETING, "marketing", None),
]

TEAMS = [
    ("Thermal Coal Team", "动力煤组", "manager1"),
    ("Iron Ore Team", "铁矿石组", "manager2"),
    ("Grain & Fertiliser Team", "粮食化肥组", "manager3"),
]

TRAININGS: list[TrainingPlan] = [
    ("Incoterms 2020 for bulk cargo", Training.Kind.INTERNAL, -60, 1, "王建国",
     ["rep1", "rep2", "rep3", "rep4", "rep5", "rep6"]),
    ("Letters of credit and UCP 600", Training.Kind.EXTERNAL, -30, 2, "Bank of China Trade Finance Academy",
     ["rep5", "rep6", "rep7", "rep8", "am1", "am2"]),
    ("Negotiation with steel mills", Training.Kind.EXTERNAL, -10, 1, "Shanghai Sales Institute",
     ["rep9", "rep10", "rep11", "rep12", "am3"]),
    ("Laytime, demurrage and despatch", Training.Kind.INTERNAL, 14, 1, "张伟",
     ["rep1", "rep4", "rep7", "rep10", "am1", "am2", "am3"]),
]

def seed_organisation(today: date | None = None) -> None:
    today = today or date.today()
    departments = {
        key: Department.objects.get_or_create(name=name, defaults={"name_zh": name_zh})[0]
        for key, (name, name_zh) in DEPARTMENTS.items()
    }
    users: dict[str, User] = {}
    for username, full_name, position, department, _team in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "position": position,
                "department": departments[department],
                "email": f"{username}@{EMAIL_DOMAIN}",
                "phone": f"+86 138 0000 {len(users):04d}",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[username] = user
    teams = [
        Team.objects.get_or_create(
            name=name, defaults={"name_zh": name_zh, "department": departments["sales"], "manager": users[manager]}
        )[0]
        for name, name_zh, manager in TEAMS
    ]
    for username, _name, _position, _department, team in PEOPLE:
        if team is not None and users[username].team_id is None:
            User.objects.filter(pk=users[username].pk).update(team=teams[team])
    for index, (title, kind, start, length, trainer, attendees) in enumerate(TRAININGS):
        starts_on = today + timedelta(days=start)
        training, created = Training.objects.get_or_create(
            title=title,
            defaults={
                "kind": kind,
                "starts_on": starts_on,
                "ends_on": starts_on + timedelta(days=length - 1),
                "trainer": trainer,
                "created_by": users["director"],
            },
        )
        if not created:
            continue
        past = start < 0
        Attendance.objects.bulk_create(
            Attendance(
                training=training,
                attendee=users[username],
                attended=(position % 5 != 4) if past else None,
                score=(70 + (index * 7 + position * 5) % 30) if past and position % 5 != 4 else None,
            )
            for position, username in enumerate(attendees)
        )


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, full name, position label) of each demo person, for the README and `make run`."""
    return [(username, full_name, str(position.label)) for username, full_name, position, _d, _t in PEOPLE]
