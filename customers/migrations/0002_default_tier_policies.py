"""The three tiers of the plan's 客户分类, with the defaults the directors start from."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    ("high", Decimal("50000000"), 100000, 7,
     "Priority service by the owner: a visit or call at least weekly, the manager on every negotiation, "
     "complaints answered the same day.",
     "重点服务：客户负责人至少每周拜访或电话一次，销售经理参与每次谈判，客户投诉当天响应。"),
    ("general", Decimal("5000000"), 10000, 30,
     "Routine care by the owner: contact at least monthly, quarterly review of needs.",
     "常规维护：客户负责人至少每月联系一次，每季度回顾客户需求。"),
    ("low", Decimal("0"), 0, 90,
     "Handled centrally by customer service through the hotline; the owner checks in each quarter.",
     "由客户服务部通过服务热线集中处理；客户负责人每季度回访一次。"),
]


def create(apps, schema_editor):
    TierPolicy = apps.get_model("customers", "TierPolicy")
    for tier, amount, tonnes, gap, strategy, strategy_zh in DEFAULTS:
        TierPolicy.objects.get_or_create(
            tier=tier,
            defaults={
                "min_signed_amount": amount,
                "min_signed_tonnes": tonnes,
                "max_contact_gap_days": gap,
                "service_strategy": strategy,
                "service_strategy_zh": strategy_zh,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
