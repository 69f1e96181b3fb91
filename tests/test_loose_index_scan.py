"""A column's distinct values read by skipping through its index are the values `SELECT DISTINCT` reads, for a
whole table or for rows a filter mostly keeps (the public projects' countries)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.loose_index_scan import distinct_values
from grants.models import ExchangeRate, ProjectCountry
from grants.selectors.portfolio import portfolio_headline, public_country_codes
from tests.factories import ProjectCountryFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def rate(currency: str, day: int) -> ExchangeRate:
    return ExchangeRate.objects.create(
        currency=currency, quote_currency="USD", date=dt.date(2024, 1, day), rate=Decimal("1.1")
    )


def currencies(rows) -> list[str]:
    return distinct_values(rows.distinct().order_by("currency").values_list("currency", flat=True), CURRENCY)


CURRENCY = ExchangeRate._meta.get_field("currency")


def test_the_values_are_those_of_select_distinct_in_their_order():
    for day, currency in enumerate(["KES", "BRL", "KES", "INR", "BRL"], start=1):
        rate(currency, day)
    assert currencies(ExchangeRate.objects.all()) == ["BRL", "INR", "KES"]


def test_filtered_rows_are_read_as_their_query_says():
    rate("KES", 1)
    rate("BRL", 2)
    assert currencies(ExchangeRate.objects.filter(date=dt.date(2024, 1, 2))) == ["BRL"]


@pytest.mark.postgres
def test_on_postgresql_a_whole_table_is_read_through_its_index():
    rate("KES", 1)
    with CaptureQueriesContext(connection) as queries:
        assert currencies(ExchangeRate.objects.all()) == ["KES"]
    assert "WITH RECURSIVE" in queries[0]["sql"] and "DISTINCT" not in queries[0]["sql"]


def public_countries_by_hand() -> list[str]:
    rows = ProjectCountry.objects.filter(project__is_public=True).values_list("country", flat=True)
    return sorted(set(rows))


def test_the_public_projects_countries_are_each_once_in_order_and_none_of_an_unpublished_project():
    for country in ["UG", "BR", "UG", "IN"]:
        ProjectCountryFactory(country=country)
    ProjectCountryFactory(country="KE", project=ProjectFactory(is_public=False))
    assert public_country_codes() == ["BR", "IN", "UG"] == public_countries_by_hand()
    assert portfolio_headline().countries == 3


def test_a_country_whose_every_project_is_unpublished_is_skipped_between_two_that_are_not():
    ProjectCountryFactory(country="BR")
    for _ in range(3):
        ProjectCountryFactory(country="IN", project=ProjectFactory(is_public=False))
    ProjectCountryFactory(country="UG")
    assert public_country_codes() == ["BR", "UG"]


@pytest.mark.postgres
def test_on_postgresql_a_filter_that_keeps_most_rows_is_read_through_the_index():
    ProjectCountryFactory(country="UG")
    with CaptureQueriesContext(connection) as queries:
        assert public_country_codes() == ["UG"]
    assert len(queries) == 1
    assert "WITH RECURSIVE" in queries[0]["sql"] and "DISTINCT" not in queries[0]["sql"]
    assert '"is_public"' in queries[0]["sql"]
