"""The donor side in the browser: the demo donor logs in to its dashboard, reads its figures and charts,
downloads a CSV, filters and sorts its projects, drills into one, requests a PDF report and downloads it;
the same pages at phone width; and a report's status changing on the page without a reload."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from common.money import format_money
from devtools.demo.results import load_demo_results
from donors import selectors
from donors.models import DonorReport, ReportJobStatus
from members.models import Organisation
from tests.e2e.conftest import PHONE, TIMEOUT, serious_violations
from tests.e2e.snapshots import loaded

pytestmark = pytest.mark.django_db(transaction=True)

DONOR = "donor@example.org"  # demo login of SECO
PROJECT = "JWP-GLB-2022"  # funded by SECO, in Ghana and Uganda, with tranches, payments and results
FITS_THE_SCREEN = "() => document.documentElement.scrollWidth <= window.innerWidth"
REPORT_TIMEOUT = 2 * TIMEOUT  # the live server makes the PDF in the request (eager Celery)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Reports go to a temporary folder, not the development site's var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def seco(demo) -> Organisation:
    loaded("demo results", load_demo_results)
    return Organisation.objects.get(short_name="SECO")


def codes_listed(page) -> list[str]:
    return page.locator("tbody tr[data-project]").evaluate_all("rows => rows.map(row => row.dataset.project)")


def tab(page, name: str):
    return page.get_by_role("navigation", name="Donor pages").get_by_role("link", name=name, exact=True)


def log_in_to_the_dashboard(page, live_server, log_in, seco, shot) -> None:
    log_in(page, DONOR)

    expect(page).to_have_url(f"{live_server.url}/donors/{seco.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(seco.name)
    totals = selectors.donor_figures(seco, quote="CHF").totals  # SECO pledges in CHF: its pages are in CHF
    for name, amount in [
        ("pledged", totals.pledged),
        ("received", totals.received),
        ("allocated", totals.allocated),
        ("disbursed", totals.disbursed),
        ("balance", totals.balance),
    ]:
        expect(page.locator(f"[data-figure={name}]")).to_have_text(format_money(amount, "CHF", whole=True))
    expect(page.locator("[data-figure=projects]")).to_have_text("4")
    expect(page.locator("tr[data-contribution='SECO-CA-PHASE-1']")).to_contain_text("CHF\xa04,820,000")
    charts = page.locator("section[aria-labelledby=where-title] svg[role=img]")
    expect(charts).to_have_count(5)  # by window, facility, theme, country and year
    expect(page.get_by_role("img", name="Disbursed by country")).to_be_visible()
    by_country = page.get_by_role("region", name="By Country CSV")
    expect(by_country.get_by_role("rowheader", name="Ghana")).to_be_visible()
    shot(page, "donor-01-dashboard")


def download_a_csv(page) -> None:
    contributions = page.locator("section[aria-labelledby=contributions-title]")
    with page.expect_download() as download_info:
        contributions.get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("contributions-")
    content = Path(download.path()).read_text(encoding="utf-8")
    assert content.splitlines()[0].startswith("reference,currency,pledged,received")
    assert "SECO-CA-PHASE-1,CHF,4820000.00" in content


def filter_and_sort_the_projects(page, live_server, seco, shot) -> None:
    tab(page, "Projects").click()

    expect(page).to_have_url(f"{live_server.url}/donors/{seco.pk}/projects/")
    assert codes_listed(page) == ["JWP-GLB-2022", "CP-VNM-2015", "CP-GHA-2014", "CP-UGA-2014"]  # newest first
    shot(page, "donor-02-projects")

    page.get_by_label("Country").select_option(label="Ghana")
    page.get_by_label("Sort by").select_option(label="Code")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(re.compile(r"country=GH.*ordering=code"))
    expect(page.get_by_text("2 projects")).to_be_visible()
    assert codes_listed(page) == ["CP-GHA-2014", "JWP-GLB-2022"]
    expect(page.get_by_label("Country")).to_have_value("GH")  # the form keeps what was chosen
    shot(page, "donor-03-projects-in-ghana")

    page.get_by_label("Sort by").select_option(label="Code (descending)")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"ordering=-code"))
    assert codes_listed(page) == ["JWP-GLB-2022", "CP-GHA-2014"]

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as CSV").click()
    rows = Path(download_info.value.path()).read_text(encoding="utf-8").splitlines()
    assert [row.split(",")[0] for row in rows] == ["code", "JWP-GLB-2022", "CP-GHA-2014"]


def drill_into_a_project(page, live_server, seco, shot) -> None:
    page.get_by_role("link", name=PROJECT, exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/donors/{seco.pk}/projects/{PROJECT}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Joint Work Programme: Secondary Cities and Migration")
    partners = page.locator("section[aria-labelledby=partners-title]")
    expect(partners.get_by_role("listitem").filter(has_text="Municipal Council of Jinja")).to_have_text(
        "Municipal Council of Jinja · Implementing"
    )
    expect(partners).to_contain_text("CH-CA-2023 · CHF\xa0150,000.00")  # the donor's own allocation
    where = page.locator("section[aria-labelledby=where-title]")
    expect(where).to_contain_text("Ghana")
    expect(where).to_contain_text("Uganda")
    expect(where.get_by_role("heading", name="Cities")).to_be_visible()
    expect(page.get_by_role("heading", name="Tranches")).to_be_visible()
    expect(page.locator("section[aria-labelledby=tranches-title] tbody tr").first).to_be_visible()
    payments = page.locator("section[aria-labelledby=payments-title] tbody tr")
    expect(payments.filter(has_text="Disbursement").first).to_be_visible()
    expect(page.get_by_role("region", name="Results", exact=True)).to_be_visible()
    expect(page.locator("tr[data-indicator='CAP-3']").first).to_be_visible()
    shot(page, "donor-04-project")


def request_and_download_a_report(page, live_server, seco, shot) -> None:
    page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="Projects").click()
    expect(tab(page, "Projects")).to_have_attribute("aria-current", "page")
    tab(page, "Reports").click()
    expect(page).to_have_url(f"{live_server.url}/donors/{seco.pk}/reports/")
    shot(page, "donor-05-reports")

    page.get_by_label("From").fill("2022-01-01")
    page.get_by_label("To").fill("2022-12-31")
    page.get_by_role("button", name="Request a PDF report").click()

    expect(page.get_by_text("Your report of 1 Jan 2022 to 31 Dec 2022 is requested")).to_be_visible(
        timeout=REPORT_TIMEOUT
    )
    report = DonorReport.objects.get(donor=seco)
    row = page.locator(f"tr[data-report='{report.pk}']")
    expect(row).to_contain_text("1 Jan 2022 \N{EN DASH} 31 Dec 2022")
    expect(row.locator("[data-role=status]")).to_have_text("Ready", timeout=TIMEOUT)
    shot(page, "donor-06-report-ready")
    assert report.status == ReportJobStatus.READY, report.failure_reason

    with page.expect_download() as download_info:
        row.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == "SECO-donor-report-2022-01-01-2022-12-31.pdf"
    assert Path(download.path()).read_bytes()[:5] == b"%PDF-"


def test_the_demo_donor_reads_its_dashboard_projects_and_reports(page, live_server, log_in, seco, shot):
    log_in_to_the_dashboard(page, live_server, log_in, seco, shot)
    download_a_csv(page)
    filter_and_sort_the_projects(page, live_server, seco, shot)
    drill_into_a_project(page, live_server, seco, shot)
    request_and_download_a_report(page, live_server, seco, shot)


def test_the_donor_pages_fit_a_phone(page, live_server, log_in, seco, shot):
    DonorReport.objects.create(
        donor=seco,
        period_start=dt.date(2022, 1, 1),
        period_end=dt.date(2022, 12, 31),
        status=ReportJobStatus.FAILED,
        failure_reason="The report could not be made: an example of a long reason, to see how it wraps on a phone.",
    )
    page.set_viewport_size(PHONE)
    log_in(page, DONOR)
    pages = {
        "dashboard": reverse("donors:dashboard", args=[seco.pk]),
        "projects": reverse("donors:project-list", args=[seco.pk]) + "?country=GH",
        "project": reverse("donors:project", args=[seco.pk, PROJECT]),
        "reports": reverse("donors:reports", args=[seco.pk]),
    }

    for name, path in pages.items():
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        shot(page, f"donor-phone-{name}")
        assert page.evaluate(FITS_THE_SCREEN), f"the {name} page scrolls sideways on a phone"


def test_at_phone_width_the_donor_switches_its_figures_to_dollars_and_back(page, live_server, log_in, seco, shot):
    """The switch is two plain links (no script): the choice is kept in the session for the next pages."""
    page.set_viewport_size(PHONE)
    log_in(page, DONOR)
    page.goto(f"{live_server.url}{reverse('donors:dashboard', args=[seco.pk])}")
    switch = page.get_by_role("navigation", name="Currency of the figures")
    expect(switch.get_by_role("link", name="CHF")).to_have_attribute("aria-current", "true")

    switch.get_by_role("link", name="USD").click()

    dollars = selectors.donor_figures(seco, quote="USD").totals
    expect(page.locator("[data-figure=pledged]")).to_have_text(format_money(dollars.pledged, "USD", whole=True))
    expect(switch.get_by_role("link", name="USD")).to_have_attribute("aria-current", "true")
    expect(page.locator("table[data-role=rates-used] tr[data-rate='CHF-USD']").first).to_be_visible()
    assert page.evaluate(FITS_THE_SCREEN), "the dashboard scrolls sideways on a phone"
    assert serious_violations(page) == []
    shot(page, "donor-phone-in-dollars")
    shot(page, "donor-phone-switch", full_page=False)
    page.goto(f"{live_server.url}{reverse('donors:project-list', args=[seco.pk])}")
    page.goto(f"{live_server.url}{reverse('donors:dashboard', args=[seco.pk])}")  # the choice is kept
    expect(page.locator("[data-figure=pledged]")).to_contain_text("USD")

    switch.get_by_role("link", name="CHF").click()

    francs = selectors.donor_figures(seco, quote="CHF").totals
    expect(page.locator("[data-figure=pledged]")).to_have_text(format_money(francs.pledged, "CHF", whole=True))
    shot(page, "donor-phone-in-francs")


def test_a_reports_status_changes_on_the_page_without_a_reload(page, live_server, log_in, seco, shot):
    report = DonorReport.objects.create(
        donor=seco, period_start=dt.date(2023, 1, 1), period_end=dt.date(2023, 3, 31), status=ReportJobStatus.QUEUED
    )
    log_in(page, DONOR)
    page.goto(f"{live_server.url}{reverse('donors:reports', args=[seco.pk])}")
    row = page.locator(f"tr[data-report='{report.pk}']")
    expect(row.locator("[data-role=status]")).to_have_text("Queued")
    expect(row.get_by_role("link", name="Download PDF")).to_have_count(0)
    page.evaluate("() => { window.notReloaded = true; }")
    shot(page, "donor-07-report-queued")

    DonorReport.objects.filter(pk=report.pk).update(status=ReportJobStatus.RUNNING)
    expect(row.locator("[data-role=status]")).to_have_text("Being made", timeout=TIMEOUT)
    report.file.save(report.filename, ContentFile(b"%PDF-1.4 made by a worker"), save=False)
    report.status, report.pages = ReportJobStatus.READY, 1
    report.save()

    expect(row.locator("[data-role=status]")).to_have_text("Ready", timeout=TIMEOUT)
    expect(row.locator("[data-role=status]")).to_have_class("badge badge-ready")
    link = row.get_by_role("link", name="Download PDF")
    expect(link).to_be_visible()
    assert page.evaluate("() => window.notReloaded") is True
    shot(page, "donor-08-report-ready-live")
    download = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert (download.status, download.body()) == (200, b"%PDF-1.4 made by a worker")


def test_a_failed_report_shows_its_reason_on_the_page_without_a_reload(page, live_server, log_in, seco):
    report = DonorReport.objects.create(
        donor=seco, period_start=dt.date(2023, 1, 1), period_end=dt.date(2023, 3, 31), status=ReportJobStatus.RUNNING
    )
    log_in(page, DONOR)
    page.goto(f"{live_server.url}{reverse('donors:reports', args=[seco.pk])}")
    row = page.locator(f"tr[data-report='{report.pk}']")
    expect(row.locator("[data-role=status]")).to_have_text("Being made")

    DonorReport.objects.filter(pk=report.pk).update(
        status=ReportJobStatus.FAILED, failure_reason="The report could not be made: no rate for CHF."
    )

    expect(row.locator("[data-role=status]")).to_have_text("Failed", timeout=TIMEOUT)
    expect(row.locator("[data-role=reason]")).to_have_text("The report could not be made: no rate for CHF.")
    expect(row.get_by_role("link", name="Download PDF")).to_have_count(0)


def test_on_a_phone_the_project_filters_fold_away_so_the_list_comes_first(page, live_server, log_in, seco, shot):
    log_in(page, DONOR)
    url = f"{live_server.url}{reverse('donors:project-list', args=[seco.pk])}?country=GH"
    page.goto(url)
    expect(page.get_by_label("Country")).to_be_visible()  # a wide screen shows them, with no summary
    expect(page.get_by_text("Filter and sort")).to_be_hidden()

    page.set_viewport_size(PHONE)
    page.goto(url)

    summary = page.get_by_text("Filter and sort · 1 filter set")
    expect(summary).to_be_visible()
    expect(page.get_by_label("Country")).to_be_hidden()
    first_project = page.locator("section.card table tbody tr").first
    expect(first_project).to_be_in_viewport()
    shot(page, "donor-phone-projects-folded")
    summary.click()
    expect(page.get_by_label("Country")).to_have_value("GH")
