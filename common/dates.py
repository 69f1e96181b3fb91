"""Dates in messages, e-mails and titles, written as the pages write them, in the active language."""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext as _


def date_span(start: dt.date, end: dt.date) -> str:
    """`1 Jan 2024 to 31 Mar 2024`; `du 1 janvier 2024 au 31 mars 2024` in French."""
    return _("%(start)s to %(end)s") % {"start": date_format(start), "end": date_format(end)}
