"""Partners invite colleagues by email; the invited person joins with the link, once, in time."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from common.errors import DomainError
from members import services, tasks
from members.models import Invitation, OrganisationRole, Role
from tests.factories import (
    InvitationFactory,
    OrganisationFactory,
    OrganisationRoleFactory,
    PartnerUserFactory,
    VerifiedUserFactory,
)
from tests.members.conftest import PASSWORD, link_in

pytestmark = pytest.mark.django_db

COLLEAGUE = "field.officer@example.org"


@pytest.fixture
def organisation():
    return OrganisationFactory(name="Municipal Council of Jinja")


@pytest.fixture
def partner(organisation):
    return PartnerUserFactory(email="city.planner@example.org", full_name="City Planner", organisation=organisation)


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks):
    """Post the invitation form as the logged-in client, running what waits for the commit (the email)."""

    def post(organisation, email=COLLEAGUE):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("members:invite", args=[organisation.pk]), {"email": email})

    return post


def partners_of(organisation) -> set[str]:
    return set(
        OrganisationRole.objects.filter(organisation=organisation, role=Role.PARTNER).values_list(
            "user__email", flat=True
        )
    )


def test_a_partner_invites_a_colleague_who_signs_up_with_the_link_and_acts_for_the_organisation(
    client, organisation, partner, mailoutbox, invite
):
    client.force_login(partner)

    response = invite(organisation, email="Field.Officer@Example.org")

    assert response["Location"] == reverse("members:organisation", args=[organisation.pk])
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.invited_by, invitation.accepted_at) == (COLLEAGUE, partner, None)
    assert invitation.sent_at is not None
    assert len(invitation.token) >= 40
    [message] = mailoutbox
    assert message.to == [COLLEAGUE]
    assert "Municipal Council of Jinja" in message.subject
    assert "City Planner invites you to act for Municipal Council of Jinja" in message.body
    page = client.get(response["Location"]).content.decode()
    assert "We are sending an invitation to field.officer@example.org" in page
    assert "Invitations waiting for an answer" in page

    # The colleague opens the link, signs up with the invited address and accepts.
    client.logout()
    link = link_in(message, "/portal/organisation/invitations/")
    landing = client.get(link).content.decode()
    assert "City Planner invites you to act for Municipal Council of Jinja" in landing
    signup = client.post(
        f"{reverse('account_signup')}?next={link}",
        {"full_name": "Field Officer", "email": COLLEAGUE, "password1": PASSWORD, "password2": PASSWORD},
    )
    # Following the link proved the address: no second email, the new account is logged in at once.
    assert signup["Location"] == link
    assert len(mailoutbox) == 1
    accepted = client.post(link)

    assert accepted["Location"] == reverse("members:organisation", args=[organisation.pk])
    assert partners_of(organisation) == {partner.email, COLLEAGUE}
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by.email == COLLEAGUE
    assert "You now act for Municipal Council of Jinja." in client.get(accepted["Location"]).content.decode()


def test_an_invited_person_who_already_has_an_account_joins_from_the_page_they_land_on_after_logging_in(
    client, organisation
):
    colleague = VerifiedUserFactory(email=COLLEAGUE)
    invitation = InvitationFactory(organisation=organisation, email=COLLEAGUE)
    client.force_login(colleague)

    onboarding = client.get(reverse("members:onboarding")).content.decode()
    assert "Join Municipal Council of Jinja" in onboarding
    client.post(reverse("members:invitation", args=[invitation.token]))

    assert COLLEAGUE in partners_of(organisation)


def test_an_invitation_followed_by_someone_logged_in_with_another_address_changes_nothing(client, organisation):
    invitation = InvitationFactory(organisation=organisation, email=COLLEAGUE)
    client.force_login(VerifiedUserFactory(email="someone.else@example.org"))

    response = client.post(reverse("members:invitation", args=[invitation.token]))

    assert response.status_code == 400
    assert "This invitation was sent to another email address." in response.content.decode()
    assert partners_of(organisation) == {invitation.invited_by.email}
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_unverified_address_cannot_accept_an_invitation_sent_to_it(client, organisation):
    invitation = InvitationFactory(organisation=organisation, email=COLLEAGUE)
    client.force_login(VerifiedUserFactory(email=COLLEAGUE, email_address__verified=False))

    response = client.post(reverse("members:invitation", args=[invitation.token]))

    assert response.status_code == 400
    assert COLLEAGUE not in partners_of(organisation)


def test_an_expired_invitation_changes_nothing(client, organisation):
    invitation = InvitationFactory(organisation=organisation, email=COLLEAGUE)
    client.force_login(VerifiedUserFactory(email=COLLEAGUE))
    Invitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now() - dt.timedelta(days=14, seconds=1))

    page = client.get(reverse("members:invitation", args=[invitation.token])).content.decode()
    response = client.post(reverse("members:invitation", args=[invitation.token]))

    assert "This invitation expired on" in page
    assert response.status_code == 400
    assert "This invitation expired on" in response.content.decode()
    assert COLLEAGUE not in partners_of(organisation)
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_invitation_works_only_once(client, organisation):
    invitation = InvitationFactory(organisation=organisation, email=COLLEAGUE)
    colleague = VerifiedUserFactory(email=COLLEAGUE)
    services.invitation_accept(token=invitation.token, user=colleague)
    invitation.refresh_from_db()
    accepted_at = invitation.accepted_at
    OrganisationRole.objects.filter(user=colleague).delete()
    client.force_login(colleague)

    response = client.post(reverse("members:invitation", args=[invitation.token]))

    assert response.status_code == 400
    assert "This invitation has already been used." in response.content.decode()
    assert COLLEAGUE not in partners_of(organisation)
    invitation.refresh_from_db()
    assert invitation.accepted_at == accepted_at


def test_an_unknown_token_is_refused(client):
    client.force_login(VerifiedUserFactory())

    response = client.post(reverse("members:invitation", args=["no-such-token"]))

    assert response.status_code == 400
    assert "This invitation link is not valid." in response.content.decode()
    assert client.get(reverse("members:invitation", args=["no-such-token"])).status_code == 404
    assert not OrganisationRole.objects.exists()


def test_nobody_invites_for_an_organisation_they_do_not_act_for_as_partner(client, organisation, mailoutbox, invite):
    outsider = PartnerUserFactory()
    donor = OrganisationRoleFactory(organisation=organisation, role=Role.DONOR).user

    for user in (outsider, donor):
        client.force_login(user)
        assert invite(organisation).status_code == 404
        assert (
            "Invite a colleague"
            not in client.get(reverse("members:organisation", args=[organisation.pk])).content.decode()
        )

    with pytest.raises(DomainError, match="Only people who act for Municipal Council of Jinja as partners"):
        services.invitation_create(organisation=organisation, invited_by=donor, email=COLLEAGUE, site_url="http://x/")
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_inviting_an_address_that_already_acts_for_the_organisation_or_is_already_invited_is_refused(
    client, organisation, partner, mailoutbox, invite
):
    client.force_login(partner)
    InvitationFactory(organisation=organisation, email=COLLEAGUE, invited_by=partner)

    again = invite(organisation, email=COLLEAGUE.upper())
    member = invite(organisation, email=partner.email)

    assert again.status_code == 400
    assert f"{COLLEAGUE} was already invited on" in again.content.decode()
    assert member.status_code == 400
    assert "city.planner@example.org already acts for Municipal Council of Jinja." in member.content.decode()
    assert Invitation.objects.count() == 1
    assert mailoutbox == []


def test_an_invitation_is_valid_for_fourteen_days(organisation):
    invitation = InvitationFactory(organisation=organisation, email=COLLEAGUE)
    colleague = VerifiedUserFactory(email=COLLEAGUE)

    with time_machine.travel(invitation.created_at + dt.timedelta(days=13, hours=23)):
        services.invitation_accept(token=invitation.token, user=colleague)

    assert COLLEAGUE in partners_of(organisation)


def test_an_expired_invitation_can_be_sent_again(client, organisation, partner, invite):
    InvitationFactory(organisation=organisation, email=COLLEAGUE, created_at=timezone.now() - dt.timedelta(days=15))
    client.force_login(partner)

    invite(organisation)

    assert Invitation.objects.count() == 2


def test_the_invitation_email_is_sent_once_however_often_the_task_runs(organisation, partner, mailoutbox):
    invitation = InvitationFactory(organisation=organisation, invited_by=partner)

    assert tasks.send_invitation(invitation.pk, "https://portfolio.example.org/") is True
    assert tasks.send_invitation(invitation.pk, "https://portfolio.example.org/") is False

    [message] = mailoutbox
    assert f"https://portfolio.example.org/portal/organisation/invitations/{invitation.token}/" in message.body


def test_the_secretariat_sees_an_organisations_invitations_in_the_admin(staff_client, organisation):
    InvitationFactory(organisation=organisation, email=COLLEAGUE)

    page = staff_client.get(reverse("admin:members_organisation_change", args=[organisation.pk])).content.decode()

    assert COLLEAGUE in page


def test_a_newcomer_is_invited_in_the_language_of_the_colleague_who_invites_them(organisation, partner, mailoutbox):
    partner.language = "fr"
    partner.save(update_fields=["language"])
    invitation = InvitationFactory(organisation=organisation, invited_by=partner)

    tasks.send_invitation(invitation.pk, "https://portfolio.example.org/")

    [message] = mailoutbox
    assert message.subject == f"[Cities Alliance] Vous êtes invité à agir au nom de {organisation.name}"
