"""The language switch at phone width: a visitor turns the site French from the menu, a signed-in person's choice
follows them to another browser; each page is checked with axe-core for serious and critical violations."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, serious_violations
from tests.factories import VerifiedUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-test-password"


def open_menu(page) -> None:
    menu = page.get_by_role("button", name="Menu")
    if menu.get_attribute("aria-expanded") == "false":
        menu.click()


def test_at_phone_width_the_switch_turns_the_site_french_and_follows_the_person(
    page, live_server, log_in, new_context, shot
):
    VerifiedUserFactory(email="amina@example.org")
    page.set_viewport_size(PHONE)
    log_in(page, "amina@example.org", PASSWORD)
    page.goto(f"{live_server.url}/projects/")
    open_menu(page)
    switch = page.get_by_role("button", name="Français")
    expect(switch).to_be_in_viewport()
    assert serious_violations(page) == []
    shot(page, "language-switch-english-phone")

    switch.click()

    expect(page).to_have_url(f"{live_server.url}/projects/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Projets")
    open_menu(page)
    expect(page.get_by_role("button", name="English")).to_be_in_viewport()
    assert serious_violations(page) == []
    shot(page, "language-switch-french-phone")

    elsewhere = new_context().new_page()  # another browser: no cookie, English until signed in
    elsewhere.set_viewport_size(PHONE)
    log_in(elsewhere, "amina@example.org", PASSWORD)
    elsewhere.goto(f"{live_server.url}/projects/")
    expect(elsewhere.locator("html")).to_have_attribute("lang", "fr")
    expect(elsewhere.get_by_role("heading", level=1)).to_have_text("Projets")
    shot(elsewhere, "language-remembered-at-sign-in-phone")


def test_the_secretariat_switches_the_admin_to_french(page, live_server, log_in, shot):
    VerifiedUserFactory(email="officer@example.org", is_staff=True, is_superuser=True)
    page.set_viewport_size(DESKTOP)
    log_in(page, "officer@example.org", PASSWORD)
    page.goto(f"{live_server.url}/admin/")

    page.locator("#user-tools").get_by_role("button", name="Français").click()

    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#user-tools").get_by_role("button", name="Se déconnecter")).to_be_visible()
    expect(page.locator("#user-tools").get_by_role("button", name="English")).to_be_visible()
    shot(page, "language-switch-admin-french-desktop", full_page=False)
    # The switch and the links beside it (the admin's brand mark, outside this change, has findings of its own).
    found = Axe().run(page, context="#user-tools").response["violations"]
    assert [violation["id"] for violation in found if violation["impact"] in ("serious", "critical")] == []
