"""Demo coaching notes for `seed_demo`: each manager's notes on two of their reps (a one-to-one, a
ride-along visit, a deal review on the rep's open deal) and the director's note on a manager; some
acknowledged, some with open actions, one action overdue. Dates are relative to the day of seeding;
a second run adds nothing (notes exist per rep, coach and kind)."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from pipeline.models import Deal, Outcome
from targets.coaching.models import CoachingAction, CoachingNote

Kind = CoachingNote.Kind

# (rep, coach, kind, days ago, acknowledged days after, what went well, what to improve,
#  [(action, due in days from the note, done)])
NOTES = [
    ("rep1", "manager1", Kind.ONE_TO_ONE, 20, 1,
     "拜访节奏稳定，每周都跟进了高等级客户。", "报价前先确认客户的到港窗口和库存情况。",
     [("整理三家电厂的库存与采购周期", 7, True), ("下周前向华能提交修订报价", 30, False)]),
    ("rep2", "manager1", Kind.RIDE_ALONG, 9, None,
     "现场介绍热值指标清楚，客户反应积极。", "谈判时过早让价：先谈付款条件和装期，再谈价格。",
     [("准备一页纸的质量指标对比表", 3, False), ("复盘本次让价，列出可交换的条件", 14, False)]),
    ("rep5", "manager2", Kind.DEAL_REVIEW, 12, 2,
     "Kept the buyer's technical team involved from the first offer.",
     "The laycan was agreed before the vessel was firm: check with chartering first.",
     [("Confirm the vessel nomination with chartering", 5, True)]),
    ("rep6", "manager2", Kind.ONE_TO_ONE, 4, None,
     "Good pipeline hygiene: every deal has a next step.", "Too few new customers this quarter.",
     [("Book three visits to new steel mills", 21, False)]),
    ("rep9", "manager3", Kind.RIDE_ALONG, 15, 1,
     "与采购经理建立了良好的关系。", "会后当天就要记录拜访内容和下一步。",
     [("每次拜访当天录入拜访记录", 20, False)]),
    ("manager1", "director", Kind.ONE_TO_ONE, 30, 3,
     "团队目标拆分及时，周会节奏好。", "多做陪同拜访，帮助新人建立客户关系。",
     [("本季度陪同每位销售代表拜访一次", 60, False)]),
]


def seed_coaching() -> None:
    today = timezone.localdate()
    people = {user.username: user for user in User.objects.filter(username__in={
        name for row in NOTES for name in row[:2]})}
    for rep_name, coach_name, kind, days_ago, acknowledged_after, went_well, to_improve, actions in NOTES:
        rep, coach = people.get(rep_name), people.get(coach_name)
        if rep is None or coach is None or CoachingNote.objects.filter(rep=rep, coach=coach, kind=kind).exists():
            continue
        held_on = today - timedelta(days=days_ago)
        deal = None
        if kind == Kind.DEAL_REVIEW:
            deal = Deal.objects.filter(owner=rep, outcome=Outcome.OPEN).order_by("pk").first()
        acknowledged_at = None
        if acknowledged_after is not None:
            acknowledged_at = timezone.now() - timedelta(days=days_ago - acknowledged_after)
        note = CoachingNote.objects.create(
            rep=rep, coach=coach, kind=kind, held_on=held_on, deal=deal, customer=deal.customer if deal else None,
            went_well=went_well, to_improve=to_improve, acknowledged_at=acknowledged_at,
            acknowledgement_comment="好的，按计划执行。" if acknowledged_at else "")
        CoachingAction.objects.bulk_create([
            CoachingAction(note=note, text=text, due_on=held_on + timedelta(days=due_in),
                           done_at=timezone.now() if done else None, done_by=rep if done else None)
            for text, due_in, done in actions
        ])
