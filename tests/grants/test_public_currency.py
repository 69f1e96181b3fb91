"""The public home page in the reporting currency, or in one of the few others the site offers
(`PUBLIC_CURRENCIES`): the same figures converted at stated rates, a clear refusal of any other code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ExchangeRateFactory
from tests.grants.test_public_pages import figure, portfolio  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _offered(settings):
    settings.REPORTING_CURRENCY = "USD"
    settings.PUBLIC_CURRENCIES = ["USD", "EUR", "CHF", "GBP", "SEK"]


@pytest.fixture
def euro_rate():
    ExchangeRateFactory(currency="EUR", quote_currency="USD", date=dt.date(2013, 1, 1), rate=Decimal("1.25"))


def home(client, query: str = ""):
    return client.get(reverse("home") + query)


def test_the_home_page_offers_its_figures_in_a_few_currencies_by_plain_links(client, portfolio):  # noqa: F811
    html = home(client).content.decode()

    for code in ("EUR", "CHF", "GBP", "SEK"):
        assert f'<a href="?currency={code}" data-currency="{code}">{code}</a>' in html
    assert 'aria-current="true" data-currency="USD"' in html


def test_in_francs_the_pledges_are_converted_at_the_inverse_of_the_recorded_rate(client, portfolio):  # noqa: F811
    response = home(client, "?currency=chf")

    assert response.status_code == 200
    # CHF 1,000,000 + CHF 500,000 need no rate; USD 250,000 of 2018 at 1 / 1.10 (CHF's rate of 2013)
    assert figure(response, "pledged") == "CHF 1,727,273"
    assert "Pledged by donors (CHF)" in response.content.decode()
    assert "1 USD = 0.9090909091 CHF" in response.content.decode()


def test_in_euros_the_pledges_are_converted_through_the_reporting_currency(client, portfolio, euro_rate):  # noqa: F811
    response = home(client, "?currency=EUR")

    # CHF 1,000,000 at 1.10 / 1.25, CHF 500,000 at 1.20 / 1.25, USD 250,000 at 1 / 1.25
    assert figure(response, "pledged") == "EUR 1,560,000"
    assert "Through USD: 1 CHF = 1.2 USD" in response.content.decode()


def test_a_currency_without_rates_says_which_pledges_it_leaves_out(client, portfolio):  # noqa: F811
    html = home(client, "?currency=GBP").content.decode()

    assert "The total leaves out pledges in CHF, USD: no exchange rate is recorded for their dates." in html


@pytest.mark.parametrize("code", ["XYZ", "JPY", "%3Cscript%3E", "usdx"])
def test_a_currency_the_site_does_not_offer_is_refused_in_words_and_the_page_stays_in_dollars(
    client,
    portfolio,  # noqa: F811
    code,
):
    response = home(client, f"?currency={code}")

    assert response.status_code == 400
    assert figure(response, "pledged") == "USD 1,950,000"
    html = response.content.decode()
    assert "they are shown in USD. Choose one of USD, EUR, CHF, GBP, SEK." in html
    assert "<script>" not in html.split('data-role="currency-refused"')[1][:300]


def test_the_home_page_takes_the_same_queries_in_any_currency(client, portfolio, euro_rate):  # noqa: F811
    def visit(query: str) -> tuple[int, int]:
        counts = []
        for _ in range(2):  # computed, then kept
            with CaptureQueriesContext(connection) as queries:
                assert home(client, query).status_code == 200
            counts.append(len(queries))
        return tuple(counts)

    assert visit("") == visit("?currency=EUR") == visit("?currency=CHF")
