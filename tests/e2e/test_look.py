"""One look in the browser: the header folds behind a Menu button on a phone, the admin wears the site's
colours, and a wide table scrolls inside its region at desktop and phone widths instead of being clipped."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from devtools.demo.results import load_demo_results
from members.models import Organisation
from tests.e2e.conftest import PHONE
from tests.e2e.snapshots import loaded

pytestmark = pytest.mark.django_db(transaction=True)

WIDE_RESULTS_PROJECT = "CP-UGA-2014"  # a results table with money per year: wider than the page


def test_on_a_phone_the_header_folds_behind_a_menu_button(new_context, live_server, demo, log_in, shot):
    page = new_context(viewport=PHONE).new_page()
    log_in(page, "donor@example.org")
    menu = page.get_by_role("button", name="Menu")
    navigation = page.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(navigation).to_be_hidden()
    shot(page, "look-phone-header-folded", full_page=False)

    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(navigation.get_by_role("link", name="Projects")).to_be_visible()
    expect(navigation.get_by_role("button", name="Log out")).to_be_visible()
    shot(page, "look-phone-header-open", full_page=False)


def test_on_a_desktop_the_navigation_shows_without_a_menu_button(page, live_server, demo, log_in):
    log_in(page, "donor@example.org")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects")).to_be_visible()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"])
def test_a_wide_results_table_scrolls_in_its_region_and_the_page_does_not(
    new_context, live_server, demo, log_in, shot, viewport
):
    loaded("demo results", load_demo_results)
    seco = Organisation.objects.get(short_name="SECO")
    page = new_context(viewport=viewport).new_page()
    log_in(page, "donor@example.org")
    page.goto(f"{live_server.url}/donors/{seco.pk}/projects/{WIDE_RESULTS_PROJECT}/")
    regions = page.locator(".table-scroll")
    widths = regions.evaluate_all("rs => rs.map(r => [r.scrollWidth, r.clientWidth, getComputedStyle(r).overflowX])")
    assert any(scroll > client for scroll, client, _ in widths), "no table is wider than its region here"
    assert all(overflow == "auto" for _, _, overflow in widths)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    wide = regions.nth(next(i for i, (scroll, client, _) in enumerate(widths) if scroll > client))
    wide.evaluate("r => r.scrollLeft = r.scrollWidth")
    assert wide.evaluate("r => r.scrollLeft") > 0
    shot(page, f"look-wide-table-{viewport['width']}")


def test_the_admin_wears_the_partnerships_header(page, live_server, demo, log_in, shot):
    log_in(page, "secretariat@example.org")
    page.goto(f"{live_server.url}/admin/")
    header = page.locator("#header")
    assert header.evaluate("h => getComputedStyle(h).backgroundColor") == "rgb(11, 79, 138)"
    expect(page.locator("#site-name .brand-mark")).to_have_text("CA")
    shot(page, "look-admin-home", full_page=False)
