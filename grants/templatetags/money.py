from __future__ import annotations

from decimal import Decimal

from django import template

from common.money import RATE_PLACES, format_money

register = template.Library()


@register.simple_tag
def money(amount: Decimal | None, currency: str, whole: bool = False) -> str:
    """`{% money project.approved_budget project.currency %}` → `USD 1,250,000.00`."""
    return format_money(amount, currency, whole=whole)


@register.simple_tag
def exchange_rate(rate: Decimal) -> str:
    """`1.0800000000` → `1.08`: a rate as recorded, without trailing zeros; a rate worked out from others
    (1 / 1.02) to ten places, as rates are recorded."""
    text = f"{rate.quantize(Decimal(1).scaleb(-RATE_PLACES)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def share(value: Decimal | None) -> str:
    """`0.4` → `40.0 %`: a share of a whole, as the record pages show it; — when unknown."""
    if value is None:
        return "—"
    return f"{(value * 100).quantize(Decimal('0.1'))}\xa0%"
