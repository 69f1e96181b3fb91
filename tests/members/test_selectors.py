"""Whom a user acts for, and whom to e-mail about an organisation or at the secretariat."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from members.models import Role
from members.selectors import emails_about, organisations_of, staff_emails
from tests.factories import OrganisationFactory, OrganisationRoleFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_acts_for_the_organisations_of_their_roles_in_the_role_asked():
    user = UserFactory()
    partner = OrganisationRoleFactory(user=user, organisation=OrganisationFactory(name="B partner")).organisation
    donor = OrganisationRoleFactory(user=user, organisation=OrganisationFactory(name="A donor"), role=Role.DONOR)
    OrganisationRoleFactory(organisation=OrganisationFactory(name="Someone else's"))

    assert list(organisations_of(user=user)) == [donor.organisation, partner]
    assert list(organisations_of(user=user, role=Role.PARTNER)) == [partner]
    assert list(organisations_of(user=AnonymousUser())) == []


def test_emails_about_organisations_are_those_of_the_people_in_the_role_asked_each_once():
    first, second = OrganisationFactory(), OrganisationFactory()
    both = UserFactory(email="both@example.org")
    OrganisationRoleFactory(user=both, organisation=first)
    OrganisationRoleFactory(user=both, organisation=second)
    OrganisationRoleFactory(user=UserFactory(email="ann@example.org"), organisation=second)
    OrganisationRoleFactory(user=UserFactory(email="donor@example.org"), organisation=first, role=Role.DONOR)
    OrganisationRoleFactory(user=UserFactory(email="other@example.org"))

    assert emails_about(organisations=[first, second], role=Role.PARTNER) == ["ann@example.org", "both@example.org"]
    assert emails_about(organisations=[first.pk], role=Role.DONOR) == ["donor@example.org"]


def test_staff_emails_are_those_of_active_staff_only():
    StaffFactory(email="officer@example.org")
    StaffFactory(email="left@example.org", is_active=False)
    UserFactory(email="partner@example.org")

    assert staff_emails() == ["officer@example.org"]
