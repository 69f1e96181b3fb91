"""Amounts and quantities are written in the page's language; what was written is kept, by value and language, and
equal values are written alike however many decimals they carry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from common.money import format_money, format_quantity


@pytest.mark.parametrize("order", [("en", "fr", "en"), ("fr", "en", "fr")])
def test_each_language_writes_its_own_numbers_whichever_was_written_first(order):
    expected = {
        "en": ("1,200.5", "USD\xa01,250,000.00", "USD\xa01,250,000"),
        "fr": ("1\u202f200,5", "USD\xa01\u202f250\u202f000,00", "USD\xa01\u202f250\u202f000"),
    }
    for language in order:
        with translation.override(language):
            written = (
                format_quantity(Decimal("1200.5")),
                format_money(Decimal("1250000"), "USD"),
                format_money(Decimal("1250000.4"), "USD", whole=True),
            )
        assert written == expected[language], language


def test_equal_values_are_written_alike_whatever_their_decimals():
    with translation.override("en"):
        assert format_quantity(Decimal("1.50")) == format_quantity(Decimal("1.5")) == "1.5"
        assert format_quantity(Decimal("1E+3")) == format_quantity(Decimal("1000.000")) == "1,000"
        assert format_money(Decimal("2.000"), "CHF") == format_money(Decimal("2"), "CHF") == "CHF\xa02.00"
        assert format_money(Decimal("2"), "EUR") == "EUR\xa02.00"  # the currency is part of what is kept
        assert format_quantity(Decimal("0.125")) == "0.12"  # rounded half to even, as babel rounds
        assert format_money(None, "USD") == "—"
