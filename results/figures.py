"""Which changes of the results framework the kept figures (common.figures) do not read.

The figures read approved values only (with their places and splits), never a report's text. A partner's
draft, saved as they type, writes its text and replaces its values not yet approved: forgetting every
figure of the portfolio for it (the home page's, the donors', the maps) would read them all again every few
seconds while anyone types. The approval, which makes values count, forgets them itself (`report_approve`).
"""

from __future__ import annotations

from django.db.models import Model

from .models import ProgressReport, ReportedPlace, ReportedValue, ValueSplit

DRAFT_TEXT = {"narrative", "updated_at"}


def read_by_no_figure(row: Model, update_fields: frozenset | None) -> bool:
    if isinstance(row, ProgressReport):
        return update_fields is not None and set(update_fields) <= DRAFT_TEXT
    if isinstance(row, ReportedValue):
        return not row.is_approved
    if isinstance(row, ReportedPlace | ValueSplit):
        return not ReportedValue.objects.filter(pk=row.reported_id, is_approved=True).exists()
    return False
