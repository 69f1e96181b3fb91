"""The distinct values of a column, read on PostgreSQL by jumping through the column's index from each value to
the next (a loose index scan): a handful of index reads for the few currencies of a ledger of a million rows,
where `SELECT DISTINCT` reads every row. The column needs an index that leads with it."""

from __future__ import annotations

from django.db import connections
from django.db.models import Field, QuerySet

SKIP_SCAN = """
    WITH RECURSIVE found(value) AS (
        (SELECT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY {column} LIMIT 1)
        UNION ALL
        SELECT (SELECT {column} FROM {table} WHERE {column} > found.value ORDER BY {column} LIMIT 1)
        FROM found WHERE found.value IS NOT NULL
    )
    SELECT value FROM found WHERE value IS NOT NULL
"""


def distinct_values(values: QuerySet, field: Field) -> list:
    """The values of `values` (a `values_list` of `field`, distinct and in its order), read by skipping through
    the index where the rows are a whole table's and the column holds no NULL; otherwise as the query says."""
    connection = connections[values.db]
    whole_table = not values.query.where and values.model is field.model
    if connection.vendor != "postgresql" or not whole_table or field.null:
        return list(values)
    quote = connection.ops.quote_name
    sql = SKIP_SCAN.format(column=quote(field.column), table=quote(field.model._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [field.to_python(value) for (value,) in cursor.fetchall()]
