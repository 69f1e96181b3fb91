"""The API's JSON parser: DRF's, bounded in size and depth so that a hostile body answers 400 or 413, not 500."""

from __future__ import annotations

import io

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

from .api import TooLarge

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
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE answers 413; one nested past MAX_JSON_DEPTH answers 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise TooLarge(_("A JSON body may be up to %(limit)s bytes; this one is larger.") % {"limit": f"{limit:,}"})
        too_deep = exceptions.ParseError(
            _("JSON parse error - lists and objects nest more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH}
        )
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if _depth(data) > MAX_JSON_DEPTH:
            raise too_deep
        return data
