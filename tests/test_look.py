"""One look: the admin wears the site's identity; money and dates are written one way, in the active
language; typed dates are ISO only; the header folds on a phone and wide tables scroll in a region."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from common.money import format_money
from grants.models import AccountingPeriod
from members.roles import FINANCE_OFFICER
from tests.factories import ContributionFactory, staff_in_role

pytestmark = pytest.mark.django_db


def test_every_admin_page_has_the_partnerships_stylesheet_icon_and_mark(staff_client):
    for url in (reverse("admin:index"), reverse("admin:grants_project_changelist")):
        page = staff_client.get(url).content.decode()
        assert "css/admin-theme.css" in page
        assert 'rel="icon"' in page and "img/favicon" in page
        assert 'class="brand-mark"' in page


def test_the_public_pages_have_a_menu_button_that_controls_the_navigation(client):
    page = client.get(reverse("home")).content.decode()
    assert 'class="nav-toggle" aria-expanded="true" aria-controls="site-nav"' in page
    assert 'id="site-nav"' in page
    assert "js/site-nav.js" in page


@pytest.mark.parametrize(
    ("language", "written", "whole"),
    [
        ("en", "USD\xa01,250,000.50", "CHF\xa01,250,001"),
        ("fr", "USD\xa01\u202f250\u202f000,50", "CHF\xa01\u202f250\u202f001"),
    ],
)
def test_money_is_written_in_the_active_language(language, written, whole):
    with translation.override(language):
        assert format_money(Decimal("1250000.50"), "USD") == written
        assert format_money(Decimal("1250000.60"), "CHF", whole=True) == whole


@pytest.mark.parametrize(("language", "written"), [("en", "4 Dec 2026"), ("fr", "4 décembre 2026")])
def test_dates_are_written_in_the_active_language_the_same_way_in_templates(language, written):
    with translation.override(language):
        rendered = Template("{{ day|date }}|{{ day|date:'DATE_FORMAT' }}").render(
            Context({"day": dt.date(2026, 12, 4)})
        )
    assert rendered == f"{written}|{written}"


def test_the_home_page_in_french_writes_its_money_the_french_way(client):
    ContributionFactory(amount=Decimal("1234567.00"), currency="USD")
    page = client.get(reverse("home"), headers={"accept-language": "fr"}).content.decode()
    assert "USD\xa01\u202f234\u202f567" in page


def test_a_typed_date_that_is_not_iso_is_refused_and_nothing_is_saved(client):
    client.force_login(staff_in_role(FINANCE_OFFICER))
    url = reverse("admin:grants_accountingperiod_add")
    response = client.post(url, {"name": "FY2026", "start_date": "01/12/2026", "end_date": "2026-12-31"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()
    assert not AccountingPeriod.objects.exists()
    response = client.post(url, {"name": "FY2026", "start_date": "2026-01-12", "end_date": "2026-12-31"})
    assert response.status_code == 302
    assert AccountingPeriod.objects.get().start_date == dt.date(2026, 1, 12)
