"""Small builders for the IATI elements every file repeats: narratives, organisations, amounts."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from lxml import etree

from common.text import writable
from members.models import Organisation

from . import codes


def sub(
    parent, tag: str, attrib: dict[str, str] | None = None, *, text: str | None = None, **extra: str
) -> etree._Element:
    """A child element. Its text and attributes pass through `writable`: a row stored before text
    was checked at input (a control character in a title, say) can never make a file ill-formed."""
    attributes = {name: writable(value) for name, value in {**(attrib or {}), **extra}.items()}
    element = etree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = writable(text)
    return element


def narrative(parent, tag: str, text: str, **attributes) -> etree._Element:
    element = sub(parent, tag, **attributes)
    sub(element, "narrative", text=text)
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
    sub(parent, "value", {"value-date": on.isoformat()}, currency=currency, text=amount(money))


def transaction(parent, row) -> etree._Element:
    """A ledger row as an IATI transaction; a reversal is a row of the opposite amount."""
    element = sub(parent, "transaction", **({"ref": row.reference} if row.reference else {}))
    sub(element, "transaction-type", code=str(row.kind))
    sub(element, "transaction-date", {"iso-date": row.value_date.isoformat()})
    value(element, row.amount, row.currency, row.value_date)
    if row.description:
        narrative(element, "description", row.description)
    organisation(element, "provider-org", row.provider)
    organisation(element, "receiver-org", row.receiver)
    return element
