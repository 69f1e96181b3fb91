"""SQL that only PostgreSQL runs, for migrations: triggers, extensions, text search. SQLite, the development
database, has no such objects and skips it."""

from __future__ import annotations

from django.db import migrations

from .vendor_sql import per_vendor


def postgresql_only(forward: str, backward: str) -> migrations.RunPython:
    """A migration operation running `forward` on PostgreSQL, and `backward` when it is undone."""
    return per_vendor({"postgresql": [forward]}, {"postgresql": [backward]})
