"""The maps in a browser: the public map and a donor's, filtered, readable at desktop and phone widths."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from grants.selectors.maps import MapFilter, portfolio_map
from tests.e2e.conftest import PHONE, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)

SCROLLS_SIDEWAYS = "() => document.scrollingElement.scrollWidth > window.innerWidth"


def test_a_visitor_opens_the_map_from_the_menu_and_filters_it_by_window(page, live_server, demo, shot):
    everything = portfolio_map(MapFilter())
    assert len(everything.countries) >= 4 and everything.cities, "the demo commits money in several countries"

    page.goto(live_server.url)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Map").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Where the money goes")
    expect(page.get_by_role("img", name="Map of committed money by country")).to_be_visible()
    expect(page.locator(".map-bubbles circle")).to_have_count(len(everything.countries))
    expect(page.locator(".map-cities circle")).to_have_count(sum(1 for city in everything.cities if city.is_located))
    table = page.get_by_role("table", name="Committed money by country")
    expect(table.locator("tbody tr")).to_have_count(len(everything.countries) + (1 if everything.unplaced else 0))
    assert serious_violations(page) == []
    shot(page, "map-desktop")

    page.get_by_label("Window").select_option(label="Global Window")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(f"{live_server.url}/map/?window=global&year=#map")
    expect(page.get_by_label("Window")).to_have_value("global")
    global_only = portfolio_map(MapFilter(window=_window("global")))
    expect(table.locator("tbody tr")).to_have_count(
        len(global_only.countries) + (1 if global_only.unplaced else 0) or 0
    )
    shot(page, "map-global-window")


def _window(code: str):
    from grants.models import FundingWindow

    return FundingWindow.objects.get(code=code)


def test_the_map_fits_a_phone_and_its_table_follows_it(new_context, live_server, demo, shot):
    page = new_context(viewport=PHONE).new_page()

    page.goto(f"{live_server.url}/map/")

    expect(page.get_by_role("img", name="Map of committed money by country")).to_be_visible()
    assert not page.evaluate(SCROLLS_SIDEWAYS)
    # The map keeps a readable size and scrolls sideways in its own frame, which fits the screen.
    frame = page.get_by_role("region", name="Map, scrolls sideways on a small screen").bounding_box()
    assert frame["width"] <= PHONE["width"] < page.locator("svg.map").bounding_box()["width"]
    assert serious_violations(page) == []
    shot(page, "map-phone")


def test_a_donor_sees_the_map_of_what_it_funds_on_its_dashboard(new_context, live_server, demo, log_in, shot):
    for name, viewport in (("desktop", None), ("phone", PHONE)):
        page = new_context(**({"viewport": viewport} if viewport else {})).new_page()
        log_in(page, "donor@example.org")

        section = page.locator("#map")
        expect(section.get_by_role("heading", name="Map of what you fund")).to_be_visible()
        expect(section.get_by_role("img", name="Map of your allocations by country")).to_be_visible()
        expect(section.get_by_role("table", name="Your allocations by country")).to_be_visible()
        expect(section.locator("tbody tr").first).to_be_visible()
        assert not page.evaluate(SCROLLS_SIDEWAYS)
        assert serious_violations(page) == []
        section.scroll_into_view_if_needed()
        shot(page, f"donor-map-{name}")
