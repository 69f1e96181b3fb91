"""A donor's agreements (those not cancelled), the currency its figures are given in, the projects it funds."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Max, Min, QuerySet

from grants.models import Allocation, Contribution, ContributionStatus, Project
from members.models import Organisation


def agreement_span(donor: Organisation) -> tuple[dt.date, dt.date] | None:
    """From the start of the donor's first agreement (not cancelled) to the end of its last; None without one."""
    span = (
        Contribution.objects.filter(donor=donor)
        .exclude(status=ContributionStatus.CANCELLED)
        .aggregate(first=Min("start_date"), last=Max("end_date"))
    )
    return (span["first"], span["last"]) if span["first"] else None


def donor_contributions(donor: Organisation) -> QuerySet[Contribution]:
    return (
        Contribution.objects.filter(donor=donor)
        .exclude(status=ContributionStatus.CANCELLED)
        .select_related("contract_partner", "earmarked_window")
        .order_by("start_date", "reference")
    )


def donor_currency(donor: Organisation) -> str:
    """The currency a donor's pages and reports show their totals in: the one staff set on the donor, or else the
    currency of its contributions (not cancelled) when they share one, or else the partnership's reporting
    currency."""
    if donor.reporting_currency:
        return donor.reporting_currency
    used = list(
        Contribution.objects.filter(donor=donor)
        .exclude(status=ContributionStatus.CANCELLED)
        .order_by("currency")
        .values_list("currency", flat=True)
        .distinct()[:2]
    )
    return used[0] if len(used) == 1 else settings.REPORTING_CURRENCY


def donor_currencies(donor: Organisation) -> list[str]:
    """The currencies a donor may see its pages in: its own first, then the partnership's reporting currency."""
    return list(dict.fromkeys([donor_currency(donor), settings.REPORTING_CURRENCY]))


def funded_projects(donor: Organisation) -> QuerySet[Project]:
    """Projects that at least one of the donor's contributions is allocated to."""
    return Project.objects.filter(pk__in=Allocation.objects.filter(contribution__donor=donor).values("project_id"))
