"""Admin lists over tables of a million rows: their date drill-down ("2019 2020 2021 …" over a list).

Django's drill-down reads the list's first and last date (MIN and MAX) and then every distinct year, each a
pass over every row the filters and the search keep, joins included: about a second each over the ledger at
50,000 projects. Here the first and last dates are read by walking the date's index from either end and
stopping at the first row the filters keep, and the years by reading the first row kept of each year between
them, each walk bounded by its year: the same links, in as many queries as Django's, each made of reads that
stop early. A list made DISTINCT (searched or filtered across a many-valued relation) keeps Django's reads:
its rows cannot be walked in the date's order. Either way the two reads are kept for the list's filters and
search, as its count and totals are, until a row of a table they read changes (`common.figures.cached_query`).
"""

from __future__ import annotations

import functools

from django.db import connections
from django.db.models import Max, Min, QuerySet

from common.figures import cached_query

from .admin import LongListMixin
from .admin_search import ExistsSearchMixin
from .paging import KeptCountPaginator


class DrillDownQuerySet(QuerySet):
    """A list's rows, with the drill-down's two reads kept as the list's count is (`cached_query`: until a row of
    a table they read changes) and, where the rows can be walked in the date's order, each made of reads that stop
    at the first row they need. Mixed into the list's own queryset class (`drill_down`), whatever it is (a
    translated model's, say)."""

    walks_dates = True  # False: Django's own reads, kept

    def aggregate(self, *args, **kwargs):
        bounds = _first_and_last(kwargs) if not args else None
        if bounds is None:
            return super().aggregate(*args, **kwargs)
        (first_name, last_name), field = bounds
        known = self._known_bounds()  # asked by Django's drill-down, then by `dates()`
        if field not in known:
            known[field] = cached_query(f"drill-down-bounds:{field}", self, lambda: self._bounds(field))
        first, last = known[field]
        return {first_name: first, last_name: last}

    def bounds_read(self, field: str, first, last) -> None:
        """The first and the last `field` of these rows, read with something else (the list's totals, in the same
        pass: `MoneyTotalsMixin`): not read again."""
        self._known_bounds()[field] = (first, last)

    def _known_bounds(self) -> dict[str, tuple]:
        """The first and last dates known of these rows, by field; a clone (filtered further) knows none."""
        return self.__dict__.setdefault("_drill_down_bounds", {})

    def dates(self, field_name, kind, order="ASC"):
        """The years (or months, or days of a month) that have a row."""
        if kind in ("year", "month"):
            compute = lambda: self._periods_with_rows(field_name, kind)  # noqa: E731
        else:
            compute = lambda: self._django_dates(field_name, kind)  # noqa: E731
        periods = cached_query(f"drill-down-dates:{field_name}:{kind}", self, compute)
        return periods if order == "ASC" else periods[::-1]

    def _django_dates(self, field_name: str, kind: str) -> list:
        return list(super().dates(field_name, kind, "ASC"))

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        """The periods that have a row, of a date and time: Django's own read, kept."""
        periods = cached_query(
            f"drill-down-datetimes:{field_name}:{kind}:{tzinfo}",
            self,
            lambda: self._django_datetimes(field_name, kind, tzinfo),
        )
        return periods if order == "ASC" else periods[::-1]

    def _django_datetimes(self, field_name: str, kind: str, tzinfo) -> list:
        return list(super().datetimes(field_name, kind, "ASC", tzinfo))

    def _bounds(self, field: str) -> tuple:
        """The first and the last date: walking the date's index from either end, stopping at the first row kept."""
        if not self._walkable():
            found = super().aggregate(first=Min(field), last=Max(field))
            return found["first"], found["last"]
        dated = self.filter(**{f"{field}__isnull": False}).values_list(field, flat=True)
        ends = sorted(dated.order_by(field)[:1].union(dated.order_by(f"-{field}")[:1], all=True))
        return (ends[0], ends[-1]) if ends else (None, None)

    def _periods_with_rows(self, field_name: str, kind: str) -> list:
        """In one query, the first row of each period between the first and the last row, each read walking the
        date's index over that period only."""
        if not self._walkable():
            return list(super().dates(field_name, kind, "ASC"))
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        dated = self.values_list(field_name, flat=True).order_by(field_name)
        firsts = [
            dated.filter(**{f"{field_name}__gte": start, f"{field_name}__lt": _next_period(start, kind)})[:1]
            for start in _periods(bounds["first"], bounds["last"], kind)
        ]
        found = firsts[0].union(*firsts[1:], all=True) if len(firsts) > 1 else firsts[0]
        return sorted({_period_start(day, kind) for day in found})

    def _walkable(self) -> bool:
        """Whether the rows can be walked in a date's order and the walks made one query: not a DISTINCT list
        (searched or filtered across a many-valued relation), and a database that limits each part of a UNION
        (PostgreSQL; SQLite's small databases keep Django's reads)."""
        return (
            self.walks_dates
            and not self.query.distinct
            and connections[self.db].features.supports_slicing_ordering_in_compound
        )


def _first_and_last(aggregates: dict) -> tuple[tuple[str, str], str] | None:
    """`(names, field)` where the aggregates are exactly a Min and a Max of one plain field, as the drill-down asks."""
    if len(aggregates) != 2:
        return None
    (first_name, first), (last_name, last) = sorted(aggregates.items(), key=lambda item: not isinstance(item[1], Min))
    if not (isinstance(first, Min) and isinstance(last, Max)) or first.filter or last.filter:
        return None
    names = {
        getattr(expression, "name", None) for aggregate in (first, last) for expression in aggregate.source_expressions
    }
    if len(names) != 1 or None in names:
        return None
    return (first_name, last_name), names.pop()


def _period_start(day, kind: str):
    return day.replace(month=1, day=1) if kind == "year" else day.replace(day=1)


def _next_period(start, kind: str):
    if kind == "year":
        return start.replace(year=start.year + 1)
    return start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)


def _periods(first, last, kind: str):
    """The first day of each year (or month) from `first`'s to `last`'s."""
    start = _period_start(first, kind)
    while start <= last:
        yield start
        start = _next_period(start, kind)


class LargeListAdminMixin(LongListMixin, ExistsSearchMixin):
    """For a changelist over a large table: its rows' checkboxes written as plain HTML (`LongListMixin`); the
    reads of its date drill-down kept, and with `walk_drill_down` made of reads that stop early
    (`DrillDownQuerySet`); the table is not counted a second time for the "N total" beside the search, and the
    list's count is kept (`KeptCountPaginator`; a list with money totals counts in the same pass,
    `MoneyTotalsMixin`); a search across many-valued relations keeps the list free of DISTINCT
    (`ExistsSearchMixin`), so that its drill-down can walk the date's index."""

    show_full_result_count = False
    paginator = KeptCountPaginator
    # Walk the date's index for the drill-down: for a list of a million rows. Over tens of thousands, Django's own
    # reads (every filtered row, once) cost less than walks that skip many rows a narrow search leaves out.
    walk_drill_down = True

    def get_queryset(self, request):
        return drill_down(super().get_queryset(request), walk=self.walk_drill_down)

    def get_changelist(self, request, **kwargs):
        return _rows_carrying_filters(super().get_changelist(request, **kwargs))


@functools.cache
def _rows_carrying_filters(changelist_class: type) -> type:
    """The changelist `changelist_class`, whose rows' links carry the list's filters (to come back to the same
    list) as Django's would, `?_changelist_filters=…`, written once for the page: Django works out for every row
    whether its link leads back to the list itself, by resolving the link's address (10 ms a page of fifty rows).
    A row's link never leads to the list."""

    class RowsCarryingFilters(changelist_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # Django's rows add `preserved_filters` through `add_preserved_filters`; here `url_for_result` does.
            self.row_filters, self.preserved_filters = self.preserved_filters, ""

        def url_for_result(self, result) -> str:
            url = super().url_for_result(result)
            if not self.row_filters:
                return url
            return f"{url}{'&' if '?' in url else '?'}{self.row_filters}"

    RowsCarryingFilters.__name__ = RowsCarryingFilters.__qualname__ = f"RowsCarryingFilters{changelist_class.__name__}"
    return RowsCarryingFilters


def drill_down(rows: QuerySet, *, walk: bool = True) -> QuerySet:
    """`rows`, their class given the drill-down's reads; what else the class does, it still does."""
    rows = rows._chain()
    if not isinstance(rows, DrillDownQuerySet):
        rows.__class__ = _with_drill_down(type(rows), walk)
    return rows


@functools.cache
def _with_drill_down(queryset_class: type[QuerySet], walk: bool) -> type[QuerySet]:
    return type(f"DrillDown{queryset_class.__name__}", (DrillDownQuerySet, queryset_class), {"walks_dates": walk})
