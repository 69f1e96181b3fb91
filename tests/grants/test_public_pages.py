from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants import services
from grants.models import ContributionStatus
from tests.factories import (
    CityFactory,
    ContributionFactory,
    ExchangeRateFactory,
    OrganisationFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    VerifiedUserFactory,
    both_sides,
)

pytestmark = pytest.mark.django_db


def figure(response, name: str) -> str:
    html = response.content.decode()
    start = html.index(f'data-figure="{name}">') + len(f'data-figure="{name}">')
    return html[start : html.index("</dd>", start)].replace("\xa0", " ")


@pytest.fixture
def portfolio():
    ExchangeRateFactory(currency="CHF", date=dt.date(2013, 1, 1), rate=Decimal("1.10"))
    ExchangeRateFactory(currency="CHF", date=dt.date(2020, 1, 1), rate=Decimal("1.20"))
    ContributionFactory(amount=Decimal("1000000"), currency="CHF", start_date=dt.date(2015, 3, 1))
    ContributionFactory(amount=Decimal("500000"), currency="CHF", start_date=dt.date(2021, 1, 1))
    ContributionFactory(amount=Decimal("250000"), currency="USD")
    ContributionFactory(amount=Decimal("999"), currency="USD", status=ContributionStatus.CANCELLED)
    jinja, accra, nairobi = CityFactory(name="Jinja"), CityFactory(name="Accra", country="GH"), CityFactory()
    first, second, third = ProjectFactory(), ProjectFactory(), ProjectFactory()
    hidden = ProjectFactory(is_public=False)
    ProjectCountryFactory(project=first, country="UG")
    ProjectCountryFactory(project=second, country="UG", percentage=Decimal("50"))
    ProjectCountryFactory(project=second, country="GH", percentage=Decimal("50"))
    ProjectCountryFactory(project=hidden, country="KE")
    first.cities.add(jinja)
    second.cities.add(jinja, accra)
    hidden.cities.add(nairobi)
    return {"first": first, "second": second, "third": third, "hidden": hidden}


def test_the_home_page_shows_headline_figures_computed_from_the_portfolio(client, portfolio):
    response = client.get(reverse("home"))

    assert response.status_code == 200
    # CHF 1,000,000 x 1.10 (rate of 2013, the last before 2015) + CHF 500,000 x 1.20 + USD 250,000
    assert figure(response, "pledged") == "USD 1,950,000"
    assert figure(response, "projects") == "3"
    assert figure(response, "countries") == "2"  # Uganda counted once; Kenya's project is not public
    assert figure(response, "cities") == "2"  # Jinja counted once across two projects
    page = response.content.decode().replace("\xa0", " ")
    assert "CHF 1,500,000.00" in page and "USD 250,000.00" in page
    assert "leaves out" not in page


def test_the_home_page_says_which_pledges_it_cannot_convert(client, portfolio):
    ContributionFactory(amount=Decimal("700000"), currency="GBP")

    response = client.get(reverse("home"))

    assert figure(response, "pledged") == "USD 1,950,000"
    assert "The total leaves out pledges in GBP" in response.content.decode()


def test_the_home_page_takes_the_same_queries_whatever_the_portfolio_size(client, portfolio):
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("home"))
    for _ in range(10):
        project = ProjectFactory()
        ProjectCountryFactory(project=project, country="TZ")
        project.cities.add(CityFactory())
        ContributionFactory(currency="CHF", start_date=dt.date(2022, 1, 1))

    with CaptureQueriesContext(connection) as large:
        client.get(reverse("home"))

    assert len(large) == len(small) <= 15


def test_a_public_project_page_shows_where_and_with_whom(client, portfolio):
    project = portfolio["second"]
    ProjectPartnerFactory(project=project, organisation__name="Slum Dwellers International")

    response = client.get(project.get_absolute_url())

    page = response.content.decode()
    assert response.status_code == 200
    assert project.title in page
    assert "Uganda" in page and "Ghana" in page
    assert "Jinja" in page and "Accra" in page
    assert "Slum Dwellers International" in page and "Implementing" in page


def test_a_private_or_unknown_project_answers_404(client, portfolio):
    assert client.get(portfolio["hidden"].get_absolute_url()).status_code == 404
    assert client.get(reverse("grants:project-detail", args=["NO-SUCH"])).status_code == 404


def test_the_project_list_shows_public_projects_in_constant_queries(client, portfolio):
    with CaptureQueriesContext(connection) as small:
        response = client.get(reverse("grants:project-list"))
    assert portfolio["first"].code in response.content.decode()
    assert portfolio["hidden"].code not in response.content.decode()
    for _ in range(15):
        ProjectCountryFactory(project=ProjectFactory(), country="RW")

    with CaptureQueriesContext(connection) as large:
        client.get(reverse("grants:project-list"))

    assert len(large) == len(small)


def test_people_log_in_with_their_email_and_log_out(client):
    VerifiedUserFactory(email="planner@example.org", password="a-long-test-password")

    refused = client.post(reverse("account_login"), {"login": "planner@example.org", "password": "wrong"})
    assert "Please enter a correct email address and password" in refused.content.decode()

    response = client.post(
        reverse("account_login"), {"login": "Planner@example.org", "password": "a-long-test-password"}, follow=True
    )
    assert response.context["user"].is_authenticated
    assert "Log out" in response.content.decode()

    response = client.post(reverse("account_logout"), follow=True)
    assert not response.context["user"].is_authenticated


def test_the_home_page_shows_committed_and_disbursed_by_window_and_year_in_the_reporting_currency(client, portfolio):
    grantee = OrganisationFactory()
    in_dollars = portfolio["first"]
    in_francs = ProjectFactory(currency="CHF", approved_budget=Decimal("500"))
    services.grant_agreement_sign(
        project=in_dollars,
        reference="GA-USD",
        grantee=grantee,
        signed_on=dt.date(2021, 2, 1),
        signatures=both_sides(dt.date(2021, 2, 1)),
        amount=Decimal("1000"),
    )
    services.disbursement_record(project=in_dollars, amount=Decimal("400"), value_date=dt.date(2021, 6, 1))
    services.grant_agreement_sign(
        project=in_francs,
        reference="GA-CHF",
        grantee=grantee,
        signed_on=dt.date(2022, 3, 1),
        signatures=both_sides(dt.date(2022, 3, 1)),
        amount=Decimal("500"),
    )

    response = client.get(reverse("home"))

    by_window = {row.label: (row.committed, row.disbursed) for row in response.context["by_window"].rows}
    by_year = {row.label: (row.committed, row.disbursed) for row in response.context["by_year"].rows}
    # CHF 500 at the 2020 rate of 1.20 (the last before 2022-03-01) is USD 600
    assert by_window == {"Country/City Window": (Decimal("1600.00"), Decimal("400.00"))}
    assert by_year == {"2021": (Decimal("1000.00"), Decimal("400.00")), "2022": (Decimal("600.00"), Decimal("0"))}
    assert "USD\xa01,600" in response.content.decode()
