"""Conversion with the recorded daily rates: the rate used is stated, a missing one is never guessed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from grants.currency import MissingRate, RateTable, convert
from tests.factories import ExchangeRateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chf_rates():
    ExchangeRateFactory(currency="CHF", quote_currency="USD", date=dt.date(2020, 1, 1), rate=Decimal("1.10"))
    ExchangeRateFactory(currency="CHF", quote_currency="USD", date=dt.date(2020, 2, 1), rate=Decimal("1.20"))


def test_the_rate_of_the_value_date_is_used(chf_rates):
    converted = convert(Decimal("1000.00"), currency="CHF", to="USD", on=dt.date(2020, 2, 1))

    assert converted.amount == Decimal("1200.00")
    assert (converted.rate.rate, converted.rate.rate_date, converted.rate.requested_date) == (
        Decimal("1.20"),
        dt.date(2020, 2, 1),
        dt.date(2020, 2, 1),
    )
    assert not converted.rate.is_earlier


def test_without_a_rate_of_the_day_the_last_earlier_one_is_used_and_says_so(chf_rates):
    converted = convert(Decimal("1000.00"), currency="CHF", to="USD", on=dt.date(2020, 1, 31))

    assert converted.amount == Decimal("1100.00")
    assert (converted.rate.rate, converted.rate.rate_date) == (Decimal("1.10"), dt.date(2020, 1, 1))
    assert converted.rate.is_earlier


def test_the_result_is_rounded_to_the_cent(chf_rates):
    assert convert(Decimal("0.99"), currency="CHF", to="USD", on=dt.date(2020, 1, 1)).amount == Decimal("1.09")
    assert convert(Decimal("123.45"), currency="CHF", to="USD", on=dt.date(2020, 2, 1)).amount == Decimal("148.14")


def test_the_inverse_pair_states_the_same_rate():
    ExchangeRateFactory(currency="USD", quote_currency="CHF", date=dt.date(2020, 1, 1), rate=Decimal("0.80"))

    to_usd = convert(Decimal("100.00"), currency="CHF", to="USD", on=dt.date(2020, 3, 1))
    to_chf = convert(Decimal("100.00"), currency="USD", to="CHF", on=dt.date(2020, 3, 1))

    assert to_usd.amount == Decimal("125.00")
    assert (to_usd.rate.rate, to_usd.rate.rate_date, to_usd.rate.is_earlier) == (
        Decimal("1.25"),
        dt.date(2020, 1, 1),
        True,
    )
    assert to_chf.amount == Decimal("80.00")


@pytest.mark.parametrize("currency", ["CHF", "ZAR"], ids=["before-the-quote", "after-the-quote"])
def test_the_direct_pair_wins_over_the_inverse_one_of_the_same_day(currency):
    ExchangeRateFactory(currency=currency, quote_currency="USD", date=dt.date(2020, 1, 1), rate=Decimal("0.05"))
    ExchangeRateFactory(currency="USD", quote_currency=currency, date=dt.date(2020, 1, 1), rate=Decimal("25"))

    converted = convert(Decimal("1000.00"), currency=currency, to="USD", on=dt.date(2020, 1, 1))

    assert (converted.amount, converted.rate.rate) == (Decimal("50.00"), Decimal("0.05"))


def test_a_later_inverse_rate_stands_in_for_an_older_direct_one():
    ExchangeRateFactory(currency="EUR", quote_currency="USD", date=dt.date(2020, 1, 1), rate=Decimal("1.10"))
    ExchangeRateFactory(currency="USD", quote_currency="EUR", date=dt.date(2020, 2, 1), rate=Decimal("0.80"))

    converted = convert(Decimal("100.00"), currency="EUR", to="USD", on=dt.date(2020, 2, 15))

    assert (converted.amount, converted.rate.rate_date) == (Decimal("125.00"), dt.date(2020, 2, 1))


def test_a_missing_rate_is_an_error_with_a_clear_message_never_a_guess(chf_rates):
    with pytest.raises(MissingRate) as before_any_rate:
        convert(Decimal("1000.00"), currency="CHF", to="USD", on=dt.date(2019, 12, 31))
    with pytest.raises(MissingRate) as never_recorded:
        convert(Decimal("1000.00"), currency="EUR", to="USD", on=dt.date(2020, 6, 1))

    assert before_any_rate.value.message == "No exchange rate from CHF to USD is recorded on or before 2019-12-31."
    assert never_recorded.value.message == "No exchange rate from EUR to USD is recorded on or before 2020-06-01."


def test_the_same_currency_needs_no_rate(django_assert_num_queries):
    with django_assert_num_queries(0):
        converted = convert(Decimal("1000.00"), currency="USD", to="USD", on=dt.date(2020, 1, 1))

    assert converted.amount == Decimal("1000.00")
    assert (converted.rate.rate, converted.rate.rate_date, converted.rate.is_earlier) == (Decimal(1), None, False)


def test_a_rate_table_loads_every_currency_in_one_query(chf_rates, django_assert_num_queries):
    ExchangeRateFactory(currency="EUR", quote_currency="USD", date=dt.date(2020, 1, 1), rate=Decimal("1.05"))

    with django_assert_num_queries(1):
        table = RateTable.load(quote="USD", currencies=["CHF", "EUR", "USD", "CHF"])

    assert table.convert(Decimal("10.00"), "EUR", dt.date(2020, 3, 1)).amount == Decimal("10.50")
    assert table.convert(Decimal("10.00"), "CHF", dt.date(2020, 3, 1)).amount == Decimal("12.00")
    assert table.convert(Decimal("10.00"), "USD", dt.date(2020, 3, 1)).amount == Decimal("10.00")


def test_a_rate_table_looks_each_currency_and_day_up_once_and_answers_each_day_its_own_rate(chf_rates, monkeypatch):
    table = RateTable.load(quote="USD", currencies=["CHF"])
    looked_up = []
    look_up = table._look_up
    monkeypatch.setattr(
        table, "_look_up", lambda currency, on: looked_up.append((currency, on)) or look_up(currency, on)
    )
    days = [dt.date(2020, 3, 1), dt.date(2020, 3, 1), dt.date(2020, 1, 15), dt.date(2020, 3, 1), dt.date(2020, 1, 15)]

    amounts = [table.convert(Decimal("10.00"), "CHF", day).amount for day in days]

    assert looked_up == [("CHF", dt.date(2020, 3, 1)), ("CHF", dt.date(2020, 1, 15))]
    assert amounts == [amounts[0], amounts[0], amounts[2], amounts[0], amounts[2]]
    assert (amounts[0], amounts[2]) == (Decimal("12.00"), Decimal("11.00"))
    with pytest.raises(MissingRate):
        table.rate("CHF", dt.date(1990, 1, 1))


def test_without_a_rate_between_two_currencies_a_cross_rate_through_the_reporting_currency_is_stated(settings):
    settings.REPORTING_CURRENCY = "USD"
    ExchangeRateFactory(
        currency="EUR", quote_currency="USD", date=dt.date(2020, 1, 1), rate=Decimal("1.10"), source="ECB"
    )
    ExchangeRateFactory(
        currency="USD", quote_currency="CHF", date=dt.date(2020, 2, 1), rate=Decimal("0.80"), source="SNB"
    )

    converted = convert(Decimal("100.00"), currency="EUR", to="CHF", on=dt.date(2020, 3, 1))

    assert converted.amount == Decimal("88.00")  # EUR 100 = USD 110 = CHF 88
    assert converted.rate.via == "USD"
    assert converted.rate.rate_date == dt.date(2020, 1, 1)  # the older of the two rates it is made of
    assert [(leg.currency, leg.quote_currency, leg.rate, leg.source, leg.inverse) for leg in converted.rate.legs] == [
        ("EUR", "USD", Decimal("1.10"), "ECB", False),
        ("CHF", "USD", Decimal("1.25"), "SNB", True),
    ]


def test_a_recorded_rate_between_the_two_currencies_wins_over_a_cross_rate(settings):
    settings.REPORTING_CURRENCY = "USD"
    ExchangeRateFactory(currency="EUR", quote_currency="USD", date=dt.date(2020, 1, 1), rate=Decimal("1.10"))
    ExchangeRateFactory(currency="CHF", quote_currency="USD", date=dt.date(2020, 1, 1), rate=Decimal("1.25"))
    ExchangeRateFactory(currency="EUR", quote_currency="CHF", date=dt.date(2019, 1, 1), rate=Decimal("0.90"))

    converted = convert(Decimal("100.00"), currency="EUR", to="CHF", on=dt.date(2020, 3, 1))

    assert (converted.amount, converted.rate.legs) == (Decimal("90.00"), ())


def test_a_cross_rate_with_a_leg_missing_is_an_error_that_says_so(settings):
    settings.REPORTING_CURRENCY = "USD"
    ExchangeRateFactory(currency="EUR", quote_currency="USD", date=dt.date(2020, 1, 1), rate=Decimal("1.10"))

    with pytest.raises(MissingRate) as missing:
        convert(Decimal("100.00"), currency="EUR", to="CHF", on=dt.date(2020, 3, 1))

    assert missing.value.message == (
        "No exchange rate from EUR to CHF is recorded on or before 2020-03-01, directly or through USD."
    )
