"""Showing indicator values in their unit."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from common.money import format_money, format_quantity
from results.models import Indicator, Unit

register = template.Library()


def format_measure(value: Decimal | None, indicator: Indicator) -> str:
    if value is None:
        return "—"
    if indicator.unit == Unit.YES_NO:
        return _("Yes") if value else _("No")
    if indicator.unit == Unit.AMOUNT:
        return format_money(value, indicator.currency, whole=True)
    number = format_quantity(value)
    return f"{number}\xa0%" if indicator.unit == Unit.PERCENTAGE else number


@register.filter
def measure(value: Decimal | None, indicator: Indicator) -> str:
    """`{{ value|measure:indicator }}`: 1,250 people, 45 %, USD 2,000,000, Yes."""
    return format_measure(value, indicator)
