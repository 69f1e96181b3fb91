"""A visitor searches and filters the public project list, at desktop and phone widths and without JavaScript.
Each state of the page is checked with axe-core for serious and critical accessibility violations."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from grants.models import Project
from tests.e2e.conftest import PHONE, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)

SCROLLS_SIDEWAYS = "() => document.scrollingElement.scrollWidth > window.innerWidth"


def in_mbale() -> list[str]:
    return list(Project.objects.filter(is_public=True, cities__name="Mbale").values_list("title", flat=True))


def test_a_visitor_searches_a_city_and_narrows_to_a_country(page, live_server, demo, shot):
    titles = in_mbale()
    assert titles, "the demo portfolio works in Mbale"

    page.goto(f"{live_server.url}/projects/")
    search = page.get_by_role("search", name="Search the projects")
    search.get_by_label("Search").fill("Mbale")
    search.get_by_role("group", name="Filter the projects").get_by_label("Country").select_option(label="Uganda")
    search.get_by_role("button", name="Search").click()

    expect(page).to_have_url(re.compile(r"q=Mbale.*country=UG"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Projects matching “Mbale”, Uganda")
    expect(page).to_have_title(re.compile("^Projects matching “Mbale”, Uganda · "))
    expect(page.locator("tbody tr")).to_have_count(len(titles))
    for title in titles:
        expect(page.get_by_role("link", name=title)).to_be_visible()
    expect(search.get_by_label("Search")).to_have_value("Mbale")
    assert serious_violations(page) == []
    shot(page, "project-search-desktop")

    page.goto(f"{live_server.url}/projects/?year=abc&q=Mbale")

    expect(page.get_by_role("alert")).to_contain_text("Year: Select a valid choice. abc is not one of")
    expect(page.get_by_role("heading", level=1)).to_have_text("Projects matching “Mbale”")
    assert serious_violations(page) == []
    shot(page, "project-search-refused-year")


def test_at_phone_width_the_filters_fold_under_the_search_box_and_nothing_scrolls_sideways(
    page, live_server, demo, shot
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/projects/?q=Mbale")

    expect(page.get_by_role("heading", level=1)).to_have_text("Projects matching “Mbale”")
    search_box = page.get_by_role("searchbox", name="Search")
    expect(search_box).to_be_in_viewport()
    expect(page.get_by_label("Window")).not_to_be_visible()
    assert not page.evaluate(SCROLLS_SIDEWAYS), "the project search scrolls sideways at phone width"
    assert serious_violations(page) == []
    shot(page, "project-search-phone")

    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Status").select_option(label="Closed")
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Projects matching “Mbale”, Closed")
    expect(page.get_by_text("Filters · 1 filter set")).to_be_visible()
    assert not page.evaluate(SCROLLS_SIDEWAYS)
    assert serious_violations(page) == []
    shot(page, "project-search-phone-filtered")


def test_without_javascript_the_search_and_filters_work_as_a_plain_form(new_context, live_server, demo, shot):
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/projects/")

    page.get_by_role("searchbox", name="Search").fill("Mbale")
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Projects matching “Mbale”")
    expect(page.locator("tbody tr")).to_have_count(len(in_mbale()))
    shot(page, "project-search-no-javascript")
