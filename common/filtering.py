"""A list's filters in its query string: how many are set, and the query string its page links carry."""

from __future__ import annotations

from django.http import QueryDict

NOT_FILTERS = ("page", "ordering", "format")


def active_filter_count(query: QueryDict, *, besides: tuple[str, ...] = ()) -> int:
    """How many of `query`'s parameters filter the list; `besides` names more that do not (a search box beside
    the panel, say)."""
    ignored = NOT_FILTERS + besides
    return sum(1 for name, values in query.lists() if name not in ignored and any(v.strip() for v in values))


def filters_query(query: QueryDict) -> str:
    """`query` without its page number or empty values, for the links to the list's other pages."""
    kept = QueryDict(mutable=True)
    for name, values in query.lists():
        if name != "page":
            kept.setlist(name, [value for value in values if value.strip()])
    return kept.urlencode()
