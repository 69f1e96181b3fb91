"""The results framework's names in English and French: staff write both in the admin, the results page shows
the active language's, and the English one where no French is written."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db


def test_the_results_page_names_each_indicator_in_the_active_language():
    IndicatorFactory(
        code="LPS-1",
        name_en="Cities with pro-poor climate-resilient strategies",
        name_fr="Villes dotées de stratégies résilientes au climat en faveur des pauvres",
    )
    IndicatorFactory(code="LPS-2", name="People with improved access to basic services")
    french = Client()
    french.post(reverse("set_language"), {"language": "fr", "next": "/"})

    page = french.get(reverse("results:portfolio")).content.decode()
    english = Client().get(reverse("results:portfolio")).content.decode()

    assert "Villes dotées de stratégies résilientes au climat en faveur des pauvres" in page
    assert "People with improved access to basic services" in page  # no French yet: the English
    assert "Cities with pro-poor climate-resilient strategies" in english
    assert "Villes dotées" not in english


def test_the_admin_shows_an_indicator_and_an_outcome_in_both_languages(staff_client):
    indicator = IndicatorFactory()

    indicator_page = staff_client.get(reverse("admin:results_indicator_change", args=[indicator.pk])).content.decode()
    outcome_page = staff_client.get(
        reverse("admin:results_outcome_change", args=[indicator.outcome_id])
    ).content.decode()

    for name in ("name_en", "name_fr", "definition_en", "definition_fr"):
        assert f'name="{name}"' in indicator_page
    for name in ("title_en", "title_fr", "description_en", "description_fr"):
        assert f'name="{name}"' in outcome_page
    assert 'name="indicators-0-name_fr"' in outcome_page
