"""The registry of what a user can own, so a hand-over moves all of it without knowing every app.

Each app registers its owner fields in its AppConfig.ready(); accounts never imports upward.
"""

from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True)
class OwnedField:
    model: type[models.Model]
    field: str
    label: str  # lazily translated, e.g. "customers owned"
    positions: frozenset[str] = frozenset()  # who may take these over; empty means anyone

    @property
    def key(self) -> str:
        return f"{self.model._meta.label}.{self.field}"


_registry: dict[str, OwnedField] = {}


def register_owned(model: type[models.Model], field: str, label, positions=()) -> None:
    entry = OwnedField(model, field, label, frozenset(positions))
    _registry[entry.key] = entry


def owned_fields() -> list[OwnedField]:
    return list(_registry.values())


def label_for(key: str) -> str:
    entry = _registry.get(key)
    return str(entry.label) if entry else key
