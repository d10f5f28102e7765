"""The bell's count, which every page's navigation bar shows: cached per person and day, and dropped the moment
anything it counts is written.

The count is a versioned cache entry: it is stored with the token for "everyone" and the person's token it was
counted under, and read only while both are still the current ones. A write to a reminder (or to anything an app
registered with the inbox count) replaces the person's token, or everyone's when a bulk write does not say whose
rows it touched, once its transaction commits. A reader that computed the count from the old rows stores it with
the old tokens, which nobody matches any more; so a cached count is never older than the last committed write.
The day is in the key, so snoozed reminders come back at midnight. Every page reads the tokens and the count in
one round trip to the cache.
"""

import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

EVERYONE = "bell:v"


def _person_key(person_id: int) -> str:
    return f"bell:v:{person_id}"


def _with_tokens(found: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    """`found` (what a read of the cache gave) with a token for each of `keys`: a token that was never set (or was
    evicted) gets a new one, all of them in one read more. An evicted token must not bring back the counts stored
    under the one before it; one added meanwhile by another request is the one kept."""
    missing = [key for key in keys if key not in found]
    if not missing:
        return found
    for key in missing:
        cache.add(key, secrets.token_hex(6), None)
    return found | cache.get_many(missing)


def cached_count(person_id: int, day: date, count: Callable[[], int]) -> int:
    """The bell's count of one person (`count` counts it when the cache has it not)."""
    return cached_counts([person_id], day, "n", lambda _missing: {person_id: count()})[person_id]


def cached_counts(person_ids: Iterable[int], day: date, kind: str,
                  count: Callable[[list[int]], Mapping[int, int]]) -> dict[int, int]:
    """Several people's counts of one `kind` of what their inboxes hold ("n": the bell's; a team's open reminders,
    each rep's), kept as the bell's and dropped with it by any write to their inbox: read in one round trip to the
    cache, and those not there counted together (`count`: the missing people's counts, anyone counting none may be
    left out) and stored."""
    people = list(dict.fromkeys(person_ids))
    # INBOX_COUNT_CACHE_SECONDS is a safety net only: every write that changes a count replaces its token.
    seconds = settings.INBOX_COUNT_CACHE_SECONDS
    if seconds <= 0 or not people:
        counted_now = count(people) if people else {}
        return {pk: int(counted_now.get(pk, 0)) for pk in people}
    keys = {pk: f"bell:{kind}:{pk}:{day.isoformat()}" for pk in people}
    token_keys = [EVERYONE, *(_person_key(pk) for pk in people)]
    found = _with_tokens(cache.get_many([*token_keys, *keys.values()]), token_keys)
    counts: dict[int, int] = {}
    tokens = {pk: (found[EVERYONE], found[_person_key(pk)]) for pk in people}
    for pk in people:
        stored = found.get(keys[pk])
        if isinstance(stored, (list, tuple)) and len(stored) == 3 and tuple(stored[:2]) == tokens[pk]:
            counts[pk] = int(stored[2])
    missing = [pk for pk in people if pk not in counts]
    if missing:
        counted_now = count(missing)
        counts.update({pk: int(counted_now.get(pk, 0)) for pk in missing})
        cache.set_many({keys[pk]: (*tokens[pk], counts[pk]) for pk in missing}, seconds)
    return counts


def inbox_changed(person_ids: Iterable[int | None] | None = None) -> None:
    """The inboxes of `person_ids` (everyone's if None) changed: their counts are read afresh once the current
    transaction commits (before it, another request would read the old rows and cache them again)."""
    keys = [EVERYONE] if person_ids is None else [_person_key(pk) for pk in set(person_ids) if pk is not None]
    if keys:
        transaction.on_commit(lambda: cache.set_many({key: secrets.token_hex(6) for key in keys}, None))


class InboxQuerySet(models.QuerySet[Any]):
    """The queryset of a model the bell counts: its bulk writes drop the counts they may change. `recipient`
    names the field of the person whose inbox a row is in, when the row has one."""

    recipient: str | None = None

    def update(self, **kwargs: Any) -> int:
        changed = super().update(**kwargs)
        if changed:
            inbox_changed()  # whose rows they were is not known without reading them again
        return changed

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        created = super().bulk_create(objs, *args, **kwargs)
        if self.recipient is None:
            inbox_changed()
        else:
            inbox_changed(getattr(obj, f"{self.recipient}_id") for obj in created)
        return created


def counted(model: type[models.Model], recipient: str | None = None) -> None:
    """Drop the counts when a row of `model` is saved or deleted one by one (a deletion that cascades from
    a customer or a person too): the person's named by the `recipient` field, or everyone's."""

    def changed(sender: type[models.Model], instance: models.Model, **_kwargs: Any) -> None:
        inbox_changed(None if recipient is None else [getattr(instance, f"{recipient}_id")])

    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"bell:{model._meta.label}")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"bell-delete:{model._meta.label}")
