from __future__ import annotations

from decimal import Decimal

from django import template

from common.money import format_money

register = template.Library()


@register.simple_tag
def money(amount: Decimal | None, currency: str, whole: bool = False) -> str:
    """`{% money project.approved_budget project.currency %}` → `USD 1,250,000.00`."""
    return format_money(amount, currency, whole=whole)
