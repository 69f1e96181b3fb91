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

Sums over a table whose rows are only ever added (the ledger, `watch_appended`) are brought up to date with the
rows added instead of read again (common/appended_sums.py): they are kept under a version of each table they read,
which a change of that table's rows replaces (rows added to the append-only table excepted), and under a version
that only a change of an unknown table replaces (`portfolio_changed()` called without the model that changed).

What a query reads (an admin list's count, say: `cached_query`) is also kept under a version of each table it names,
so that tables no portfolio figure reads can be watched for it alone (`watch_rows`: applications, calls): a partner
saving a draft application forgets the counts of the application lists, not the home page's figures.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar
from weakref import WeakKeyDictionary

from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.db.models.sql import Query
from django.utils import translation

T = TypeVar("T")

# A bound on what a Redis outage can leave stale: while Redis does not answer, each web process keeps its
# own cache (common.cache) and a change made in one process does not reach the others' copies.
TIMEOUT = 15 * 60

_watched: set[str] = set()  # labels of the models whose changes replace the version
_appended_only: set[str] = set()  # labels of the watched models whose rows are only ever added


def _prefix() -> str:
    return f"portfolio-figures:{connection.settings_dict['NAME']}"


ANY_CHANGE = "version"
UNKNOWN_CHANGE = "unknown-change-version"


def _table_version(table: str) -> str:
    return f"table-version:{table}"


def _replace_versions(*versions: str) -> None:
    cache.set_many({f"{_prefix()}:{version}": uuid.uuid4().hex for version in versions}, None)


def forget_figures() -> None:
    """Forget every cached figure at once (a test's database starts afresh, say)."""
    _replace_versions(ANY_CHANGE, UNKNOWN_CHANGE)


def portfolio_changed(sender: type[Model] | None = None, **_signal) -> None:
    """Forget every cached figure: now, and again when the current transaction commits. Given the model whose rows
    changed (`sender`, as signals give it), sums kept across appended rows forget only what read its table."""
    if isinstance(sender, type) and issubclass(sender, Model):
        versions = (ANY_CHANGE, _table_version(sender._meta.db_table))
    else:
        versions = (ANY_CHANGE, UNKNOWN_CHANGE)
    _replace_now_and_at_commit(*versions)


def rows_appended() -> None:
    """Forget the cached figures, except the sums kept across appended rows (common.appended_sums): now, and
    again when the current transaction commits."""
    _replace_now_and_at_commit(ANY_CHANGE)


def _replace_now_and_at_commit(*versions: str) -> None:
    """A figure computed from the rows before the commit is stored under a version nobody reads after it."""
    _replace_versions(*versions)
    transaction.on_commit(lambda: _replace_versions(*versions))


def kept_key(name: str, *, tables: Iterable[str] | None = None, any_change: bool = False) -> str:
    """The cache key of what is called `name`, kept until any watched row changes; or, given the `tables` it reads,
    until a row of one of them changes (rows added to an append-only table excepted, unless `any_change` also
    forgets it at any change of a row `watch` watches) or an unknown one does."""
    versions = [ANY_CHANGE] if tables is None else [UNKNOWN_CHANGE, *map(_table_version, sorted(tables))]
    if tables is not None and any_change:
        versions.insert(0, ANY_CHANGE)
    keys = [f"{_prefix()}:{version}" for version in versions]
    current = cache.get_many(keys)
    for key in keys:
        if key not in current:
            made = uuid.uuid4().hex
            current[key] = made if cache.add(key, made, None) else cache.get(key, made)
    # Per language: figures may carry names (an indicator's, a status's) in the language they were read in.
    language = translation.get_language() or ""
    kept = ":".join(current[key] for key in keys)
    return f"{_prefix()}:{language}:{hashlib.sha256(f'{kept}:{name}'.encode()).hexdigest()}"  # any name, a safe key


def cached_figures(name: str, compute: Callable[[], T]) -> T:
    """The figures called `name`, computed by `compute()` unless kept since the last change."""
    return _kept(kept_key(name), compute)


def _kept(key: str, compute: Callable[[], T]) -> T:
    kept = cache.get(key)
    if kept is None:
        kept = compute()
        cache.set(key, kept, TIMEOUT)
    return kept


def cached_query(name: str, queryset: QuerySet, compute: Callable[[], T]) -> T:
    """What `compute()` reads from `queryset` (a whole-table aggregate, say), kept in the cache under the
    query's SQL when every table the SQL names (subqueries included) is watched, until a row of one of them or any
    row `watch` watches changes; computed afresh otherwise."""
    sql, params = sql_of(queryset)
    named = _tables_in(sql)
    if not _only_watched(named):
        return compute()
    return _kept(kept_key(f"{name}:{sql!r}:{params!r}", tables=named, any_change=True), compute)


def reads_only_watched(queryset: QuerySet) -> bool:
    """Whether every table the query's SQL names (subqueries included) is watched: what it reads can be kept."""
    return _only_watched(tables_named(queryset))


def _only_watched(named: frozenset[str]) -> bool:
    watched = {apps.get_model(label)._meta.db_table for label in _watched}
    return bool(named) and named <= watched


def tables_named(queryset: QuerySet) -> frozenset[str]:
    """The tables of models the query's SQL names, subqueries included."""
    return _tables_in(sql_of(queryset)[0])


# A query's SQL, by the query object it was compiled from. An admin list asks its count, its totals and its date
# drill-down of the same rows (`ChangeList.queryset`), and a search across partners and cities compiles to a
# subquery for each word and relation (3 ms at a time): compiled once a request, not once a figure kept. A query
# object changed in place after it was compiled (Django changes only a clone it has not handed out yet) would
# have to be compiled again: `sql_of` is only asked of querysets handed to the figures.
_compiled: WeakKeyDictionary[Query, tuple[str, tuple]] = WeakKeyDictionary()


def sql_of(queryset: QuerySet) -> tuple[str, tuple]:
    query = queryset.query
    compiled = _compiled.get(query)
    if compiled is None:
        compiled = _compiled[query] = query.sql_with_params()
    return compiled


@lru_cache(maxsize=256)
def _tables_in(sql: str) -> frozenset[str]:
    quote = connection.ops.quote_name
    return frozenset(model._meta.db_table for model in apps.get_models() if quote(model._meta.db_table) in sql)


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


def watch_rows(models: Iterable[type[Model]]) -> None:
    """Forget what a kept query read from the tables of `models` (`cached_query`: an admin list's count) whenever
    one of their rows (or of their many-to-many tables) changes, and nothing else: no figure of the portfolio reads
    them."""
    for model in models:
        _watched.add(model._meta.label)
        uid = f"kept-queries-{model._meta.label}"
        version = _table_version(model._meta.db_table)

        def receiver(version=version, **_signal) -> None:
            _replace_now_and_at_commit(version)

        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}-save", weak=False)
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}-delete", weak=False)
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(receiver, sender=through, dispatch_uid=f"{uid}-{field.name}", weak=False)


def watch_appended(models: Iterable[type[Model]]) -> None:
    """Watch `models`, tables whose rows are only ever added (the database refuses the rest): a row added forgets
    the cached figures but not the sums kept across appended rows (common.appended_sums)."""
    for model in models:
        _watched.add(model._meta.label)
        _appended_only.add(model._meta.label)
        uid = f"portfolio-figures-{model._meta.label}"
        post_save.connect(_row_saved_to_appended, sender=model, dispatch_uid=f"{uid}-save", weak=False)
        post_delete.connect(portfolio_changed, sender=model, dispatch_uid=f"{uid}-delete", weak=False)


def _row_saved_to_appended(sender: type[Model], created: bool = False, **_signal) -> None:
    if created:
        rows_appended()
    else:
        portfolio_changed(sender)


def appended_only(model: type[Model]) -> bool:
    """Whether `model`'s rows are only ever added (`watch_appended`)."""
    return model._meta.label in _appended_only


def _forget_unless(unread: Callable[[Model, frozenset | None], bool]) -> Callable:
    def receiver(sender: type[Model], instance: Model, update_fields: frozenset | None = None, **signal) -> None:
        if not unread(instance, update_fields):
            portfolio_changed(sender)

    return receiver
