"""A transactional test's flush on PostgreSQL, by deleting the rows rather than truncating the tables.

After each transactional test (`transactional_db`, the live server, `django_db(transaction=True)`) Django empties
every table with one `TRUNCATE` of all of them, which gives each table and each of its indexes a new file: seconds
on a busy machine, for tables that hold a few thousand rows at most. Deleting the rows takes a tenth of that.

The end is the same: every table empty, the sequences left as they were, and post_migrate emitted afterwards.
The tables are locked first as `TRUNCATE` locks them, so that a request or a worker still running waits for the
flush, or the flush for it, as before. Triggers and foreign key checks are off for the deletion, as they are for
`TRUNCATE` (the ledger's rows, which a trigger keeps from ever being deleted, go too): that takes a superuser, as
CI's `postgres` is; for any other role, and for a flush that resets sequences or cascades, Django's own runs.
"""

from __future__ import annotations

from django.db.backends.postgresql.operations import DatabaseOperations

_truncate = DatabaseOperations.sql_flush
_superuser: dict[str, bool] = {}


def may_skip_triggers(connection) -> bool:
    """Whether this connection's role may turn triggers off (`session_replication_role`): a superuser's."""
    name = connection.settings_dict["NAME"]
    if name not in _superuser:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('is_superuser') = 'on'")
            _superuser[name] = cursor.fetchone()[0]
    return _superuser[name]


def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    if not tables or reset_sequences or allow_cascade or not may_skip_triggers(self.connection):
        return _truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    names = [self.quote_name(table) for table in tables]
    # Run in one transaction (`execute_sql_flush`): SET LOCAL ends with it.
    return [
        "SET LOCAL session_replication_role = replica",
        f"LOCK TABLE {', '.join(names)} IN ACCESS EXCLUSIVE MODE",
        *(f"DELETE FROM {name}" for name in names),  # noqa: S608 - the models' own tables, quoted
    ]


def install() -> None:
    DatabaseOperations.sql_flush = sql_flush
