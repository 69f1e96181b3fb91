"""Partners name known cities or propose new ones; a proposal is the organisation's and the secretariat's
alone until the secretariat confirms it, and no project counts it before then."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from grants.models import ApplicationStatus, City, Project
from grants.services import (
    ApplicationError,
    ApplicationIncomplete,
    TrancheSpec,
    application_approve,
    application_save,
    city_confirm,
)
from grants.services.applications import CITY_PROPOSALS_PENDING_MAX
from tests.factories import ApplicationFactory, CityFactory, ProjectFactory, StaffFactory, reviewed

pytestmark = pytest.mark.django_db


def name_cities(application, *names: str):
    return application_save(
        application=application, user=application.created_by, fields={"countries": ["UG"]}, city_names=list(names)
    )


def test_a_known_city_is_reused_whatever_its_case_and_a_new_name_is_a_proposal_of_the_organisation():
    jinja = CityFactory(name="Jinja", country="UG")
    application = ApplicationFactory()

    name_cities(application, "jinja", "Gulu")

    gulu = City.objects.get(name="Gulu")
    assert set(application.cities.all()) == {jinja, gulu}
    assert (gulu.confirmed, gulu.proposed_by) == (False, application.organisation)
    assert City.objects.count() == 2


def test_the_same_proposal_from_another_draft_is_reused_and_one_no_draft_names_is_withdrawn():
    first, second = ApplicationFactory(), ApplicationFactory()
    name_cities(first, "Gulu")
    name_cities(second, "Gulu", "Lira")

    name_cities(second, "Gulu")

    assert list(City.objects.values_list("name", "confirmed")) == [("Gulu", False)]
    assert first.cities.get() == second.cities.get()


def test_an_organisation_proposes_a_bounded_number_of_new_cities_at_once():
    application = ApplicationFactory(title="As it was")
    names = [f"Town {n}" for n in range(CITY_PROPOSALS_PENDING_MAX)]
    name_cities(application, *names)

    with pytest.raises(ApplicationIncomplete) as refusal:
        application_save(
            application=ApplicationFactory(organisation=application.organisation, created_by=application.created_by),
            user=application.created_by,
            fields={"countries": ["UG"]},
            city_names=["One town too many"],
        )

    assert "waiting for the secretariat to confirm them" in refusal.value.errors["city_names"][0]
    assert City.objects.filter(confirmed=False).count() == CITY_PROPOSALS_PENDING_MAX


def test_an_application_naming_an_unconfirmed_city_is_approved_only_once_staff_confirm_it():
    application = ApplicationFactory(complete=True)
    name_cities(application, "Gulu")
    application.status = ApplicationStatus.IN_REVIEW
    application.save()
    staff = StaffFactory()

    reviewed(application)

    def approve():
        return application_approve(
            application=application,
            user=staff,
            grant_reference="CA-2030-009",
            signed_on=dt.date(2030, 1, 2),
            tranches=[TrancheSpec(dt.date(2030, 1, 2), percentage=Decimal(100))],
        )

    with pytest.raises(ApplicationError) as refusal:
        approve()
    assert "Gulu, Uganda" in refusal.value.message
    assert not Project.objects.exists()

    assert city_confirm(cities=list(application.cities.all()), user=staff) == 1
    project = approve()
    assert [city.name for city in project.cities.all()] == ["Gulu"]


def test_only_the_secretariat_confirms_a_proposed_city():
    application = ApplicationFactory()
    name_cities(application, "Gulu")

    with pytest.raises(ApplicationError):
        city_confirm(cities=list(application.cities.all()), user=application.created_by)

    assert not City.objects.get().confirmed


def test_staff_confirm_proposed_cities_with_the_admin_action(staff_client):
    application = ApplicationFactory()
    name_cities(application, "Gulu")
    gulu = City.objects.get()

    listed = staff_client.get(reverse("admin:grants_city_changelist"), {"confirmed__exact": "0"})
    done = staff_client.post(
        reverse("admin:grants_city_changelist"), {"action": "confirm", "_selected_action": [gulu.pk]}, follow=True
    )

    assert "Gulu" in listed.content.decode()
    assert '<li class="success">1 city confirmed.</li>' in done.content.decode()
    assert City.objects.get().confirmed


def test_a_project_in_the_admin_names_confirmed_cities_only(staff_client):
    project = ProjectFactory()
    application = ApplicationFactory()
    name_cities(application, "Gulu")
    CityFactory(name="Gulf Town", country="UG")
    form_url = reverse("admin:grants_project_change", args=[project.pk])

    found = staff_client.get(
        reverse("admin:autocomplete"),
        {"term": "Gul", "app_label": "grants", "model_name": "project", "field_name": "cities"},
    ).json()
    form = staff_client.get(form_url).context["adminform"].form

    assert [result["text"] for result in found["results"]] == ["Gulf Town, Uganda"]
    assert list(form.fields["cities"].queryset.values_list("name", flat=True)) == ["Gulf Town"]
