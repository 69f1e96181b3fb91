"""The API's JSON parser: DRF's, bounded in depth so that a hostile body answers 400, not 500.

Its size is bounded already: DRF reads a JSON body through `request.body`, which refuses one beyond
DATA_UPLOAD_MAX_MEMORY_SIZE (413, see `common.api`)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

# No request of the API nests deeper than a few levels; this leaves room and keeps every walk shallow.
MAX_JSON_DEPTH = 32


def _depth(data) -> int:
    """How deep lists and objects nest in parsed JSON, counted without recursion."""
    deepest, pending = 0, [(data, 1)]
    while pending:
        node, depth = pending.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """Lists and objects nested past MAX_JSON_DEPTH answer 400, however deep: Python's parser would recurse."""

    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = exceptions.ParseError(
            _("JSON parse error - lists and objects nest more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH}
        )
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise too_deep
        return data
