"""The registry of what a user can own, so a hand-over moves all of it without knowing every app.

Each app registers its owner fields in its AppConfig.ready(); accounts never imports upward.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:  # types only: the models import this registry, and django-stubs is a dev dependency
    from django_stubs_ext import StrOrPromise

    from .models import User


@dataclass(frozen=True)
class OwnedField:
    model: type[models.Model]
    field: str
    label: StrOrPromise  # lazily translated, e.g. "customers owned"
    positions: frozenset[str] = frozenset()  # who may take these over; empty means anyone
    # Which of the person's records move, when not all of them: given the leaving person and the one
    # taking over, a filter (e.g. only open reminders). None moves every record whose `field` is theirs.
    only: Callable[[User, User], Q] | None = None

    @property
    def key(self) -> str:
        return f"{self.model._meta.label}.{self.field}"

    def records_of(self, person: User, successor: User) -> models.QuerySet[models.Model]:
        condition = self.only(person, successor) if self.only else Q(**{self.field: person})
        return self.model._default_manager.filter(condition)


_registry: dict[str, OwnedField] = {}


def register_owned(model: type[models.Model], field: str, label: StrOrPromise, positions: Iterable[str] = (),
                   only: Callable[[User, User], Q] | None = None) -> None:
    entry = OwnedField(model, field, label, frozenset(positions), only)
    _registry[entry.key] = entry


def owned_fields() -> list[OwnedField]:
    return list(_registry.values())


def label_for(key: str) -> str:
    entry = _registry.get(key)
    return str(entry.label) if entry else key
