"""Small builders for the IATI elements every file repeats: narratives, organisations, amounts."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from lxml import etree

from members.models import Organisation

from . import codes


def narrative(parent, tag: str, text: str, **attributes) -> etree._Element:
    element = etree.SubElement(parent, tag, **attributes)
    etree.SubElement(element, "narrative").text = text
    return element


def organisation(parent, tag: str, organisation: Organisation | None, **attributes) -> None:
    if organisation is None:
        return
    if organisation.iati_identifier:
        attributes["ref"] = organisation.iati_identifier
    attributes["type"] = codes.ORGANISATION_TYPE.get(organisation.kind, codes.OTHER_ORGANISATION)
    narrative(parent, tag, organisation.name, **attributes)


def partnership(parent, tag: str, **attributes) -> None:
    """The publishing partnership itself, as reporting, participating or receiving organisation."""
    narrative(
        parent,
        tag,
        settings.IATI_ORGANISATION_NAME,
        ref=settings.IATI_ORGANISATION_IDENTIFIER,
        type=settings.IATI_ORGANISATION_TYPE,
        **attributes,
    )


def amount(value: Decimal) -> str:
    return f"{value:f}"


def value(parent, money: Decimal, currency: str, on) -> None:
    element = etree.SubElement(parent, "value", currency=currency, **{"value-date": on.isoformat()})
    element.text = amount(money)


def transaction(parent, row) -> etree._Element:
    """A ledger row as an IATI transaction; a reversal is a row of the opposite amount."""
    element = etree.SubElement(parent, "transaction", **({"ref": row.reference} if row.reference else {}))
    etree.SubElement(element, "transaction-type", code=str(row.kind))
    etree.SubElement(element, "transaction-date", {"iso-date": row.value_date.isoformat()})
    value(element, row.amount, row.currency, row.value_date)
    if row.description:
        narrative(element, "description", row.description)
    organisation(element, "provider-org", row.provider)
    organisation(element, "receiver-org", row.receiver)
    return element
