"""Claiming a recomputation (a quarter's scorecards, a plan's commission statements) so that two never
overlap, and enqueueing it once the claim commits."""

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from accounts.services import RuleError

from .models import ComputationRun

_Run = TypeVar("_Run", bound=ComputationRun)

# A run unfinished this long lost its worker (and its message): it no longer blocks a new one.
ABANDONED_AFTER = timedelta(hours=1)


def claim_run(model: type[_Run], *, by: User, start: Callable[[int], Any], busy: str, **key: Any) -> _Run:
    """A new run of `model` for `key`, started by `start(run.pk)` on commit; or the one already running
    for `key` (the model's partial unique constraint on unfinished runs makes the claim)."""
    now = timezone.now()
    model._default_manager.filter(**key, finished_at__isnull=True, started_at__lt=now - ABANDONED_AFTER).update(
        finished_at=now, error="abandoned")
    for _attempt in range(3):  # the running one may finish between our insert and our read
        try:
            with transaction.atomic():
                run = model._default_manager.create(**key, requested_by=by)
        except IntegrityError:
            running = model._default_manager.filter(**key, finished_at__isnull=True).first()
            if running is not None:
                return running
            continue
        transaction.on_commit(partial(start, run.pk))
        return run
    raise RuleError(busy)
