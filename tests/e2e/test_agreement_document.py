"""The grant agreement in the browser: the grantee opens it on a phone and downloads the PDF; the grants committee
records the grantee's signature in the admin, after which the agreement is signed by both sides."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from devtools.demo.agreements import AWAITING_CODE
from grants.models import GrantAgreement
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_grantee_opens_its_agreement_on_a_phone_and_downloads_the_pdf(new_context, live_server, demo, log_in, shot):
    page = new_context(viewport=PHONE).new_page()
    log_in(page, "partner@example.org")
    page.goto(f"{live_server.url}/portal/")

    page.get_by_role("link", name=f"GA-{AWAITING_CODE}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Grant agreement GA-{AWAITING_CODE}")
    expect(page.get_by_text("Awaiting signatures", exact=True)).to_be_visible()
    expect(page.get_by_text("Waiting for the signature of the grantee.")).to_be_visible()
    expect(page.get_by_text("Helena Marsh, Head of Programmes")).to_be_visible()
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")
    shot(page, "agreement-portal-phone")
    link = page.get_by_role("link", name="Download the PDF (French)")
    with page.expect_download() as download:
        link.click()
    # The file as the browser receives it, read through the page's own session.
    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")

    assert download.value.suggested_filename == f"GA-{AWAITING_CODE}-fr.pdf"
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(response.body())).pages)
    assert "Accord de subvention" in text and "trois cent mille dollars des États-Unis" in " ".join(text.split())


def test_the_grants_committee_records_the_grantees_signature_in_the_admin(page, live_server, demo, log_in, shot):
    agreement = GrantAgreement.objects.get(project__code=AWAITING_CODE)
    log_in(page, "director@example.org")
    page.goto(f"{live_server.url}/admin/grants/grantagreement/{agreement.pk}/change/")
    expect(page.get_by_text("Nothing is paid under this agreement before both sides have signed.")).to_be_visible()
    expect(page.get_by_role("link", name="Agreement document (PDF)")).to_be_visible()
    shot(page, "agreement-admin-awaiting")

    page.get_by_role("link", name="Record a signature").click()
    page.get_by_label("Signed for").select_option("partner")
    page.get_by_label("Name").fill("Grace Nakato")
    page.get_by_label("Title").fill("Town Clerk, Jinja")
    page.get_by_role("button", name="Record the signature").click()

    expect(page.get_by_text(f"GA-{AWAITING_CODE}: Signed by both sides.")).to_be_visible()
    shot(page, "agreement-admin-signed")
    agreement.refresh_from_db()
    assert agreement.is_fully_signed
