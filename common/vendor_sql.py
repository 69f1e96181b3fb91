"""SQL written for each database the product runs on, for migrations: the same rule kept by PostgreSQL's and by
SQLite's own triggers, say."""

from __future__ import annotations

from django.db import migrations


def per_vendor(forward: dict[str, list[str]], backward: dict[str, list[str]]) -> migrations.RunPython:
    """A migration operation running, on each database, the statements given for its vendor ("postgresql",
    "sqlite"), one at a time; a vendor not named runs nothing."""
    return migrations.RunPython(_statements(forward), _statements(backward))


def _statements(by_vendor: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run
