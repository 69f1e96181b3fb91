"""An amendment in the browser: the grantee's partner asks for a no-cost extension on a phone, the director
approves it from the work queue in the admin, and both read the agreement's versions side by side."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from grants.models import Amendment, AmendmentStatus, PartnerRole, Project
from grants.services import TrancheSpec
from members.models import Organisation
from tests.e2e.conftest import PHONE, serious_violations
from tests.factories import GrantAgreementFactory, ProjectFactory, ProjectPartnerFactory

pytestmark = pytest.mark.django_db(transaction=True)

PARTNER = "partner@example.org"  # demo login of the Municipal Council of Jinja
DIRECTOR = "director@example.org"  # demo login of the grants committee
FITS_THE_SCREEN = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def jinja_grant(demo) -> Project:
    jinja = Organisation.objects.get(short_name="Jinja")
    project = ProjectFactory(
        code="JIN-UPG-2026",
        title="Jinja market upgrading",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2027, 6, 30),
    )
    ProjectPartnerFactory(project=project, organisation=jinja, role=PartnerRole.ACCOUNTABLE)
    GrantAgreementFactory(
        project=project,
        grantee=jinja,
        reference="GA-JIN-UPG-2026",
        signed_on=dt.date(2026, 1, 15),
        amount=Decimal("80000.00"),
        tranches=[
            TrancheSpec(dt.date(2026, 2, 1), Decimal("50000")),
            TrancheSpec(dt.date(2027, 2, 1), Decimal("30000")),
        ],
    )
    return project


def test_a_partner_asks_for_more_time_on_a_phone_and_the_director_approves(
    new_context, live_server, jinja_grant, log_in, shot
):
    partner = new_context(viewport=PHONE).new_page()
    log_in(partner, PARTNER)
    partner.goto(f"{live_server.url}/portal/")
    partner.get_by_role("link", name="Agreement and amendments of JIN-UPG-2026").click()
    expect(partner.get_by_role("heading", level=1)).to_contain_text("GA-JIN-UPG-2026")
    shot(partner, "amend-01-partner-agreement-phone")
    partner.get_by_role("link", name="No-cost extension").click()
    partner.get_by_label("Why should the agreement change?").fill("The market's relocation waits for the rains to end.")
    partner.get_by_label("New end date").fill("2027-01-31")
    partner.get_by_role("button", name="Send the request").click()
    expect(partner.locator(".form-errors, .errorlist")).to_contain_text("must be after the current end")
    shot(partner, "amend-02-partner-refused-phone")
    partner.get_by_label("New end date").fill("2027-12-31")
    partner.get_by_role("button", name="Send the request").click()
    expect(partner.locator(".messages")).to_contain_text("Your request is sent")
    expect(partner.locator('[data-amendment="1"]')).to_contain_text("Requested")
    assert partner.evaluate(FITS_THE_SCREEN)
    shot(partner, "amend-03-partner-requested-phone")

    director = new_context().new_page()
    log_in(director, DIRECTOR)
    director.goto(f"{live_server.url}/admin/")
    director.get_by_role("link", name=re.compile("Amendments to decide")).click()
    director.locator("#result_list").get_by_role("link", name=re.compile("Amendment 1 of GA-JIN-UPG-2026")).click()
    shot(director, "amend-04-admin-amendment")
    amendment = Amendment.objects.get()
    director.goto(f"{live_server.url}/admin/grants/amendment/{amendment.pk}/decide/")
    director.get_by_label(re.compile("Reason")).fill("The rains are a good reason.")
    director.get_by_role("button", name="Approve and apply").click()
    expect(director.locator(".messagelist")).to_contain_text("is approved")
    expect(director.locator('[data-table="amendments"]')).to_contain_text("Approved")
    shot(director, "amend-05-admin-record-approved")
    director.get_by_role("link", name="Versions of the agreement, side by side").click()
    expect(director.locator("td.changed")).to_have_count(1)
    shot(director, "amend-06-admin-versions")

    assert Amendment.objects.get().status == AmendmentStatus.APPROVED
    assert Project.objects.get(pk=jinja_grant.pk).end_date == dt.date(2027, 12, 31)
    partner.reload()
    expect(partner.locator('[data-amendment="1"]')).to_contain_text("Approved")
    partner.get_by_role("link", name="Every version, side by side").click()
    expect(partner.locator("td.changed")).to_have_count(1)
    shot(partner, "amend-07-partner-versions-phone")

    # The approved amendment is then signed: the partner is asked to on its home and downloads the letter; the
    # director records both signatures from the signed letter on the grant's record.
    partner.goto(f"{live_server.url}/portal/")
    todo = partner.get_by_role("link", name="Sign amendment 1 of JIN-UPG-2026")
    expect(todo).to_be_visible()
    shot(partner, "amend-08-partner-home-sign-phone")
    todo.click()
    expect(partner.locator('[data-signatures="1"]')).to_contain_text("Awaiting the signature of the grantee")
    with partner.expect_download() as download:
        partner.get_by_role("link", name="Download the amendment letter (PDF)").click()
    assert download.value.suggested_filename == "GA-JIN-UPG-2026-amendment-1.pdf"
    assert partner.evaluate(FITS_THE_SCREEN)
    assert serious_violations(partner) == []
    shot(partner, "amend-09-partner-letter-phone")

    for side, name in [("Grantee", "Grace Nakato"), ("Secretariat", "Helena Marsh")]:
        director.goto(f"{live_server.url}/admin/grants/project/{jinja_grant.pk}/record/")
        director.locator('[data-signatures="1"]').get_by_role("link", name="Record a signature").click()
        director.get_by_label("Signed for").select_option(label=side)
        director.get_by_label("Name").fill(name)
        director.get_by_role("button", name="Record the signature").click()
        expect(director.locator(".messagelist")).to_contain_text(f"The signature of {name} is recorded")
    expect(director.locator('[data-signatures="1"]')).to_contain_text("Signed by both sides on")
    shot(director, "amend-10-admin-record-signed")
    partner.goto(f"{live_server.url}/portal/")
    expect(partner.get_by_role("link", name="Sign amendment 1 of JIN-UPG-2026")).to_have_count(0)
