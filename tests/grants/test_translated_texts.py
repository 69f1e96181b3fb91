"""Staff write a call's texts, its questions and criteria, and project summaries in English and French, side by
side in the admin; pages show the active language's text, and the English one where no French is written."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from grants.models import Call, Project
from tests.factories import AssessmentCriterionFactory, CallFactory, ProjectFactory
from tests.grants.test_doors import change_form_data

pytestmark = pytest.mark.django_db


def in_french() -> Client:
    client = Client()
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    return client


def test_a_call_shows_its_french_texts_on_a_french_page_and_its_english_ones_otherwise():
    call = CallFactory(
        reference="villes-2027",
        title_en="Resilient cities 2027",
        title_fr="Villes résilientes 2027",
        description_en="Proposals for climate-resilient neighbourhoods.",
        description_fr="Des propositions pour des quartiers résilients face au climat.",
    )
    AssessmentCriterionFactory(call=call, name_en="Relevance", name_fr="Pertinence")
    url = reverse("grants:call-detail", args=[call.reference])

    french = in_french().get(url).content.decode()
    english = Client().get(url).content.decode()

    assert "<h1>Villes résilientes 2027</h1>" in french
    assert "Des propositions pour des quartiers résilients face au climat." in french
    assert "Pertinence" in french
    assert "<h1>Resilient cities 2027</h1>" in english
    assert "Proposals for climate-resilient neighbourhoods." in english
    assert "Relevance" in english and "Pertinence" not in english


def test_a_call_with_no_french_text_shows_the_english_on_a_french_page():
    call = CallFactory(reference="english-only", title="Urban mobility 2027", description="Only in English so far.")

    page = in_french().get(reverse("grants:call-detail", args=[call.reference])).content.decode()

    assert "<h1>Urban mobility 2027</h1>" in page
    assert "Only in English so far." in page


def test_texts_written_before_the_translation_columns_are_the_english_ones():
    """What a call was created with (here through the ORM, in English) lands in its English column."""
    call = CallFactory(title="Housing finance")

    stored = Call.objects.values("title_en", "title_fr").get(pk=call.pk)

    assert stored == {"title_en": "Housing finance", "title_fr": None}


def test_the_admin_shows_each_translated_text_in_both_languages(staff_client):
    call = CallFactory()

    page = staff_client.get(reverse("admin:grants_call_change", args=[call.pk])).content.decode()

    for name in ("title", "description"):
        assert f'name="{name}_en"' in page and f'name="{name}_fr"' in page
    for inline in ("questions", "criteria", "eligibility_questions"):
        assert f'name="{inline}-__prefix__-' in page
    assert 'name="questions-__prefix__-label_fr"' in page
    assert 'name="criteria-__prefix__-name_fr"' in page
    assert 'name="eligibility_questions-__prefix__-why_not_fr"' in page


def test_the_admin_saves_a_project_summary_in_french_beside_the_english(staff_client):
    project = ProjectFactory(summary="Upgrading informal settlements.")
    url = reverse("admin:grants_project_change", args=[project.pk])
    page = staff_client.get(url).content.decode()
    assert 'name="summary_en"' in page and 'name="summary_fr"' in page

    response = staff_client.post(
        url, change_form_data(staff_client, url, summary_fr="Amélioration des quartiers informels.")
    )

    assert response.status_code == 302
    assert Project.objects.values("summary_en", "summary_fr").get(pk=project.pk) == {
        "summary_en": "Upgrading informal settlements.",
        "summary_fr": "Amélioration des quartiers informels.",
    }
