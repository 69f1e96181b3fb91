"""Phone-width layout and keyboard use."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

SCROLLS_SIDEWAYS = "() => document.scrollingElement.scrollWidth > window.innerWidth"


def test_at_phone_width_the_pages_do_not_scroll_sideways_and_the_navigation_is_reachable(page, live_server, demo, shot):
    page.set_viewport_size(PHONE)
    page.goto(live_server.url)

    assert not page.evaluate(SCROLLS_SIDEWAYS), "the home page scrolls sideways at phone width"
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_be_in_viewport()
    menu.click()
    nav = page.get_by_role("navigation", name="Main")
    projects = nav.get_by_role("link", name="Projects")
    expect(projects).to_be_in_viewport()
    expect(nav.get_by_role("link", name="Log in")).to_be_in_viewport()
    shot(page, "home-phone")

    projects.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Projects")
    assert not page.evaluate(SCROLLS_SIDEWAYS), "the projects list scrolls sideways at phone width"
    shot(page, "projects-phone")

    page.goto(f"{live_server.url}/projects/CP-UGA-2014/")
    assert not page.evaluate(SCROLLS_SIDEWAYS), "a project page scrolls sideways at phone width"
    shot(page, "project-cp-uga-2014-phone")


def test_tab_from_the_top_focuses_the_skip_link_first(page, live_server, demo, shot):
    page.goto(live_server.url)

    page.keyboard.press("Tab")

    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    shot(page, "home-skip-link-focused")

    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"#content$"))


def test_the_login_fields_have_labels(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")

    email = page.get_by_label("Email address")
    expect(email).to_have_attribute("type", "email")
    expect(email).to_be_focused()
    expect(page.get_by_label("Password")).to_have_attribute("type", "password")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
