"""Signing up with email verification, logging in, and resetting a forgotten password."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from members.models import User
from tests.factories import OrganisationRoleFactory, VerifiedUserFactory
from tests.members.conftest import PASSWORD, link_in

pytestmark = pytest.mark.django_db


def sign_up(client, email="City.Planner@Example.org", **extra):
    data = {"full_name": "City Planner", "email": email, "password1": PASSWORD, "password2": PASSWORD, **extra}
    return client.post(reverse("account_signup"), data)


def log_in(client, email="city.planner@example.org", password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_signing_up_sends_a_verification_email_and_the_account_cannot_log_in_before_it_is_verified(client, mailoutbox):
    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get()
    assert (user.email, user.full_name) == ("city.planner@example.org", "City Planner")
    assert not is_logged_in(client)
    [message] = mailoutbox
    assert message.to == ["city.planner@example.org"]
    assert message.subject.startswith("[Cities Alliance]")
    assert link_in(message, "/accounts/confirm-email/")
    assert "Check your email" in client.get(response["Location"]).content.decode()

    client.logout()
    refused = log_in(client)

    assert refused.status_code == 302
    assert refused["Location"] == reverse("account_email_verification_sent")
    assert not is_logged_in(client)
    assert not EmailAddress.objects.filter(user=user, verified=True).exists()


def test_the_link_in_the_verification_email_confirms_the_address_and_the_account_then_logs_in(client, mailoutbox):
    sign_up(client)
    confirm_url = link_in(mailoutbox[0], "/accounts/confirm-email/")
    client.logout()

    page = client.get(confirm_url)
    assert "city.planner@example.org" in page.content.decode()
    assert client.post(confirm_url).status_code == 302

    assert EmailAddress.objects.get(email="city.planner@example.org").verified
    response = log_in(client, email="CITY.PLANNER@example.org")
    assert response.status_code == 302
    assert is_logged_in(client)
    # Acting for no organisation yet, the new account is asked to register or join one.
    assert response["Location"] == reverse("members:onboarding")
    assert "Register your organisation" in client.get(response["Location"]).content.decode()


def test_confirming_in_the_browser_that_signed_up_logs_in_and_asks_about_the_organisation(client, mailoutbox):
    sign_up(client)

    response = client.post(link_in(mailoutbox[0], "/accounts/confirm-email/"))

    assert is_logged_in(client)
    assert response["Location"] == reverse("members:onboarding")


def test_a_wrong_verification_link_confirms_nothing(client, mailoutbox):
    sign_up(client)
    confirm_url = link_in(mailoutbox[0], "/accounts/confirm-email/")

    wrong = client.get(confirm_url[:-5] + "xxxx/")

    assert "not valid" in wrong.content.decode()
    assert not EmailAddress.objects.get().verified


def test_someone_who_acts_for_an_organisation_lands_on_the_portal_home_after_logging_in(client):
    user = VerifiedUserFactory(email="city.planner@example.org")
    OrganisationRoleFactory(user=user)

    response = log_in(client)

    assert response["Location"] == reverse("grants:dashboard")


def test_signing_up_again_with_a_registered_address_creates_no_second_account(client, mailoutbox):
    VerifiedUserFactory(email="city.planner@example.org")

    sign_up(client, email="city.planner@example.org")

    assert User.objects.count() == 1
    [message] = mailoutbox
    assert "already" in message.body


def test_the_signup_form_explains_what_is_wrong(client):
    response = sign_up(client, email="not-an-address", password2="something-else")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    assert "Enter a valid email address." in page
    assert "You must type the same password each time." in page
    assert not User.objects.exists()


def test_a_forgotten_password_is_reset_with_the_emailed_link(client, mailoutbox):
    VerifiedUserFactory(email="city.planner@example.org", password="the-old-password-1")

    response = client.post(reverse("account_reset_password"), {"email": "City.Planner@example.org"})

    assert response["Location"] == reverse("account_reset_password_done")
    [message] = mailoutbox
    assert message.to == ["city.planner@example.org"]
    key_url = link_in(message, "/accounts/password/reset/key/")

    form = client.get(key_url, follow=True)
    assert "Choose a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0] if form.redirect_chain else key_url
    changed = client.post(set_url, {"password1": "a-brand-new-password-2", "password2": "a-brand-new-password-2"})

    assert changed["Location"] == reverse("account_reset_password_from_key_done")
    client.logout()
    assert log_in(client, password="the-old-password-1").status_code == 200
    assert not is_logged_in(client)
    log_in(client, password="a-brand-new-password-2")
    assert is_logged_in(client)

    reused = client.get(key_url, follow=True)
    assert "This link does not work" in reused.content.decode()


def test_a_logged_in_person_changes_their_password(client):
    user = VerifiedUserFactory(email="city.planner@example.org")
    client.force_login(user)

    page = client.get(reverse("account_change_password")).content.decode()
    assert "Current password" in page
    refused = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "a-brand-new-password-2", "password2": "a-brand-new-password-2"},
    )
    changed = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a-brand-new-password-2", "password2": "a-brand-new-password-2"},
    )

    assert "Please type your current password." in refused.content.decode()
    assert changed.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-password-2")
