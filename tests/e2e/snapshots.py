"""The demo, loaded once per test worker, then restored from what that load left.

A browser test needs the demo portfolio committed (the live server's thread reads it), so it cannot be loaded
once and rolled back after each test; loading it takes seconds, and most browser tests start with it. The first
load from a given state of the database keeps what it left: every table's rows (`COPY`), the files it stored and
the mail it sent. A later test that starts from the same state gets those rows, files and mail back instead, in a
tenth of the time. The same state: every table row for row the same, but for the content types and permissions,
which post_migrate makes again with new ids after each flush and which are compared by what they name. Any other
state (a test that changed something first) loads afresh, as does a new day (the demo dates some rows from today).

Restoring needs PostgreSQL and a superuser's role (tests/quick_flush.py), and uploads on the file system; else
every test loads.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from common.figures import forget_figures
from tests.quick_flush import may_skip_triggers

# Made again after each flush, with new ids: compared by what they name.
BY_NAME = {
    "django_content_type": "SELECT app_label || '.' || model FROM django_content_type",
    "auth_permission": (
        "SELECT c.app_label || '.' || c.model || '.' || p.codename || '.' || p.name"
        " FROM auth_permission p JOIN django_content_type c ON c.id = p.content_type_id"
    ),
}
EMPTY = "d41d8cd98f00b204e9800998ecf8427e"  # md5('')


@dataclass
class Snapshot:
    day: dt.date
    rows: dict[str, bytes]  # table: its rows in COPY's binary format
    sequences: dict[str, int]  # sequence: its last value
    files: dict[str, bytes]  # path under MEDIA_ROOT: content
    mail: list


_kept: dict[tuple[str, tuple[str, ...]], Snapshot] = {}


def loaded(name: str, load: Callable[[], object]) -> None:
    """`load()`, or what it left the first time it ran from the same state (`name` tells loads apart)."""
    if not (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block  # committed, as a browser test's data is: SET LOCAL ends with it
        and may_skip_triggers(connection)
        and settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    ):
        load()
        return
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    before = state(tables)
    kept = _kept.get((name, before))
    if kept is not None and kept.day == timezone.localdate():
        restore(kept, tables, before)
        return
    media = Path(settings.MEDIA_ROOT)
    files = stored(media)
    sent = len(mail.outbox)
    load()
    changed = stored(media)
    if files.keys() <= changed.keys():  # a load that deletes a file is not kept
        _kept[(name, before)] = Snapshot(
            day=timezone.localdate(),
            rows=rows(tables),
            sequences=sequences(),
            files={path: (media / path).read_bytes() for path, seen in changed.items() if files.get(path) != seen},
            mail=copy.deepcopy(mail.outbox[sent:]),
        )


def state(tables: list[str]) -> tuple[str, ...]:
    """Each table's rows, hashed, in one round trip."""
    # The names are the models' own tables, quoted: nothing from a request reaches this SQL.
    queries = [
        BY_NAME.get(table, f"SELECT t::text FROM {connection.ops.quote_name(table)} t")  # noqa: S608
        for table in tables
    ]
    hashes = ", ".join(
        f"(SELECT md5(coalesce(string_agg(r, '|' ORDER BY r), '')) FROM ({query}) AS q(r))"  # noqa: S608
        for query in queries
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {hashes}")
        return tuple(cursor.fetchone())


def stored(media: Path) -> dict[str, tuple[int, int]]:
    """The files under `media`: size and time of change of each."""
    return {
        str(path.relative_to(media)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in media.rglob("*")
        if path.is_file()
    }


def rows(tables: list[str]) -> dict[str, bytes]:
    kept = {}
    with connection.cursor() as cursor:
        for table, digest in zip(tables, state(tables), strict=True):
            if digest != EMPTY:
                with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} TO STDOUT (FORMAT BINARY)") as out:
                    kept[table] = b"".join(bytes(block) for block in out)
    return kept


def sequences() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences"
            " WHERE last_value IS NOT NULL"
        )
        return dict(cursor.fetchall())


def restore(snapshot: Snapshot, tables: list[str], before: tuple[str, ...]) -> None:
    """The snapshot's rows in place of the tables' (triggers and foreign key checks off, as for a flush: the rows
    are those the triggers made), each sequence past the ids they use, then its files and mail."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table, digest in zip(tables, before, strict=True):
            if digest != EMPTY:
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608
        for table, data in snapshot.rows.items():
            with cursor.cursor.copy(f"COPY {connection.ops.quote_name(table)} FROM STDIN (FORMAT BINARY)") as into:
                into.write(data)
        cursor.execute(
            "SELECT setval(kept.name::regclass, greatest(kept.value, coalesce(seq.last_value, 0)))"
            " FROM unnest(%s::text[], %s::bigint[]) AS kept(name, value)"
            " JOIN pg_sequences seq ON format('%%I.%%I', seq.schemaname, seq.sequencename) = kept.name",
            [list(snapshot.sequences), list(snapshot.sequences.values())],
        )
    # What a load leaves besides the rows: the content types' ids (cached), the figures it changed, files and mail.
    ContentType.objects.clear_cache()
    forget_figures()
    media = Path(settings.MEDIA_ROOT)
    for path, content in snapshot.files.items():
        (media / path).parent.mkdir(parents=True, exist_ok=True)
        (media / path).write_bytes(content)
    mail.outbox.extend(copy.deepcopy(snapshot.mail))
