"""How many filters a list's query string sets, for the summary of its folded filter panel."""

from __future__ import annotations

from django.http import QueryDict

NOT_FILTERS = ("page", "ordering", "format")


def active_filter_count(query: QueryDict) -> int:
    return sum(1 for name, values in query.lists() if name not in NOT_FILTERS and any(v.strip() for v in values))
