"""The secretariat requests a donor report in the admin: the page has no script error, its date picker
opens, and after the request a progress page follows the job until its PDF is ready, without a reload."""

from __future__ import annotations

import threading
from unittest import mock

import pytest
from playwright.sync_api import expect

from donors.models import DonorReport, ReportJobStatus
from members.models import Organisation

pytestmark = pytest.mark.django_db(transaction=True)

SECRETARIAT = "secretariat@example.org"


def test_the_secretariat_requests_a_report_since_inception_and_watches_it_being_made(
    page, live_server, demo, log_in, settings, shot
):
    settings.LONG_JOBS_IN_THREAD = True  # as without a broker: the request answers before the PDF is made
    seco = Organisation.objects.get(short_name="SECO")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            errors.append(f"{message.location.get('url')}: {message.text}") if message.type == "error" else None
        ),
    )
    release = threading.Event()

    def slow_pdf(report):
        release.wait(timeout=120)
        return b"%PDF-1.4 made in the background", 1

    log_in(page, SECRETARIAT)
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/admin/donors/donorreport/request/")
    expect(page.get_by_text("YYYY-MM-DD, or pick a day from the calendar.")).to_be_visible()

    page.locator("#calendarlink0").click()
    expect(page.locator("#calendarbox0")).to_be_visible()
    shot(page, "admin-donor-report-request-calendar")
    page.locator("#calendarbox0").get_by_role("link", name="Cancel").click()
    expect(page.locator("#calendarbox0")).to_be_hidden()

    page.locator("#id_donor").select_option(str(seco.pk))
    page.locator("#id_period_start").fill("2013-10-01")
    page.locator("#id_period_end").fill("2017-12-31")
    with mock.patch("donors.services.render_report_pdf", side_effect=slow_pdf):
        page.get_by_role("button", name="Request").click()

        report = DonorReport.objects.get(donor=seco)
        expect(page).to_have_url(f"{live_server.url}/admin/donors/donorreport/{report.pk}/progress/")
        status = page.locator("[data-role=status]")
        expect(status).to_have_text("Being made")  # the job has started and waits
        expect(page.locator("progress")).to_be_visible()
        shot(page, "admin-donor-report-being-made")

        release.set()
        expect(status).to_have_text("Ready")  # the page's script follows the job's record

    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    expect(page.locator("progress")).to_have_count(0)
    expect(page.get_by_role("link", name="Refresh")).to_have_count(0)
    shot(page, "admin-donor-report-ready")
    assert DonorReport.objects.get(pk=report.pk).status == ReportJobStatus.READY
    # The admin's pages name no icon, so the browser asks for /favicon.ico, which the site does not serve.
    assert [error for error in errors if "/favicon.ico" not in error] == []
