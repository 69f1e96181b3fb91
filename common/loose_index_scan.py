"""The distinct values of a column, read on PostgreSQL by jumping through the column's index from each value to
the next (a loose index scan): a handful of index reads for the few currencies of a ledger of a million rows,
where `SELECT DISTINCT` reads every row. The column needs an index that leads with it."""

from __future__ import annotations

from django.db import connections
from django.db.models import Field, QuerySet
from django.db.models.expressions import RawSQL

SKIP_SCAN = """
    WITH RECURSIVE found(value) AS (
        ({first})
        UNION ALL
        SELECT ({following}) FROM found WHERE found.value IS NOT NULL
    )
    SELECT value FROM found WHERE value IS NOT NULL
"""


def distinct_values(values: QuerySet, field: Field, *, filter_keeps_most: bool = False) -> list:
    """The values of `values` (a `values_list` of `field`, distinct and in its order), read by skipping through
    the index where the column holds no NULL and the rows are a whole table's, or where the query's filter keeps
    most of them (`filter_keeps_most`: every public project's countries); otherwise as the query says. Each skip
    reads the index from one value to the next row the filter keeps: a filter that drops most rows would make it
    read them all, one by one."""
    connection = connections[values.db]
    readable = values.model is field.model and (filter_keeps_most or not values.query.where)
    if connection.vendor != "postgresql" or not readable or field.null:
        return list(values)
    rows = values._chain()
    rows.query.distinct = False
    rows = rows.order_by(field.attname)
    first, first_params = rows[:1].query.sql_with_params()
    after_found = {f"{field.attname}__gt": RawSQL("found.value", (), output_field=field)}
    following, following_params = rows.filter(**after_found)[:1].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(SKIP_SCAN.format(first=first, following=following), (*first_params, *following_params))
        return [field.to_python(value) for (value,) in cursor.fetchall()]
