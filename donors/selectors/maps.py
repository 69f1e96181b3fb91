"""Where a donor's money is committed, on the map of its allocations."""

from __future__ import annotations

from django.conf import settings
from django.db.models import F, QuerySet

from common.figures import cached_figures
from grants.models import Allocation, ContributionStatus
from grants.selectors.maps import MapFilter, MoneyMap, filtered, money_map, years_of
from members.models import Organisation


def donor_allocations(donor: Organisation) -> QuerySet[Allocation]:
    """The donor's allocations (of agreements not cancelled) as rows of money: amount, currency and date."""
    return (
        Allocation.objects.filter(contribution__donor=donor)
        .exclude(contribution__status=ContributionStatus.CANCELLED)
        .annotate(currency=F("contribution__currency"), value_date=F("allocated_on"))
    )


def donor_map(donor: Organisation, choice: MapFilter, *, quote: str | None = None) -> MoneyMap:
    """Where the donor's money is committed: its allocations to the projects it funds, in the window and year
    (of the allocation) chosen, shared among each project's countries. It adds up to the dashboard's
    "allocated" (both convert at the allocation's date). Kept, as the public map, until a row it reads changes."""
    window = choice.window.pk if choice.window else ""
    quote = quote or settings.REPORTING_CURRENCY
    return cached_figures(
        f"map:donor:{donor.pk}:{quote}:{window}:{choice.year or ''}",
        lambda: money_map(filtered(donor_allocations(donor), choice, date="allocated_on"), quote=quote),
    )


def donor_map_years(donor: Organisation) -> list[int]:
    return cached_figures(
        f"map-years:donor:{donor.pk}", lambda: years_of(donor_allocations(donor), date="allocated_on")
    )
