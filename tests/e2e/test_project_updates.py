"""Project updates in the browser, at desktop and phone widths: a partner posts an update with a photo from the
portal, the programme officer finds it in the work queue and publishes it, and the public sees it on the project's
page and in the updates feed. Pages are checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from grants.models import ProjectUpdate, UpdateStatus
from tests.e2e.conftest import DESKTOP, PHONE, serious_violations
from tests.grants.test_updates import jpeg_with_gps

pytestmark = pytest.mark.django_db(transaction=True)

PARTNER = "partner@example.org"  # demo login of the Municipal Council of Jinja
OFFICER = "programme@example.org"  # demo login of a programme officer
PROJECT = "CUF-UGA-2016"  # Jinja's published Community Upgrading Fund project
FITS_THE_SCREEN = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_partner_posts_an_update_with_a_photo_staff_publish_it_and_the_public_sees_it(
    new_context, live_server, demo, log_in, shot, width
):
    viewport = PHONE if width == "phone" else DESKTOP
    partner = new_context(viewport=viewport).new_page()
    log_in(partner, PARTNER)
    partner.goto(f"{live_server.url}/portal/")
    partner.get_by_role("link", name=f"Updates on {PROJECT}").click()
    expect(partner.get_by_role("heading", level=1)).to_contain_text(f"Updates · {PROJECT}")
    assert serious_violations(partner) == []
    partner.get_by_label("Title").fill("New footbridge over the Masese channel")
    partner.get_by_label("What happened").fill("Children now cross the channel safely on their way to school.")
    partner.get_by_label("Photo 1", exact=True).set_input_files(
        {"name": "bridge.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps(2400, 1600)}
    )
    partner.get_by_label("What photo 1 shows").fill("Children crossing the new footbridge")
    shot(partner, f"updates-01-partner-writes-{width}")
    partner.get_by_role("button", name="Send to the secretariat").click()
    expect(partner.locator(".messages")).to_contain_text("Your update is sent")
    expect(partner.locator(".update-states")).to_contain_text("Waiting for moderation")
    assert partner.evaluate(FITS_THE_SCREEN)
    assert serious_violations(partner) == []
    shot(partner, f"updates-02-partner-waits-{width}")
    stored = ProjectUpdate.objects.get().photos.get()
    assert (stored.width, stored.height) == (1600, 1067)

    officer = new_context(viewport=viewport).new_page()
    log_in(officer, OFFICER)
    officer.goto(f"{live_server.url}/admin/")
    officer.get_by_role("link", name="Project updates to moderate").click()
    officer.get_by_role("link", name="New footbridge over the Masese channel").click()
    expect(officer.locator("#photos img")).to_have_attribute("alt", "Children crossing the new footbridge")
    shot(officer, f"updates-03-officer-reads-{width}")
    officer.get_by_role("button", name="Publish").click()
    expect(officer.locator(".messagelist")).to_contain_text("is published")
    assert ProjectUpdate.objects.get().status == UpdateStatus.PUBLISHED

    public = new_context(viewport=viewport).new_page()
    public.goto(f"{live_server.url}/projects/{PROJECT}/")
    updates = public.locator("#updates")
    expect(updates.get_by_role("heading", name="New footbridge over the Masese channel")).to_be_visible()
    photo = updates.get_by_role("img", name="Children crossing the new footbridge")
    expect(photo).to_be_visible()
    assert public.evaluate("(img) => img.naturalWidth", photo.element_handle()) == 480
    assert public.evaluate(FITS_THE_SCREEN)
    assert serious_violations(public) == []
    shot(public, f"updates-04-project-page-{width}")
    public.goto(f"{live_server.url}/updates/")
    expect(public.get_by_role("heading", level=2, name="New footbridge over the Masese channel")).to_be_visible()
    expect(public.get_by_role("link", name=re.compile(PROJECT))).to_be_visible()
    assert public.evaluate(FITS_THE_SCREEN)
    assert serious_violations(public) == []
    shot(public, f"updates-05-feed-{width}")
