"""Figures of the donor report PDF, in columns whose heading names the currency."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from django import template

from common.money import money_locale

register = template.Library()


@register.filter
def figure(amount: Decimal | None, places: int = 2) -> str:
    """`{{ amount|figure }}` → `1,250,000.00`; `{{ amount|figure:0 }}` → `1,250,000`; `—` when unknown.

    The same digits as `{% money %}` (babel, the active language's grouping), without the currency code.
    """
    if amount is None:
        return "—"
    pattern = "#,##0" if int(places) == 0 else "#,##0." + "0" * int(places)
    return format_decimal(amount, format=pattern, locale=money_locale(), decimal_quantization=True)
