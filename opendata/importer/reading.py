"""Reading values out of IATI elements, and what an import says about each activity."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.money import MONEY_DIGITS, MONEY_PLACES
from members.models import Organisation, OrganisationKind

from .. import codes

KIND_OF_TYPE = {
    code: kind for kind, code in codes.ORGANISATION_TYPE.items() if kind != OrganisationKind.LOCAL_GOVERNMENT
}


class ImportRefused(DomainError):
    """The file as a whole cannot be read as IATI 2.03 activities; nothing was written."""


class ActivityRefused(DomainError):
    """One activity cannot be loaded; the others still are."""


@dataclass
class ActivityOutcome:
    identifier: str
    action: str  # created, updated, unchanged or refused
    reason: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    outcomes: list[ActivityOutcome]

    @property
    def counts(self) -> Counter:
        return Counter(outcome.action for outcome in self.outcomes)


def text(element, path: str) -> str:
    return (element.findtext(f"{path}/narrative") or "").strip()


def date(element, path: str) -> dt.date | None:
    found = element.find(path)
    return dt.date.fromisoformat(found.get("iso-date")) if found is not None else None


def decimal(value: str | None, what: str, *, max_digits: int = MONEY_DIGITS, places: int = MONEY_PLACES) -> Decimal:
    """A number as the file writes it; refused when it is not one, or has more whole digits than the field holds."""
    try:
        number = Decimal((value or "").strip())
    except InvalidOperation:
        raise ActivityRefused(_("%(what)s is not a number: %(text)r.") % {"what": what, "text": value}) from None
    whole_digits = max_digits - places
    if not number.is_finite() or abs(number) >= Decimal(10) ** whole_digits:
        raise ActivityRefused(
            _("%(what)s is out of range: %(text)r has more than %(digits)d digits before the decimal point.")
            % {"what": what, "text": value, "digits": whole_digits}
        )
    return number


def is_partnership(element) -> bool:
    return (element.get("ref") or "").strip() == settings.IATI_ORGANISATION_IDENTIFIER


def known_organisation(element) -> Organisation | None:
    """The organisation an element names, by IATI reference first, then by name; None if unknown."""
    ref, name = (element.get("ref") or "").strip(), text(element, ".")
    if ref:
        found = Organisation.objects.filter(iati_identifier=ref).first()
        if found:
            return found
    return Organisation.objects.filter(name=name).first() if name else None


def organisation(element) -> Organisation | None:
    """The organisation an element names, created when new; None for the partnership itself."""
    if element is None or is_partnership(element):
        return None
    found = known_organisation(element)
    if found:
        return found
    name = text(element, ".")
    if not name:
        raise ActivityRefused(_("An organisation has neither a known reference nor a name."))
    return Organisation.objects.create(
        name=name,
        iati_identifier=(element.get("ref") or "").strip(),
        kind=KIND_OF_TYPE.get(element.get("type"), OrganisationKind.OTHER),
    )


@dataclass(frozen=True)
class LedgerRow:
    """An IATI transaction as read: a negative amount is a reversal of an earlier row."""

    kind: int
    amount: Decimal
    currency: str
    value_date: dt.date
    reference: str
    description: str

    @classmethod
    def read(cls, element, default_currency: str) -> LedgerRow:
        value = element.find("value")
        return cls(
            kind=int(element.find("transaction-type").get("code")),
            amount=decimal(value.text, _("A transaction's value")),
            currency=value.get("currency") or default_currency,
            value_date=date(element, "transaction-date"),
            reference=element.get("ref") or "",
            description=text(element, "description"),
        )

    def lookup(self) -> dict:
        return {
            "kind": self.kind,
            "value_date": self.value_date,
            "amount": self.amount,
            "currency": self.currency,
            "reference": self.reference,
        }

    def booking(self) -> dict:
        """The arguments a ledger service records this row with."""
        return {
            "amount": self.amount,
            "value_date": self.value_date,
            "currency": self.currency,
            "reference": self.reference,
            "description": self.description,
        }
