"""A donor's map: its allocations by country, only its own, adding up to the dashboard's "allocated"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from members.models import Role
from tests.factories import (
    AllocationFactory,
    CityFactory,
    ContributionFactory,
    ExchangeRateFactory,
    FacilityFactory,
    FundingWindowFactory,
    OrganisationFactory,
    OrganisationRoleFactory,
    ProjectCountryFactory,
    ProjectFactory,
    VerifiedUserFactory,
)
from tests.grants.test_maps import D, _report_in_dollars, bubbles, table_rows, the_map, usd  # noqa: F401

pytestmark = pytest.mark.django_db


def project_in(code: str, shares: dict[str, str], **fields):
    project = ProjectFactory(code=code, **fields)
    for country, percentage in shares.items():
        ProjectCountryFactory(project=project, country=country, percentage=D(percentage))
    return project


@pytest.fixture
def donors():
    """A: USD 100,000 to Uganda in 2019 and CHF 40,000 (at 1.25) to a project half in Ghana, half in Kenya, in
    2020, through the Global window. B: USD 500,000 to Tanzania and USD 10,000 to the shared project."""
    ExchangeRateFactory(currency="CHF", quote_currency="USD", date=dt.date(2019, 1, 1), rate=D("1.25"))
    global_facility = FacilityFactory(
        window=FundingWindowFactory(code="global", name="Global Window"), code="joint-work", name="Joint Work"
    )
    uganda = project_in("P-UG", {"UG": "100"})
    uganda.cities.add(CityFactory(name="Jinja", latitude=D("0.43902"), longitude=D("33.20317")))
    shared = project_in("P-SHARED", {"GH": "50", "KE": "50"}, facility=global_facility)
    tanzania = project_in("P-TZ", {"TZ": "100"})
    tanzania.cities.add(CityFactory(name="Dodoma", country="TZ", latitude=D("-6.17"), longitude=D("35.74")))
    a, b = OrganisationFactory(name="Donor A"), OrganisationFactory(name="Donor B")
    a_usd = ContributionFactory(donor=a, reference="A-USD")
    a_chf = ContributionFactory(donor=a, reference="A-CHF", currency="CHF")
    b_usd = ContributionFactory(donor=b, reference="B-USD")
    AllocationFactory(contribution=a_usd, project=uganda, amount=D("100000.00"), allocated_on=dt.date(2019, 1, 15))
    AllocationFactory(contribution=a_chf, project=shared, amount=D("40000.00"), allocated_on=dt.date(2020, 3, 1))
    AllocationFactory(contribution=b_usd, project=tanzania, amount=D("500000.00"), allocated_on=dt.date(2019, 5, 1))
    AllocationFactory(contribution=b_usd, project=shared, amount=D("10000.00"), allocated_on=dt.date(2019, 5, 1))
    user = VerifiedUserFactory()
    OrganisationRoleFactory(user=user, organisation=a, role=Role.DONOR)
    return a, b, user


def dashboard(client, donor, query: str = "") -> str:
    response = client.get(reverse("donors:dashboard", args=[donor.pk]) + query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_donor_sees_its_own_allocations_on_its_map_and_they_add_up_to_its_dashboard(client, donors):
    a, _b, user = donors
    client.force_login(user)

    page = dashboard(client, a)

    assert {country: cells[2] for country, cells in table_rows(page).items()} == {
        "Uganda": usd("100000"),
        "Ghana": usd("25000"),  # half of CHF 40,000 at 1.25
        "Kenya": usd("25000"),
    }
    assert table_rows(page)["Uganda"][0] == "Jinja"
    total = re.search(r'data-figure="map-total">(.*?)<', page).group(1)
    assert total == usd("150000") == re.search(r'data-figure="allocated">(.*?)</dd>', page, re.S).group(1).strip()
    svg = the_map(page)
    assert set(bubbles(svg)) == {"Uganda", "Ghana", "Kenya"}


def test_another_donors_money_and_cities_are_not_on_a_donors_map(client, donors):
    a, _b, user = donors
    client.force_login(user)

    page = dashboard(client, a)

    assert "Tanzania" not in page and "Dodoma" not in page
    assert usd("500000") not in page and usd("10000") not in page


def test_a_donors_map_is_kept_until_an_allocation_changes(client, donors):
    a, _b, user = donors
    client.force_login(user)
    assert "Tanzania" not in dashboard(client, a)  # the map is now kept

    AllocationFactory(
        contribution=a.contributions.get(reference="A-USD"),
        project=ProjectFactory._meta.model.objects.get(code="P-TZ"),
        amount=D("20000.00"),
        allocated_on=dt.date(2019, 6, 1),
    )

    assert table_rows(dashboard(client, a))["Tanzania"] == ["Dodoma", "1", usd("20000")]


def test_another_donors_map_answers_404(client, donors):
    _a, b, user = donors
    client.force_login(user)

    assert client.get(reverse("donors:dashboard", args=[b.pk]) + "?year=2019").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?year=2019", {"Uganda": "100000"}),
        ("?year=2020", {"Ghana": "25000", "Kenya": "25000"}),
        ("?window=global", {"Ghana": "25000", "Kenya": "25000"}),
        ("?window=country-city&year=2019", {"Uganda": "100000"}),
    ],
)
def test_a_donors_map_is_filtered_by_window_and_year_of_allocation(client, donors, query, expected):
    a, _b, user = donors
    client.force_login(user)

    page = dashboard(client, a, query)

    assert {country: cells[2] for country, cells in table_rows(page).items()} == {
        country: usd(amount) for country, amount in expected.items()
    }
    years = re.findall(r'<option value="(\d{4})"', page)
    assert years == ["2020", "2019"]  # the years of its own allocations only


def test_a_year_the_donor_allocated_nothing_in_is_refused_on_its_dashboard(client, donors):
    a, _b, user = donors
    client.force_login(user)

    response = client.get(reverse("donors:dashboard", args=[a.pk]) + "?year=2017")

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
