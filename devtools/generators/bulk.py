"""Rows written as fast as the database takes them: PostgreSQL's COPY where it runs, `bulk_create` elsewhere."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

BATCH = 2000


def insert_rows(model: type[models.Model], rows: Sequence[models.Model]) -> int:
    """Write `rows` (unsaved, their keys to other rows already set) without reading their keys back.

    COPY skips what `bulk_create` does per statement (building and parsing an INSERT of a few thousand rows);
    no `save()` runs in either case, so the caller keeps the invariants the services would.
    """
    if not rows:
        return 0
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)
    # A generated column is made by the database, as for an INSERT.
    fields = [field for field in model._meta.concrete_fields if not field.primary_key and not field.generated]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            # A key to a row saved after this one was built is read from that row now, as bulk_create does.
            row._prepare_related_fields_for_save(operation_name="insert_rows")
            copy.write_row([field.get_db_prep_save(field.pre_save(row, add=True), connection) for field in fields])
    return len(rows)
