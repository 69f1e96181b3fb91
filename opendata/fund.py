"""The pooled fund as an IATI activity: what donors paid into it, and the parent of every project.

Donors pay into one pooled fund, not into projects, so their payments (IATI incoming funds,
transaction type 1) are published on an activity of their own. Each project activity names
it as its parent, which is how IATI links a fund to the grants it makes.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from lxml import etree

from grants.models import POOLED_FUND_CODE, Contribution, ContributionStatus, PartnerRole, Transaction, TransactionKind
from grants.selectors import active_contributions

from . import codes, elements


def fund_identifier() -> str:
    return f"{settings.IATI_ORGANISATION_IDENTIFIER}-{POOLED_FUND_CODE}"


def is_published() -> bool:
    """The fund has an activity once any donor has an agreement with it."""
    return active_contributions().exists()


def fund_receipts() -> QuerySet[Transaction]:
    return (
        Transaction.objects.filter(kind=TransactionKind.INCOMING_FUNDS, contribution__in=active_contributions())
        .select_related("provider", "receiver")
        .order_by("value_date", "pk")
    )


def fund_activity_element(now: dt.datetime) -> etree._Element | None:
    """The fund's iati-activity: its donors, its dates, and every payment received; None without donors."""
    contributions = list(active_contributions().select_related("donor", "contract_partner").order_by("reference"))
    if not contributions:
        return None
    receipts = list(fund_receipts())
    updated = max(
        [c.updated_at for c in contributions] + [r.recorded_at for r in receipts],
    ).replace(microsecond=0)
    activity = etree.Element(
        "iati-activity",
        {
            "last-updated-datetime": updated.isoformat(),
            "{http://www.w3.org/XML/1998/namespace}lang": "en",
            "default-currency": settings.REPORTING_CURRENCY,
            "hierarchy": "1",
        },
    )
    elements.sub(activity, "iati-identifier", text=fund_identifier())
    elements.partnership(activity, "reporting-org")
    elements.narrative(activity, "title", _("%(name)s pooled fund") % {"name": settings.IATI_ORGANISATION_NAME})
    elements.narrative(
        activity,
        "description",
        _("Donor contributions received into the partnership's pooled fund, from which its grants are made."),
        type=codes.GENERAL_DESCRIPTION,
    )
    _participating(activity, contributions)
    is_open = any(c.status in (ContributionStatus.PLEDGED, ContributionStatus.ACTIVE) for c in contributions)
    elements.sub(activity, "activity-status", code=codes.IMPLEMENTATION if is_open else codes.FINALISATION)
    dates = [
        (codes.PLANNED_START, min(c.start_date for c in contributions)),
        (codes.PLANNED_END, max(c.end_date for c in contributions)),
    ]
    if receipts and receipts[0].value_date <= now.date():
        dates.append((codes.ACTUAL_START, receipts[0].value_date))
    for date_type, date in sorted(dates):
        elements.sub(activity, "activity-date", {"type": date_type, "iso-date": date.isoformat()})
    elements.sub(
        activity,
        "recipient-region",
        code=codes.DEVELOPING_COUNTRIES_UNSPECIFIED,
        vocabulary=codes.REGION_VOCABULARY_DAC,
        percentage="100",
    )
    elements.sub(
        activity, "sector", vocabulary=codes.SECTOR_VOCABULARY_DAC, code=codes.URBAN_DEVELOPMENT, percentage="100"
    )
    for receipt in receipts:
        _receipt(activity, receipt)
    return activity


def _participating(activity, contributions: list[Contribution]) -> None:
    donors = {c.donor.pk: c.donor for c in contributions}
    for donor in sorted(donors.values(), key=lambda organisation: organisation.name):
        elements.organisation(activity, "participating-org", donor, role=str(PartnerRole.FUNDING))
    elements.partnership(activity, "participating-org", role=str(PartnerRole.ACCOUNTABLE))
    partners = {c.contract_partner.pk: c.contract_partner for c in contributions if c.contract_partner}
    for partner in sorted(partners.values(), key=lambda organisation: organisation.name):
        elements.organisation(activity, "participating-org", partner, role=str(PartnerRole.EXTENDING))


def _receipt(activity, receipt: Transaction) -> None:
    element = elements.transaction(activity, receipt)
    if receipt.receiver is None:  # paid to the partnership itself
        elements.partnership(element, "receiver-org")
