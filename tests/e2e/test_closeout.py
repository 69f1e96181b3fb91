"""Closing a grant in the browser: the grants committee opens the closeout from the grant's record page, sees
every item done, and closes the project."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from grants.models import AgreementStatus, ProjectStatus
from tests.e2e.conftest import PHONE
from tests.factories import OrganisationFactory, project_at_closeout

pytestmark = pytest.mark.django_db(transaction=True)

DIRECTOR = "director@example.org"  # the demo's grants committee login


@pytest.fixture
def ready(transactional_db):
    from devtools.demo.logins import create_demo_logins

    create_demo_logins(
        host=OrganisationFactory(short_name="UNOPS"),
        donor=OrganisationFactory(short_name="SECO"),
        partner=OrganisationFactory(short_name="Jinja"),
    )
    return project_at_closeout(ready=True, code="IF-CLOSE-2019", title="Market vendors' savings groups")


def test_the_committee_closes_a_ready_grant_from_its_record_page(page, live_server, ready, log_in, shot, new_context):
    log_in(page, DIRECTOR)
    page.goto(live_server.url + reverse("admin:grants_project_record", args=[ready.pk]))
    page.get_by_role("link", name="Closeout", exact=True).click()

    checklist = page.locator("table[data-table='checklist']")
    expect(checklist.locator("tbody tr")).to_have_count(6)
    expect(checklist.get_by_text("Missing", exact=True)).to_have_count(0)
    expect(checklist.get_by_text("Done", exact=True)).to_have_count(6)
    expect(page.locator("table[data-table='tranches']")).to_contain_text("Cancelled")
    shot(page, "closeout-ready-desktop")

    page.get_by_label("Actual end date").fill("2023-03-31")
    page.get_by_label("Comment").fill("Everything received")
    page.get_by_role("button", name="Close the project").click()

    expect(page.locator(".messagelist")).to_contain_text("IF-CLOSE-2019 is closed: its ledger is locked.")
    expect(page.locator("[data-figure='status']")).to_have_text("Closed")
    expect(page.get_by_text("ledger locked")).to_be_visible()
    expect(page.get_by_role("heading", name="Reopen the project")).to_be_visible()
    expect(page.locator("#log-title + ul")).to_contain_text("Open → Closed: Everything received")
    shot(page, "closeout-closed-desktop")

    ready.refresh_from_db()
    assert (ready.status, str(ready.actual_end_date)) == (ProjectStatus.CLOSED, "2023-03-31")
    assert ready.agreement.status == AgreementStatus.CLOSED

    phone = new_context(viewport=PHONE).new_page()
    log_in(phone, DIRECTOR)
    phone.goto(live_server.url + reverse("admin:grants_project_closeout", args=[ready.pk]))
    expect(phone.locator("[data-figure='status']")).to_have_text("Closed")
    shot(phone, "closeout-closed-phone")
