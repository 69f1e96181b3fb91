"""Sums over a table whose rows are only ever added (the ledger), kept in the cache across the rows added since.

The admin's count and totals of a ledger selection are one pass over every row its search and filters keep: a
third of the ledger at 50,000 projects takes a third of a second. Rows are added to the ledger all day, and never
changed or removed (grants/migrations/0004), so a kept sum need not be read again because rows were added. On
PostgreSQL each ledger row carries the transaction that inserted it (`inserted_by_xact`, indexed; 0039). A sum is
kept with the snapshot it was read in; read again after rows were added, it is brought up to date by adding the sum
of the rows that snapshot could not see, read in a new snapshot, kept in its place. A transaction still running when
the sum was read is added once it has committed, whatever ids its rows took; a transaction rolled back never is.

Any other change to a column the sum reads (a project's code or facility, a facility's window, a contribution's
reference), or to a row of a table it reads saved without naming its columns (as the admin saves a whole project),
replaces a version the sum is kept under (common.figures), and it is read again in full; a change of another
table (a report approved, a rate) or of a column it does not read (a project published or closed by its service)
does not; so is a sum read in full more than `TIMEOUT` ago, as every cached figure. A sum read by a transaction
that has written anything is not kept: it sees its own rows, which may yet be rolled back. On SQLite, sums are kept
until any change (`cached_query`).
"""

from __future__ import annotations

import operator
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connections
from django.db.models import BooleanField, Max, Min, QuerySet
from django.db.models.expressions import RawSQL

from .figures import TIMEOUT, appended_only, cached_query, columns_named, kept_key, reads_only_watched, sql_of

INSERTED_BY = "inserted_by_xact"  # the column PostgreSQL fills with the inserting transaction's id


@dataclass(frozen=True)
class KeptSums:
    read_in_full_at: float  # time.time() of the last full read
    snapshot: str  # the snapshot `rows` were read in, as PostgreSQL writes it: "xmin:xmax:running,…"
    rows: list[tuple]


def sums_across_appends(name: str, sums: QuerySet) -> list[tuple]:
    """The rows of `sums`, a `values_list(key).annotate(...)` of sums and counts (and of firsts and lasts, `Min` and
    `Max`) over rows only ever added, each `(key, *numbers)` in the key's order; kept across added rows where the
    database stamps them, else until any change of what they read."""
    combine = _combining(sums)
    if not (connections[sums.db].vendor == "postgresql" and appended_only(sums.model)):
        return cached_query(name, sums, lambda: _in_key_order(list(sums), combine))
    if not reads_only_watched(sums):
        return _read(sums, combine).rows
    sql, params = sql_of(sums)
    key = kept_key(f"{name}:{sql!r}:{params!r}", columns=columns_named(sums))
    kept = cache.get(key)
    if kept is not None and time.time() - kept.read_in_full_at < TIMEOUT:
        read = _read(sums.filter(_unseen_by(kept.snapshot, sums.model._meta.db_table, sums.db)), combine)
        fresh = KeptSums(kept.read_in_full_at, read.snapshot, _in_key_order(kept.rows + read.rows, combine))
    else:
        read = _read(sums, combine)
        fresh = KeptSums(time.time(), read.snapshot, read.rows)
    if not read.by_a_writer:
        cache.set(key, fresh, TIMEOUT)
    return fresh.rows


@dataclass(frozen=True)
class _Read:
    snapshot: str
    rows: list[tuple]
    # Read by a transaction that has written: it sees its own rows, which its snapshot counts as unseen, and they
    # may yet be rolled back. What it read is not kept.
    by_a_writer: bool


def _read(sums: QuerySet, combine: Sequence[Callable]) -> _Read:
    """The rows of `sums` and, in the same statement, the snapshot they were read in."""
    sql, params = sql_of(sums)  # the ORM's SQL, its values passed apart
    read = (
        "SELECT seen.snapshot, summed.* FROM (SELECT pg_current_snapshot()::text AS snapshot) AS seen "  # noqa: S608
        f"LEFT JOIN (SELECT true AS found, * FROM ({sql}) AS sums) AS summed ON true"
    )
    database = connections[sums.db]
    with database.cursor() as cursor:
        cursor.execute(read, params)
        found = cursor.fetchall()
        # Asked apart: a query naming this function is never shared among PostgreSQL's parallel workers. A read
        # outside a transaction is a transaction of its own, which has written nothing.
        by_a_writer = False
        if database.in_atomic_block:
            cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NOT NULL")
            by_a_writer = cursor.fetchone()[0]
    return _Read(found[0][0], _in_key_order([row[2:] for row in found if row[1]], combine), by_a_writer)


def _unseen_by(snapshot: str, table: str, using: str) -> RawSQL:
    """Rows inserted by a transaction `snapshot` did not see: one running then or begun since. Every such
    transaction's id is at least the snapshot's oldest running one, the index's bound."""
    quote = connections[using].ops.quote_name
    column = f"{quote(table)}.{quote(INSERTED_BY)}"
    oldest_running = snapshot.split(":", 1)[0]
    return RawSQL(  # noqa: S611 - a model's table, quoted; the snapshot passed as a value
        f"({column} >= %s::xid8 AND NOT pg_visible_in_snapshot({column}, %s::pg_snapshot))",
        [oldest_running, snapshot],
        output_field=BooleanField(),
    )


def _combining(sums: QuerySet) -> list[Callable]:
    """How two rows' numbers of one key make one, column by column: a first (`Min`) the lesser, a last (`Max`) the
    greater, a sum or a count added."""
    return [
        _lesser if isinstance(aggregate, Min) else _greater if isinstance(aggregate, Max) else operator.add
        for aggregate in sums.query.annotation_select.values()
        if aggregate.contains_aggregate
    ]


def _lesser(a, b):
    return b if a is None else a if b is None else min(a, b)


def _greater(a, b):
    return b if a is None else a if b is None else max(a, b)


def _in_key_order(rows: list[tuple], combine: Sequence[Callable]) -> list[tuple]:
    """One row per key, the numbers of rows sharing a key combined (`combine`, column by column), in the key's
    order."""
    totals: dict = {}
    for key, *numbers in rows:
        kept = totals.get(key)
        totals[key] = numbers if kept is None else [how(a, b) for how, a, b in zip(combine, kept, numbers, strict=True)]
    return [(key, *numbers) for key, numbers in sorted(totals.items(), key=lambda item: (item[0] is None, item[0]))]
