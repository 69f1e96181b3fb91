"""A donor's report requests, and the period a report covers unless asked."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from members.models import Organisation

from ..models import DonorReport, ReportJobStatus


def donor_reports(donor: Organisation) -> QuerySet[DonorReport]:
    return DonorReport.objects.filter(donor=donor).select_related("requested_by").order_by("-requested_at", "-pk")


def failed_report_count() -> int:
    """Reports no worker could make, every donor's: staff make them again from the admin."""
    return DonorReport.objects.filter(status=ReportJobStatus.FAILED).count()


def donor_report(donor: Organisation, pk: int) -> DonorReport:
    """One of the donor's reports; DonorReport.DoesNotExist for another donor's, whatever the id."""
    return DonorReport.objects.select_related("donor").get(pk=pk, donor=donor)


def last_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter before the one `today` is in."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    end = dt.date(today.year, first_month, 1) - dt.timedelta(days=1)
    start = dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1)
    return start, end
