"""The totals under the admin lists count each row once, whatever the search and the filters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from grants.models import TransactionKind
from grants.services import contribution_receive
from tests.factories import (
    AllocationFactory,
    CityFactory,
    ContributionFactory,
    OrganisationFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    StaffFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def uganda():
    """One project that a search for "Uganda" meets three times over: two partners and two cities."""
    themes = ThemeFactory.create_batch(2)
    project = ProjectFactory(code="UG-1", title="Settlements", approved_budget=Decimal("3200000.00"))
    project.themes.set(themes)
    project.cities.set([CityFactory(name="Uganda North"), CityFactory(name="Uganda South")])
    for country, share in (("UG", "50"), ("KE", "30"), ("TZ", "20")):
        ProjectCountryFactory(project=project, country=country, percentage=Decimal(share))
    for name in ("Government of Uganda", "Uganda Slum Dwellers Federation"):
        ProjectPartnerFactory(project=project, organisation=OrganisationFactory(name=name))
    other = ProjectFactory(code="GH-1", title="Accra", approved_budget=Decimal("900000.00"))
    ProjectCountryFactory(project=other, country="GH")
    return project, themes


def _total(client, url_name: str, **query) -> list[str]:
    response = client.get(reverse(url_name), query)
    assert response.status_code == 200
    return response.context["money_totals"]


def _staff(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def test_the_project_list_counts_a_project_once_when_a_search_matches_several_partners_and_cities(client, uganda):
    totals = _total(_staff(client), "admin:grants_project_changelist", q="Uganda")

    assert totals == ["USD\xa03,200,000.00"]


def test_the_project_list_counts_a_project_once_under_filters_on_its_countries_and_themes(client, uganda):
    _, themes = uganda
    staff = _staff(client)

    by_country = _total(staff, "admin:grants_project_changelist", q="Uganda", countries__country="UG")
    by_theme = _total(staff, "admin:grants_project_changelist", themes__id__exact=themes[0].pk)
    everything = _total(staff, "admin:grants_project_changelist")

    assert by_country == ["USD\xa03,200,000.00"]
    assert by_theme == ["USD\xa03,200,000.00"]
    assert everything == ["USD\xa04,100,000.00"]


def test_the_contribution_transaction_and_allocation_lists_count_each_row_once(client, uganda):
    project, _ = uganda
    donor = OrganisationFactory(name="Uganda Trust", short_name="UT")
    contribution = ContributionFactory(donor=donor, reference="UT-1", amount=Decimal("2000000.00"))
    ContributionFactory(reference="OTHER-1", amount=Decimal("700000.00"))
    AllocationFactory(contribution=contribution, project=project, amount=Decimal("600000.00"))
    for amount in ("400000.00", "250000.00"):
        contribution_receive(contribution=contribution, amount=Decimal(amount), value_date=dt.date(2019, 3, 1))
    staff = _staff(client)

    contributions = _total(staff, "admin:grants_contribution_changelist", q="Uganda", currency="USD")
    transactions = _total(staff, "admin:grants_transaction_changelist", q="UT-1", kind=TransactionKind.INCOMING_FUNDS)
    allocations = _total(staff, "admin:grants_allocation_changelist", q="Uganda", contribution__currency="USD")

    assert contributions == ["USD\xa02,000,000.00"]
    assert transactions == ["USD\xa0650,000.00"]
    assert allocations == ["USD\xa0600,000.00"]


def test_the_total_shows_on_the_page_under_the_list(client, uganda):
    response = _staff(client).get(reverse("admin:grants_project_changelist"), {"q": "Uganda"})

    assert "Approved budgets in this selection: USD\xa03,200,000.00" in response.content.decode()
