"""Each stage move keeps when its deal entered the stage it leaves (the scorecards' time in each stage read it
instead of looking up the move before, once per move): set here for the moves recorded so far, as the
scorecards computed it (the latest earlier move into that stage that changed stage, or the deal's creation)."""

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    StageMove = apps.get_model("pipeline", "StageMove")
    Deal = apps.get_model("pipeline", "Deal")
    entered = (StageMove.objects.filter(deal=OuterRef("deal"), to_stage=OuterRef("from_stage"), at__lt=OuterRef("at"))
               .exclude(from_stage=F("to_stage")).order_by("-at").values("at")[:1])
    created = Deal.objects.filter(pk=OuterRef("deal")).values("created_at")[:1]
    StageMove.objects.filter(from_stage_since__isnull=True).update(
        from_stage_since=Coalesce(Subquery(entered), Subquery(created)))


class Migration(migrations.Migration):

    dependencies = [
        ("pipeline", "0018_deal_furthest_stage"),
    ]

    operations = [
        migrations.AddField(
            model_name="stagemove",
            name="from_stage_since",
            field=models.DateTimeField(editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
