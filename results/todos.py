"""The reports a partner owes, as to-dos on the portal's home page (registered with grants at start-up)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grants.todos import Todo
from members.models import User

from .models import ReportingPeriod, ReportStatus
from .selectors import REPORT_NOT_SENT, reportable_periods

# Reports due within this many days are listed before they are late.
DUE_SOON_DAYS = 30


def report_todos(user: User, today: dt.date) -> list[Todo]:
    """Reports due soon or late and not sent in, and reports the secretariat returned for changes."""
    if not user.is_authenticated:
        return []
    periods = (
        reportable_periods(user)
        .filter(REPORT_NOT_SENT)
        .filter(Q(due_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS)) | Q(report__status=ReportStatus.RETURNED))
        .select_related("project", "report")
        .order_by("due_date", "pk")[:30]
    )
    return [_todo(period, today) for period in periods]


def _todo(period: ReportingPeriod, today: dt.date) -> Todo:
    report = getattr(period, "report", None)
    returned = report is not None and report.status == ReportStatus.RETURNED
    what = {"report": period.get_kind_display(), "project": period.project.code}
    title = (
        _("Returned for changes: %(report)s, %(project)s") if returned else _("%(report)s due: %(project)s")
    ) % what
    if period.due_date < today:
        detail = _("Due on %(date)s: %(days)s days late.") % {
            "date": date_format(period.due_date),
            "days": (today - period.due_date).days,
        }
    else:
        detail = _("Due on %(date)s, for %(period)s.") % {"date": date_format(period.due_date), "period": period}
    url = reverse("results:report", args=[report.pk]) if report is not None else reverse("results:reports")
    return Todo(title=title, detail=detail, url=url, due=period.due_date, overdue=period.due_date < today)
