"""Pages of long lists: pages that cost the same on the last page as on the first and never count the list
(`page_of`), and Django's pages with their count kept (`KeptCountPaginator`, `KeyedPaginator`), for a list that
shows it.

Django's paginator asks the database for a page's rows with OFFSET: for the last of 2,000 pages
the database reads, joins and throws away every earlier row. Here the page's primary keys are
found first, in the list's order, from an index that holds the sort columns (the keys only, no
join), and then only those rows are read with their relations.

Nor is the list counted (for a search or a filter, counting is reading every match): one key more
than a page holds says whether a next page follows. Only an address past the end (an old link, a
typed number) counts, to show the last page instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.utils.functional import cached_property

from .figures import cached_query

# Beyond this a page number is past the end of any list here (and its OFFSET would overflow a bigint).
LAST_PAGE_NUMBER = 1_000_000


@dataclass
class OpenPage:
    """A page of a list of unknown length: it knows its number and whether another page follows."""

    object_list: list[Model]
    number: int
    has_next: bool
    paginator: None = field(default=None, init=False)  # no count, so no "page 3 of 12"

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def page_number(value: str | int | None) -> int:
    """The page number `value` asks for: 1 when it is not a whole number or less than 1."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), LAST_PAGE_NUMBER)


def page_of(rows: QuerySet, number: str | int | None, *, per_page: int) -> OpenPage:
    """The page `number` (the last one if past the end, the first if not a number) of the ordered `rows`."""
    ordered_keys = _keys(rows)
    number = page_number(number)
    wanted = list(ordered_keys[(number - 1) * per_page : number * per_page + 1])
    if not wanted and number > 1:
        number = max(1, math.ceil(ordered_keys.count() / per_page))
        wanted = list(ordered_keys[(number - 1) * per_page : number * per_page + 1])
    has_next = len(wanted) > per_page
    return OpenPage(object_list=_rows_of(rows, wanted[:per_page]), number=number, has_next=has_next)


def rows_between(rows: QuerySet, start: int, stop: int) -> list[Model]:
    """`rows[start:stop]`, their keys found first in the rows' order, and kept as a list's count is
    (`cached_query`), and then only those rows read."""
    keys = _keys(rows)[start:stop]
    return _rows_of(rows, cached_query("keys", keys, lambda: list(keys)))


def _keys(rows: QuerySet) -> QuerySet:
    return rows.select_related(None).prefetch_related(None).values_list("pk", flat=True)


def _rows_of(rows: QuerySet, keys: list) -> list[Model]:
    """The rows of `keys`, with their relations, in the keys' order."""
    by_key: dict[object, Model] = {row.pk: row for row in rows.filter(pk__in=keys).order_by()} if keys else {}
    return [by_key[key] for key in keys]


class KeptCountPaginator(Paginator):
    """Django's pages, whose number of rows is kept as a list's money totals are (common.figures): counted once
    for a filter and search, however many of its pages are turned, until a row of the tables it reads changes."""

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        return cached_query("count", rows, rows.count)


class KeyedPaginator(KeptCountPaginator):
    """A `KeptCountPaginator` whose page's rows are read by their keys (`rows_between`), for a list whose order an
    index holds beside the keys (a donor's thousands of projects): the database sorts keys and dates, not whole
    rows, and a page visited again reads only its rows."""

    def page(self, number):
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        stop = self.count if start + self.per_page + self.orphans >= self.count else start + self.per_page
        return self._get_page(rows_between(self.object_list, start, stop), number, self)
