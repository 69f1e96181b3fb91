"""Sessions and API tokens end with the password or the account; tokens expire; owners see, make and revoke
theirs."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import StaffFactory, VerifiedUserFactory
from tests.members.conftest import PASSWORD, link_in

pytestmark = pytest.mark.django_db

EMAIL = "city.planner@example.org"
NEW = "a-brand-new-password-2"
TOKEN_URL = "/api/v1/me/token/"


@pytest.fixture
def user():
    return VerifiedUserFactory(email=EMAIL)


def token_client(token: Token) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def signed_in(client) -> bool:
    return client.get(reverse("account_change_password")).status_code == 200


def test_changing_the_password_ends_the_other_sessions_and_the_tokens_but_keeps_this_session(client, user):
    token = Token.objects.create(user=user)
    elsewhere = type(client)()
    elsewhere.force_login(user)
    client.force_login(user)

    client.post(reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": NEW, "password2": NEW})

    assert signed_in(client)
    assert not signed_in(elsewhere)
    assert not Token.objects.filter(user=user).exists()
    assert token_client(token).get(TOKEN_URL).status_code == 401


def test_a_reset_password_ends_the_tokens(client, user, mailoutbox):
    Token.objects.create(user=user)
    client.post(reverse("account_reset_password"), {"email": EMAIL})
    form = client.get(link_in(mailoutbox[0], "/accounts/password/reset/key/"), follow=True)

    client.post(form.redirect_chain[-1][0], {"password1": NEW, "password2": NEW})

    assert not Token.objects.filter(user=user).exists()


def test_a_password_set_in_the_admin_ends_the_tokens(admin_client, user):
    Token.objects.create(user=user)

    admin_client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )

    user.refresh_from_db()
    assert user.check_password(NEW)
    assert not Token.objects.filter(user=user).exists()


def test_an_account_deactivated_in_the_admin_loses_its_sessions_and_tokens(admin_client, client, user):
    token = Token.objects.create(user=user)
    client.force_login(user)
    change = reverse("admin:members_user_change", args=[user.pk])
    form = admin_client.get(change).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in {"groups", "user_permissions"}}
    data.update({"is_active": "", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"})
    data.update({f"organisation_roles-{k}": v for k, v in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()})

    assert admin_client.post(change, data).status_code == 302

    user.refresh_from_db()
    assert not user.is_active
    assert not signed_in(client)
    assert not Token.objects.filter(user=user).exists()
    assert token_client(token).get(TOKEN_URL).status_code == 401


def test_the_token_of_an_inactive_account_is_refused(user):
    user.is_active = False
    user.save()
    token = Token.objects.create(user=user)  # made behind the site's back

    response = token_client(token).get(TOKEN_URL)

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "User inactive or deleted."


def test_a_token_expires_after_the_configured_days_with_a_clear_message(user, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC), tick=False):
        token = Token.objects.create(user=user)
    api = token_client(token)

    with time_machine.travel(dt.datetime(2026, 3, 31, 11, tzinfo=dt.UTC), tick=False):
        assert api.get(TOKEN_URL).status_code == 200
    with time_machine.travel(dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC), tick=False):
        expired = api.get(TOKEN_URL)

    assert expired.status_code == 401
    assert expired.json()["error"]["message"] == (
        "This token expired on 31 Mar 2026; sign in and make a new one at /api/v1/me/token/."
    )


def test_a_signed_in_user_makes_sees_and_revokes_their_token(client, user):
    client.force_login(user)
    assert client.get(TOKEN_URL).status_code == 404

    made = client.post(TOKEN_URL)

    assert made.status_code == 201
    key = made.json()["key"]
    assert Token.objects.get(user=user).key == key
    seen = token_client(Token.objects.get()).get(TOKEN_URL).json()
    assert seen["key_ends"] == key[-4:]
    assert "key" not in seen
    assert seen["expires"] > seen["created"]

    assert client.delete(TOKEN_URL).status_code == 204
    assert not Token.objects.exists()


def test_a_new_token_replaces_the_old_one(client, user):
    old = Token.objects.create(user=user)
    client.force_login(user)

    client.post(TOKEN_URL)

    assert Token.objects.filter(user=user).count() == 1
    assert token_client(old).get(TOKEN_URL).status_code == 401


def test_a_token_cannot_make_a_new_token(user):
    token = Token.objects.create(user=user)

    response = token_client(token).post(TOKEN_URL)

    assert response.status_code == 403
    assert Token.objects.get(user=user) == token


def test_a_token_revokes_itself(user):
    token = Token.objects.create(user=user)

    assert token_client(token).delete(TOKEN_URL).status_code == 204
    assert not Token.objects.exists()


def test_anonymous_visitors_have_no_token_to_see(client):
    assert client.get(TOKEN_URL).status_code == 401


def test_making_tokens_is_throttled_per_address(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": "2/hour"},
    }
    for email in ("a@example.org", "b@example.org"):
        client.force_login(StaffFactory(email=email))
        assert client.post(TOKEN_URL, REMOTE_ADDR="192.0.2.1").status_code == 201

    refused = client.post(TOKEN_URL, REMOTE_ADDR="192.0.2.1")

    assert refused.status_code == 429
    assert client.post(TOKEN_URL, REMOTE_ADDR="198.51.100.7").status_code == 201
