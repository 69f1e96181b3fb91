"""Figures read from the whole portfolio, kept in the cache until a row they are made of changes.

The public home page sums the whole ledger (a million transactions at 50,000 projects, each converted
at its value date's rate): it is computed once and kept, under a version that every change of a
watched model replaces. That is one door, whichever way the row was written: the admin, a service,
an import, the API or the IATI import all save rows, and saving (or deleting) a watched row fires the
signal. The few writes that go around `save()` (`QuerySet.update()`, `bulk_create()`) call
`portfolio_changed()` themselves.

The version is replaced at once and again when the transaction commits: a figure computed meanwhile
from the rows before the commit is stored under a version nobody reads after the commit. Keys carry
the database's name, so that a benchmark's or a test's database never reads another's figures.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

# A bound on what a Redis outage can leave stale: while Redis does not answer, each web process keeps its
# own cache (common.cache) and a change made in one process does not reach the others' copies.
TIMEOUT = 15 * 60


def _prefix() -> str:
    return f"portfolio-figures:{connection.settings_dict['NAME']}"


def _replace_version() -> None:
    cache.set(f"{_prefix()}:version", uuid.uuid4().hex, None)


def portfolio_changed(**_signal) -> None:
    """Forget every cached figure: now, and again when the current transaction commits."""
    _replace_version()
    transaction.on_commit(_replace_version)


def cached_figures(name: str, compute: Callable[[], T]) -> T:
    """The figures called `name`, computed by `compute()` unless kept since the last change."""
    version = cache.get(f"{_prefix()}:version")
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(f"{_prefix()}:version", version, None):
            version = cache.get(f"{_prefix()}:version", version)
    key = f"{_prefix()}:{version}:{name}"
    figures = cache.get(key)
    if figures is None:
        figures = compute()
        cache.set(key, figures, TIMEOUT)
    return figures


def watch(models: Iterable[type[Model]]) -> None:
    """Forget the cached figures whenever a row of one of `models` (or of their many-to-many tables) changes."""
    for model in models:
        uid = f"portfolio-figures-{model._meta.label}"
        post_save.connect(portfolio_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(portfolio_changed, sender=model, dispatch_uid=f"{uid}-delete")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(portfolio_changed, sender=through, dispatch_uid=f"{uid}-{field.name}")
