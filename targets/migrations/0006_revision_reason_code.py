"""Revisions keep the system's reasons as a code and its parameters, read in the reader's language.

Until now a copy forward stored its sentence in the writer's language ("Copied from 2026 Q4 with 15%
uplift" or "由 2026年第4季度顺延，上调比例 15%"), and "Set" and "Split" were stored as their English
message. The back-fill turns those into codes; any other reason is a person's words and stays as typed.
"""

import re

from django.db import migrations, models

# The sentences as they were stored: the English message and its Chinese translation.
COPIED = [
    re.compile(r"^Copied from (?P<year>\d{4}) Q(?P<quarter>[1-4]) with (?P<uplift>-?\d+(?:\.\d+)?)% uplift$"),
    re.compile(r"^由\s*(?P<year>\d{4})\s*年第\s*(?P<quarter>[1-4])\s*季度顺延，\s*上调比例\s*"
               r"(?P<uplift>-?\d+(?:\.\d+)?)\s*%$"),
]
FIXED = {"Set": "set", "Split": "split"}  # stored untranslated (gettext_noop) by the old code


def reason_code_of(text: str) -> tuple[str, dict] | None:
    """(code, params) of a stored system reason, or None for a person's own words."""
    text = text.strip()
    if text in FIXED:
        return FIXED[text], {}
    for pattern in COPIED:
        match = pattern.match(text)
        if match:
            return "copied", {"year": int(match["year"]), "quarter": int(match["quarter"]),
                              "uplift": match["uplift"]}
    return None


def backfill_codes(apps, schema_editor) -> None:
    TargetRevision = apps.get_model("targets", "TargetRevision")
    candidates = TargetRevision.objects.filter(reason_code="manual").filter(
        models.Q(reason__in=list(FIXED)) | models.Q(reason__startswith="Copied from ") | models.Q(reason__startswith="由"))
    changed = []
    for revision in candidates.only("pk", "reason").iterator(chunk_size=2000):
        coded = reason_code_of(revision.reason)
        if coded:
            revision.reason_code, revision.reason_params = coded
            revision.reason = ""
            changed.append(revision)
    TargetRevision.objects.bulk_update(changed, ["reason_code", "reason_params", "reason"], batch_size=2000)


def restore_sentences(apps, schema_editor) -> None:
    """Backwards: the English sentence in `reason`, as the old code stored (and read) it."""
    TargetRevision = apps.get_model("targets", "TargetRevision")
    changed = []
    for revision in TargetRevision.objects.exclude(reason_code="manual").iterator(chunk_size=2000):
        if revision.reason_code == "copied":
            revision.reason = "Copied from %(year)s Q%(quarter)s with %(uplift)s%% uplift" % revision.reason_params
        else:
            revision.reason = {"set": "Set", "split": "Split"}[revision.reason_code]
        changed.append(revision)
    TargetRevision.objects.bulk_update(changed, ["reason"], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('targets', '0005_amended_contracts'),
    ]

    operations = [
        migrations.AddField(
            model_name='targetrevision',
            name='reason_code',
            field=models.CharField(choices=[('manual', 'Reason typed by a person'), ('set', 'Set'), ('split', 'Split'), ('copied', 'Copied from the previous quarter')], default='manual', max_length=16),
        ),
        migrations.AddField(
            model_name='targetrevision',
            name='reason_params',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AlterField(
            model_name='targetrevision',
            name='reason',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.RunPython(backfill_codes, restore_sentences),
    ]
