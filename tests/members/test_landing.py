"""After logging in, people land where an app registered for them, without members knowing the app."""

from __future__ import annotations

import pytest
from django.urls import reverse

from members import landing
from members.models import Role
from tests.factories import OrganisationRoleFactory, VerifiedUserFactory
from tests.members.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def landings(monkeypatch):
    """An empty registry for the test, leaving the apps' own landings in place afterwards."""
    monkeypatch.setattr(landing, "_landings", [])
    return landing


def log_in(client, user):
    return client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})


def test_the_first_landing_that_answers_for_the_user_wins(client, landings):
    user = VerifiedUserFactory()
    landings.register_landing(lambda person: None)
    landings.register_landing(lambda person: "/first/" if person == user else None)
    landings.register_landing(lambda person: "/second/")

    assert log_in(client, user)["Location"] == "/first/"
    assert landings.landing_for(VerifiedUserFactory()) == "/second/"


def test_without_a_landing_that_answers_people_go_where_the_settings_say(client, landings):
    user = VerifiedUserFactory()
    OrganisationRoleFactory(user=user)
    landings.register_landing(lambda person: None)

    assert log_in(client, user)["Location"] == reverse("members:onboarding")


def test_donors_register_their_landing_at_start_up():
    user = VerifiedUserFactory()
    assert landing.landing_for(user) is None

    OrganisationRoleFactory(user=user, role=Role.DONOR)

    assert landing.landing_for(user) == reverse("donors:landing")
