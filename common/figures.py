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

import hashlib
import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import translation

T = TypeVar("T")

# A bound on what a Redis outage can leave stale: while Redis does not answer, each web process keeps its
# own cache (common.cache) and a change made in one process does not reach the others' copies.
TIMEOUT = 15 * 60

_watched: set[str] = set()  # labels of the models whose changes replace the version


def _prefix() -> str:
    return f"portfolio-figures:{connection.settings_dict['NAME']}"


def _replace_version() -> None:
    cache.set(f"{_prefix()}:version", uuid.uuid4().hex, None)


def forget_figures() -> None:
    """Forget every cached figure at once (a test's database starts afresh, say)."""
    _replace_version()


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
    # Per language: figures may carry names (an indicator's, a status's) in the language they were read in.
    language = translation.get_language() or ""
    key = f"{_prefix()}:{version}:{language}:{hashlib.sha256(name.encode()).hexdigest()}"  # any name, a safe key
    figures = cache.get(key)
    if figures is None:
        figures = compute()
        cache.set(key, figures, TIMEOUT)
    return figures


def cached_query(name: str, queryset: QuerySet, compute: Callable[[], T]) -> T:
    """What `compute()` reads from `queryset` (a whole-table aggregate, say), kept in the cache under the
    query's SQL when every table the SQL names (subqueries included) is watched; computed afresh otherwise."""
    sql, params = queryset.query.sql_with_params()
    quote = connection.ops.quote_name
    named = {model._meta.db_table for model in apps.get_models() if quote(model._meta.db_table) in sql}
    watched = {apps.get_model(label)._meta.db_table for label in _watched}
    if not named or not named <= watched:
        return compute()
    return cached_figures(f"{name}:{sql!r}:{params!r}", compute)


def watch(models: Iterable[type[Model]], *, unread: Callable[[Model, frozenset | None], bool] | None = None) -> None:
    """Forget the cached figures whenever a row of one of `models` (or of their many-to-many tables) changes;
    unless `unread(row, update_fields)` says no figure reads what changed (a draft's text, say), so that a
    partner typing a draft does not make every figure be read again."""
    receiver = portfolio_changed if unread is None else _forget_unless(unread)
    for model in models:
        _watched.add(model._meta.label)
        uid = f"portfolio-figures-{model._meta.label}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-save", weak=False)
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(portfolio_changed, sender=through, dispatch_uid=f"{uid}-{field.name}")


def _forget_unless(unread: Callable[[Model, frozenset | None], bool]) -> Callable:
    def receiver(instance: Model, update_fields: frozenset | None = None, **signal) -> None:
        if not unread(instance, update_fields):
            portfolio_changed()

    return receiver
