"""Idempotent writes for loaders: running a loader twice changes nothing the second time."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def ensure(model: type[M], lookup: dict[str, Any], values: dict[str, Any] | None = None) -> M:
    """Create the row matching `lookup` with `values`, or bring an existing one up to `values`.

    An existing row that already holds `values` is not saved again, so no history is written.
    """
    values = values or {}
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        instance = model(**lookup, **values)
        instance.full_clean()
        instance.save()
        return instance
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        instance.full_clean()
        instance.save(update_fields=changed)
    return instance


def ensure_m2m(manager, objects) -> None:
    """Add what is missing to a many-to-many relation, leaving what is there."""
    present = set(manager.values_list("pk", flat=True))
    missing = [obj for obj in objects if obj.pk not in present]
    if missing:
        manager.add(*missing)
