"""SQL that only PostgreSQL runs, for migrations: triggers, extensions, text search. SQLite, the development
database, has no such objects and skips it."""

from __future__ import annotations

from django.db import migrations


def postgresql_only(forward: str, backward: str) -> migrations.RunPython:
    """A migration operation running `forward` on PostgreSQL, and `backward` when it is undone."""
    return migrations.RunPython(_on_postgresql(forward), _on_postgresql(backward))


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run
