"""Registering one's organisation after signing up."""

from __future__ import annotations

import pytest
from django.urls import reverse

from common.errors import DomainError
from members import services
from members.models import Organisation, OrganisationKind, OrganisationRole, Role
from tests.factories import OrganisationFactory, OrganisationRoleFactory, StaffFactory, VerifiedUserFactory

pytestmark = pytest.mark.django_db

JINJA = {
    "name": "  Municipal Council   of Jinja ",
    "kind": OrganisationKind.LOCAL_GOVERNMENT,
    "country": "UG",
    "registration_number": "UG-LG-0042",
    "website": "https://www.jinja.go.ug",
}


@pytest.fixture
def newcomer(client):
    user = VerifiedUserFactory(email="city.planner@example.org", full_name="City Planner")
    client.force_login(user)
    return user


def test_a_newcomer_registers_their_organisation_and_acts_for_it_as_partner(client, newcomer):
    assert "Register your organisation" in client.get(reverse("members:onboarding")).content.decode()

    response = client.post(reverse("members:onboarding"), JINJA)

    organisation = Organisation.objects.get()
    assert response["Location"] == reverse("members:organisation", args=[organisation.pk])
    assert (organisation.name, organisation.kind, organisation.country.code) == (
        "Municipal Council of Jinja",
        OrganisationKind.LOCAL_GOVERNMENT,
        "UG",
    )
    assert (organisation.registration_number, organisation.website) == ("UG-LG-0042", "https://www.jinja.go.ug")
    role = OrganisationRole.objects.get()
    assert (role.user, role.organisation, role.role) == (newcomer, organisation, Role.PARTNER)

    page = client.get(response["Location"]).content.decode()
    assert "Municipal Council of Jinja is registered." in page
    assert "Uganda" in page
    assert "City Planner" in page
    assert "Invite a colleague" in page


def test_a_website_without_a_scheme_is_taken_as_https(client, newcomer):
    client.post(reverse("members:onboarding"), {**JINJA, "website": "www.jinja.go.ug"})

    assert Organisation.objects.get().website == "https://www.jinja.go.ug"


def test_an_organisation_name_already_registered_is_refused_whatever_its_case(client, newcomer):
    OrganisationFactory(name="Municipal Council of Jinja")

    response = client.post(reverse("members:onboarding"), {**JINJA, "name": "MUNICIPAL council of jinja"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "An organisation named “MUNICIPAL council of jinja” is already registered." in page
    assert "ask a colleague who already does to invite you" in page
    assert Organisation.objects.count() == 1
    assert not OrganisationRole.objects.exists()


def test_a_registration_number_already_registered_in_the_same_country_is_refused(client, newcomer):
    OrganisationFactory(name="Jinja City Council", country="UG", registration_number="UG-LG-0042")

    response = client.post(reverse("members:onboarding"), JINJA)

    assert response.status_code == 400
    assert "this registration number in this country is already registered" in response.content.decode()
    assert Organisation.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "This field is required."),
        ({"kind": "bank"}, "Select a valid choice. bank is not one of the available choices."),
        ({"country": "XX"}, "Select a valid choice. XX is not one of the available choices."),
        ({"website": "not a website"}, "Enter a valid URL."),
    ],
)
def test_the_organisation_form_explains_what_is_wrong(client, newcomer, changes, message):
    response = client.post(reverse("members:onboarding"), {**JINJA, **changes})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Organisation.objects.exists()


def test_someone_who_already_acts_for_an_organisation_is_not_offered_to_register_another(client, newcomer):
    OrganisationRoleFactory(user=newcomer)

    assert client.get(reverse("members:onboarding"))["Location"] == reverse("home")
    with pytest.raises(DomainError, match="already act for an organisation"):
        services.organisation_register(user=newcomer, **JINJA)
    assert Organisation.objects.count() == 1


def test_the_secretariat_goes_home_after_logging_in(client):
    client.force_login(StaffFactory())

    assert client.get(reverse("members:onboarding"))["Location"] == reverse("home")


def test_onboarding_needs_a_login(client):
    response = client.get(reverse("members:onboarding"))

    assert response["Location"] == f"{reverse('account_login')}?next={reverse('members:onboarding')}"


def test_people_see_only_the_organisations_they_act_for(client, newcomer):
    mine = OrganisationRoleFactory(user=newcomer, role=Role.DONOR).organisation
    other = OrganisationFactory()

    listing = client.get(reverse("members:organisation-list")).content.decode()

    assert mine.name in listing
    assert other.name not in listing
    assert client.get(reverse("members:organisation", args=[mine.pk])).status_code == 200
    assert client.get(reverse("members:organisation", args=[other.pk])).status_code == 404


def test_the_organisation_page_reads_in_a_constant_number_of_queries(client, newcomer, django_assert_max_num_queries):
    organisation = OrganisationRoleFactory(user=newcomer).organisation
    for _ in range(5):
        OrganisationRoleFactory(organisation=organisation)

    with django_assert_max_num_queries(10):
        client.get(reverse("members:organisation", args=[organisation.pk]))
