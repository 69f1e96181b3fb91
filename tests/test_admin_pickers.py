"""Admin forms whose choices run to tens of thousands at scale (every organisation, every tranche a report can
release) pick them by typing: the page lists none of them, and the search offers only what the field accepts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from grants.services import TrancheSpec
from tests.factories import GrantAgreementFactory, OrganisationFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def picked_by_typing(page, field: str) -> bool:
    return re.search(rf'<select name="{field}"[^>]*class="admin-autocomplete"', page.content.decode()) is not None


def test_the_city_form_picks_the_proposing_organisation_by_typing(staff_client):
    OrganisationFactory(name="Lagos Urban Trust")

    page = staff_client.get(reverse("admin:grants_city_add"))

    assert page.status_code == 200
    assert "Lagos Urban Trust" not in page.content.decode()
    assert picked_by_typing(page, "proposed_by")


@pytest.fixture
def tranches():
    """`(released_by_a_report, released_by_nothing)`: two tranches of one agreement."""
    agreement = GrantAgreementFactory(
        project=ProjectFactory(code="KE-NAI-1"),
        amount=Decimal("100000.00"),
        tranches=[
            TrancheSpec(planned_date=dt.date(2019, 3, 1), amount=Decimal("60000.00")),
            TrancheSpec(planned_date=dt.date(2020, 3, 1), amount=Decimal("40000.00"), condition="Report approved"),
        ],
    )
    unconditioned, reported = agreement.tranches.order_by("number")
    return reported, unconditioned


def test_the_reporting_period_form_picks_the_tranche_it_releases_by_typing(staff_client, tranches):
    reported, _ = tranches

    page = staff_client.get(reverse("admin:results_reportingperiod_add"))

    assert page.status_code == 200
    assert f'<option value="{reported.pk}"' not in page.content.decode()
    assert picked_by_typing(page, "releases_tranche")


def test_the_tranche_search_offers_only_tranches_a_recorded_condition_releases(staff_client, tranches):
    reported, unconditioned = tranches

    found = staff_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "results", "model_name": "reportingperiod", "field_name": "releases_tranche", "term": "KE-NAI"},
    )

    assert found.status_code == 200
    assert [row["id"] for row in found.json()["results"]] == [str(reported.pk)]
    assert str(unconditioned.pk) not in {row["id"] for row in found.json()["results"]}


def test_the_signing_form_picks_the_project_and_the_grantee_by_typing(staff_client):
    ProjectFactory(code="KE-MSA-1", title="Mombasa waterfront")
    OrganisationFactory(name="Lagos Urban Trust")

    page = staff_client.get(reverse("admin:grants_grantagreement_add"))

    assert page.status_code == 200
    assert "Lagos Urban Trust" not in page.content.decode() and "Mombasa waterfront" not in page.content.decode()
    assert picked_by_typing(page, "project") and picked_by_typing(page, "grantee")
    assert "admin/js/autocomplete.js" in page.content.decode()
