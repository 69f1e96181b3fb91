"""French and English: the switch in every page's header, the choice kept on the user's account, and pages,
money and dates in the active language."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from members.models import User
from tests.factories import ProjectFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

EN_DASH = "\u2013"

NNBSP, NBSP = "\u202f", "\xa0"  # French groups thousands with a narrow no-break space


def lang_of(response) -> str:
    return re.search(r'<html lang="([a-z-]+)"', response.content.decode()).group(1)


def switch(client: Client, language: str, next_url: str = "/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_every_page_offers_the_other_language_as_a_form_that_needs_no_script(client):
    page = client.get(reverse("grants:project-list")).content.decode()

    form = re.search(
        r'<form method="post" action="/i18n/setlang/" class="[^"]*language-switcher">.*?</form>', page, re.S
    )
    assert form, "no language switch in the header"
    assert 'name="csrfmiddlewaretoken"' in form.group(0)
    assert '<input type="hidden" name="next" value="/projects/">' in form.group(0)
    assert 'name="language" value="fr" lang="fr"' in form.group(0) and "Français" in form.group(0)


def test_switching_answers_the_page_in_french_and_keeps_the_choice_for_the_next_sign_in(client):
    user = UserFactory(email="amina@example.org")
    client.force_login(user)

    response = switch(client, "fr", "/projects/")

    assert response.status_code == 302 and response["Location"] == "/projects/"
    user.refresh_from_db()
    assert user.language == "fr"
    page = client.get("/projects/")
    assert lang_of(page) == "fr"
    assert ">Projets<" in page.content.decode()
    assert "English" in page.content.decode()  # the way back, named in its own language

    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en")  # another browser: no cookie, asks for English
    elsewhere.force_login(User.objects.get(pk=user.pk))
    page = elsewhere.get("/projects/")
    assert lang_of(page) == "fr"
    assert page.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"  # kept after signing out there too


def test_a_visitor_switches_with_the_cookie_alone(client):
    switch(client, "fr")

    assert lang_of(client.get("/")) == "fr"
    assert not User.objects.exclude(language="").exists()


def test_an_unknown_language_changes_nothing(client):
    user = UserFactory()
    client.force_login(user)

    response = switch(client, "xx")

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == ""
    assert lang_of(client.get("/")) == "en"


def test_the_switch_is_posted_never_followed_as_a_link(client):
    assert client.get(reverse("set_language"), {"language": "fr"}).status_code == 405


def test_the_admin_offers_the_switch_and_keeps_the_choice_of_staff(client):
    staff = StaffFactory()
    client.force_login(staff)

    page = client.get(reverse("admin:index")).content.decode()
    assert 'class="inline-form language-switcher"' in page

    switch(client, "fr", reverse("admin:index"))
    staff.refresh_from_db()
    assert staff.language == "fr"
    assert lang_of(client.get(reverse("admin:index"))) == "fr"


def test_a_french_page_writes_money_dates_and_numbers_the_french_way(client):
    ProjectFactory(
        code="TST-SEN-2024",
        approved_budget=Decimal("1250000"),
        currency="USD",
        start_date=dt.date(2024, 3, 1),
        end_date=dt.date(2026, 12, 31),
        summary_en="Upgrading the informal settlements of Dakar.",
        summary_fr="Amélioration des quartiers informels de Dakar.",
    )
    url = reverse("grants:project-detail", args=["TST-SEN-2024"])
    switch(client, "fr")

    page = client.get(url).content.decode()

    assert "Budget approuvé" in page
    assert f"USD{NBSP}1{NNBSP}250{NNBSP}000" in page
    assert f"1 mars 2024 {EN_DASH} 31 décembre 2026" in page
    assert "Amélioration des quartiers informels de Dakar." in page

    english = Client().get(url).content.decode()
    assert "Approved budget" in english and f"USD{NBSP}1,250,000" in english
    assert f"1 Mar 2024 {EN_DASH} 31 Dec 2026" in english
    assert "Upgrading the informal settlements of Dakar." in english


def test_a_text_not_yet_translated_shows_in_english_on_a_french_page(client):
    ProjectFactory(code="TST-KEN-2024", summary="Water and sanitation in Nairobi.")
    switch(client, "fr")

    response = client.get(reverse("grants:project-detail", args=["TST-KEN-2024"]))

    assert lang_of(response) == "fr"
    assert "Water and sanitation in Nairobi." in response.content.decode()
