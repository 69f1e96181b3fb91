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
rows added instead of read again (common/appended_sums.py): they are kept under a version of each column they read,
which a save naming that column (`save(update_fields=...)`, as the services save) replaces, under a version of each
table they read, which any other change of that table's rows replaces (rows added to the append-only table
excepted), and under a version that only a change of an unknown table replaces (`portfolio_changed()` called
without the model that changed). The versions of the columns a trigger writes in another table
(`written_by_the_database`) are replaced with the change that made it write them. So a project published or closed
by its service leaves the ledger's sums kept, and a project moved to another facility, or saved whole in the admin,
does not.

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


def _rows_version(table: str) -> str:
    """Replaced by any change of the table's rows but a save that names the columns it writes."""
    return f"rows-version:{table}"


def _column_version(table: str, column: str) -> str:
    return f"column-version:{table}.{column}"


def _versions_of(model: type[Model], update_fields: Iterable[str] | None = None) -> tuple[str, ...]:
    """The versions a change of `model`'s rows replaces: its table's, and those of the columns a save wrote when
    it names them (`update_fields`), else its rows' in any column; and those of the columns the database writes in
    other tables when they change (`written_by_the_database`)."""
    return (*_own_versions_of(model, update_fields), *_written_elsewhere.get(model._meta.label, ()))


def _own_versions_of(model: type[Model], update_fields: Iterable[str] | None = None) -> tuple[str, ...]:
    table = model._meta.db_table
    if not update_fields:
        return _table_version(table), _rows_version(table)
    return _table_version(table), *(_column_version(table, column) for column in _columns_written(model, update_fields))


# Of a model's label, the versions of the other tables' columns the database writes when its rows change.
_written_elsewhere: dict[str, tuple[str, ...]] = {}


def written_by_the_database(sources: Iterable[type[Model]], model: type[Model], fields: Iterable[str]) -> None:
    """Say that a change of a row of one of `sources` makes the database write `fields` of some of `model`'s rows
    (a trigger: a city renamed remakes the search document of the projects in it), where no signal tells of it: such
    a change forgets what read them too. The sources are watched apart (`watch`, `watch_rows`)."""
    versions = _own_versions_of(model, fields)
    for source in sources:
        label = source._meta.label
        _written_elsewhere[label] = tuple(dict.fromkeys((*_written_elsewhere.get(label, ()), *versions)))


def _columns_written(model: type[Model], update_fields: Iterable[str]) -> frozenset[str]:
    """The columns a save of `update_fields` may change: those, and the ones the database or Django keeps from others
    (non-editable: a generated column, a search document a trigger makes, a time stamp), the key excepted."""
    named = {model._meta.get_field(name).column for name in update_fields}
    kept = {field.column for field in model._meta.concrete_fields if not field.editable and not field.primary_key}
    return frozenset(named | kept)


def _replace_versions(*versions: str) -> None:
    cache.set_many({f"{_prefix()}:{version}": uuid.uuid4().hex for version in versions}, None)


def forget_figures() -> None:
    """Forget every cached figure at once (a test's database starts afresh, say)."""
    _replace_versions(ANY_CHANGE, UNKNOWN_CHANGE)


def portfolio_changed(sender: type[Model] | None = None, update_fields: Iterable[str] | None = None, **_signal) -> None:
    """Forget every cached figure: now, and again when the current transaction commits. Given the model whose rows
    changed (`sender`, as signals give it), sums kept across appended rows forget only what read its table; given
    also the fields a save wrote (`update_fields`), only what read their columns."""
    if isinstance(sender, type) and issubclass(sender, Model):
        versions = (ANY_CHANGE, *_versions_of(sender, update_fields))
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


def kept_key(
    name: str,
    *,
    tables: Iterable[str] | None = None,
    any_change: bool = False,
    columns: dict[str, frozenset[str]] | None = None,
) -> str:
    """The cache key of what is called `name`, kept until any watched row changes; or, given the `tables` it reads,
    until a row of one of them changes (rows added to an append-only table excepted, unless `any_change` also
    forgets it at any change of a row `watch` watches) or an unknown one does; or, given the `columns` it reads of
    each table (`columns_named`), until one of them is written or a row of one of the tables changes otherwise."""
    if columns is not None:
        versions = [UNKNOWN_CHANGE]
        for table in sorted(columns):
            versions += [_rows_version(table), *(_column_version(table, column) for column in sorted(columns[table]))]
    elif tables is None:
        versions = [ANY_CHANGE]
    else:
        versions = [UNKNOWN_CHANGE, *map(_table_version, sorted(tables))]
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


def columns_named(queryset: QuerySet) -> dict[str, frozenset[str]]:
    """Of each table the query's SQL names, the columns whose names it quotes anywhere in it. Django quotes every
    column it names (a raw fragment must too, as common.appended_sums's does): where two tables share a column's
    name this holds more than the query reads, never less."""
    return _columns_in(sql_of(queryset)[0])


@lru_cache(maxsize=256)
def _columns_in(sql: str) -> dict[str, frozenset[str]]:
    quote = connection.ops.quote_name
    return {
        model._meta.db_table: frozenset(
            field.column for field in model._meta.concrete_fields if quote(field.column) in sql
        )
        for model in _models_in(sql)
    }


@lru_cache(maxsize=256)
def _tables_in(sql: str) -> frozenset[str]:
    return frozenset(model._meta.db_table for model in _models_in(sql))


def _models_in(sql: str) -> list[type[Model]]:
    quote = connection.ops.quote_name
    return [model for model in apps.get_models() if quote(model._meta.db_table) in sql]


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

        # Bound as a default: m2m_changed sends a `model` of its own (the other side of the relation).
        def receiver(watched=model, update_fields=None, **_signal) -> None:
            _replace_now_and_at_commit(*_versions_of(watched, update_fields))

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
            portfolio_changed(sender, update_fields)

    return receiver
