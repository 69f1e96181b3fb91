"""Pages of a long list that cost the same on the last page as on the first.

Django's paginator asks the database for a page's rows with OFFSET: for the last of 2,000 pages
the database reads, joins and throws away every earlier row. Here the page's primary keys are
found first, in the list's order, from an index that holds the sort columns (the keys only, no
join), and then only those rows are read with their relations.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet


def page_of(rows: QuerySet, number: str | int | None, *, per_page: int) -> Page:
    """The page `number` (the last one if too large, the first if not a number) of the ordered `rows`."""
    ordered_keys = rows.select_related(None).prefetch_related(None).values_list("pk", flat=True)
    page = Paginator(ordered_keys, per_page).get_page(number)
    wanted = list(page.object_list)
    by_key: dict[object, Model] = {row.pk: row for row in rows.filter(pk__in=wanted).order_by()}
    page.object_list = [by_key[key] for key in wanted]
    return page
