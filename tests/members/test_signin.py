"""Signing in: strong passwords at every door, attempts slowed per address and account without a lockout, the
admin's login through the site's, and a second factor that staff must have."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Permission
from django.urls import reverse

from members.models import User
from tests.factories import OrganisationRoleFactory, StaffFactory, VerifiedUserFactory, totp_code, with_totp
from tests.members.conftest import PASSWORD, link_in

pytestmark = pytest.mark.django_db

EMAIL = "city.planner@example.org"
SHORT = "Kx7-wq2-Lp9"  # 11 characters, none of them a rule's target but the length
COMMON = "password1234"
NEW = "a-brand-new-password-2"


def log_in(client, email=EMAIL, password=PASSWORD, ip="192.0.2.1"):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip)


def set_up_totp(client) -> str:
    """Turn on an authenticator app for the signed-in account, confirming the password first as asked."""
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    client.post(asked["Location"], {"password": PASSWORD})
    secret = client.get(reverse("mfa_activate_totp")).context["form"].secret
    assert client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)}).status_code == 302
    return secret


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# Passwords -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (SHORT, "at least 12 characters"),
        (COMMON, "too common"),
        ("48213957602431", "entirely numeric"),
        ("city.planner.example", "too similar"),
    ],
)
def test_signing_up_refuses_a_weak_password_and_says_why(client, password, message):
    response = client.post(
        reverse("account_signup"),
        {"full_name": "City Planner", "email": EMAIL, "password1": password, "password2": password},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_changing_a_password_refuses_a_short_one(client):
    user = VerifiedUserFactory(email=EMAIL)
    client.force_login(user)

    response = client.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": SHORT, "password2": SHORT}
    )

    assert "at least 12 characters" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_reset_password_refuses_a_common_one(client, mailoutbox):
    user = VerifiedUserFactory(email=EMAIL)
    client.post(reverse("account_reset_password"), {"email": EMAIL})
    form = client.get(link_in(mailoutbox[0], "/accounts/password/reset/key/"), follow=True)

    response = client.post(form.redirect_chain[-1][0], {"password1": COMMON, "password2": COMMON})

    assert "too common" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_the_admin_refuses_a_short_password_for_a_new_user(admin_client):
    response = admin_client.post(
        reverse("admin:members_user_add"),
        {"email": EMAIL, "full_name": "City Planner", "password1": SHORT, "password2": SHORT},
    )

    assert "at least 12 characters" in response.content.decode()
    assert not User.objects.filter(email=EMAIL).exists()


def test_the_admin_refuses_a_common_password_when_it_sets_one(admin_client):
    user = VerifiedUserFactory(email=EMAIL)

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": COMMON, "password2": COMMON, "usable_password": "true"},
    )

    assert "too common" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# Rate limits ----------------------------------------------------------------------------------------------


def test_failed_logins_slow_that_address_for_that_account_but_the_owner_still_signs_in_elsewhere(client):
    VerifiedUserFactory(email=EMAIL)
    for _ in range(5):
        assert "correct email address and password" in log_in(client, password="wrong-guess-123").content.decode()

    refused = log_in(client)

    assert "Too many failed login attempts" in refused.content.decode()
    assert not is_logged_in(client)
    assert log_in(client, ip="198.51.100.7").status_code == 302
    assert is_logged_in(client)


def test_an_address_that_tries_many_accounts_is_slowed(client):
    VerifiedUserFactory(email=EMAIL)
    for n in range(10):
        log_in(client, email=f"someone{n}@example.org", password="wrong-guess-123")

    refused = log_in(client)

    assert "Too many failed login attempts" in refused.content.decode()
    assert not is_logged_in(client)


def test_signing_up_too_often_from_one_address_is_refused(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}
    for n in range(2):
        client.get(reverse("account_signup"), REMOTE_ADDR="192.0.2.1")
        data = {"full_name": "P", "email": f"p{n}@example.org", "password1": NEW, "password2": NEW}
        client.post(reverse("account_signup"), data, REMOTE_ADDR="192.0.2.1")
        client.logout()

    refused = client.post(
        reverse("account_signup"),
        {"full_name": "P", "email": "p9@example.org", "password1": NEW, "password2": NEW},
        REMOTE_ADDR="192.0.2.1",
    )

    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert User.objects.count() == 2


def test_asking_for_password_resets_too_often_is_refused(client, mailoutbox):
    VerifiedUserFactory(email=EMAIL)
    for _ in range(5):
        client.post(reverse("account_reset_password"), {"email": EMAIL}, REMOTE_ADDR="192.0.2.1")

    refused = client.post(reverse("account_reset_password"), {"email": EMAIL}, REMOTE_ADDR="192.0.2.1")

    assert refused.status_code == 429
    assert len(mailoutbox) == 5


def test_the_admin_login_goes_through_the_site_login(client):
    response = client.get("/admin/login/?next=/admin/grants/contribution/")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2Fgrants%2Fcontribution%2F"


def test_a_password_posted_to_the_admin_login_signs_no_one_in(client):
    StaffFactory(email="staff@example.org")

    response = client.post("/admin/login/", {"username": "staff@example.org", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not is_logged_in(client)


# Two-factor authentication --------------------------------------------------------------------------------


@pytest.fixture
def staff(settings):
    settings.MFA_REQUIRED_FOR_STAFF = True
    user = StaffFactory(email="staff@example.org")
    VerifiedUserFactory(email=user.email)  # the same user, with a verified address
    return user


def test_staff_without_an_authenticator_are_sent_to_set_one_up_before_any_admin_page(client, staff):
    log_in(client, email=staff.email)

    response = client.get("/admin/grants/contribution/")

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # Setting up a second factor first asks for the password again (allauth's reauthentication).
    asked = client.get(response["Location"], follow=True).content.decode()
    assert "Staff accounts need two-factor authentication" in asked
    assert 'name="password"' in asked
    assert client.get(reverse("account_change_password")).status_code == 200
    assert client.post(reverse("account_logout")).status_code == 302


def test_staff_set_up_an_authenticator_and_then_reach_the_admin(client, staff):
    log_in(client, email=staff.email)
    assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")

    set_up_totp(client)

    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert client.get("/admin/").status_code == 200


def test_without_the_setting_staff_reach_the_admin_without_an_authenticator(client, staff, settings):
    settings.MFA_REQUIRED_FOR_STAFF = False
    client.force_login(staff)

    assert client.get("/admin/").status_code == 200


def test_a_partner_without_an_authenticator_is_not_asked_for_one(client, staff):
    client.force_login(VerifiedUserFactory(email=EMAIL))

    assert client.get(reverse("home")).status_code == 200


def test_with_an_authenticator_the_login_asks_for_its_code_and_accepts_it(client, staff):
    secret = with_totp(staff)

    asked = log_in(client, email=staff.email)

    assert asked["Location"] == reverse("mfa_authenticate")
    assert not is_logged_in(client)
    page = client.get(asked["Location"]).content.decode()
    assert "Two-factor authentication" in page
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000" if totp_code(secret) != "000000" else "1"})
    assert not is_logged_in(client)
    assert "Incorrect code" in wrong.content.decode()

    client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})

    assert is_logged_in(client)
    assert client.get("/admin/").status_code == 200


def test_anyone_may_set_up_an_authenticator_and_is_then_asked_for_its_code(client):
    OrganisationRoleFactory(user=VerifiedUserFactory(email=EMAIL))
    log_in(client)
    account = client.get(reverse("members:organisation-list")).content.decode()
    assert reverse("mfa_index") in account
    assert "Authenticator App" in client.get(reverse("mfa_index")).content.decode()
    set_up_totp(client)
    client.logout()

    assert log_in(client)["Location"] == reverse("mfa_authenticate")


def test_a_staff_member_with_the_permission_revokes_another_users_token_in_the_admin(client, settings):
    from rest_framework.authtoken.models import Token

    owner = VerifiedUserFactory(email=EMAIL)
    token = Token.objects.create(user=owner)
    officer = StaffFactory(email="officer@example.org", is_superuser=False)
    client.force_login(officer)
    url = reverse("admin:authtoken_tokenproxy_delete", args=[owner.pk])
    assert client.get(url).status_code == 403

    officer.user_permissions.add(*Permission.objects.filter(codename__in=["view_tokenproxy", "delete_tokenproxy"]))
    listing = client.get(reverse("admin:authtoken_tokenproxy_changelist")).content.decode()
    assert f"…{token.key[-4:]}" in listing
    assert token.key not in listing
    client.post(url, {"post": "yes"})

    assert not Token.objects.filter(user=owner).exists()
