"""Logging in and out through the site's own pages, and reaching the secretariat's admin."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from common.money import format_money
from grants.models import Contribution

pytestmark = pytest.mark.django_db(transaction=True)

DONOR = "donor@example.org"
SECRETARIAT = "secretariat@example.org"


def test_a_wrong_password_shows_an_error_and_stays_logged_out(page, live_server, demo, log_in, shot):
    log_in(page, DONOR, "not-the-password")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("alert")).to_contain_text("correct email address and password")
    expect(page.get_by_label("Email address")).to_have_value(DONOR)
    expect(page.get_by_label("Password")).to_have_value("")
    shot(page, "login-wrong-password")

    page.goto(live_server.url)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_have_count(0)


def test_the_donor_logs_in_sees_a_log_out_button_and_logs_out(page, live_server, demo, log_in, shot):
    log_in(page, DONOR)

    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server.url)}/donors/\d+/$"))  # its donor dashboard
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Log out")).to_be_visible()
    expect(nav).to_contain_text("donor@example.org")
    expect(nav.get_by_role("link", name="Secretariat")).to_have_count(0)
    shot(page, "home-logged-in-donor")

    nav.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    expect(nav.get_by_role("button", name="Log out")).to_have_count(0)
    shot(page, "home-logged-out")


def test_the_secretariat_reaches_the_admin_and_sees_the_contributions_with_their_totals(
    page, live_server, demo, log_in, shot
):
    totals = {}
    for contribution in Contribution.objects.order_by("currency"):
        totals[contribution.currency] = totals.get(contribution.currency, 0) + contribution.amount

    log_in(page, SECRETARIAT)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Secretariat").click()

    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Portfolio administration")).to_be_visible()
    shot(page, "admin-index")

    page.get_by_role("link", name="Donor contributions", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/admin/grants/contribution/")
    results = page.locator("#result_list")
    expect(results.get_by_role("link", name="SECO-CA-PHASE-1")).to_be_visible()
    expect(results.locator("tbody tr")).to_have_count(Contribution.objects.count())
    expect(results.get_by_role("row").filter(has_text="SECO-CA-PHASE-1")).to_contain_text("CHF 4,820,000.00")
    expect(page.locator(".money-totals")).to_have_text(
        "Pledged in this selection: " + " · ".join(format_money(amount, code) for code, amount in totals.items())
    )
    shot(page, "admin-contributions")
