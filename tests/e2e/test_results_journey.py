"""The results framework in the browser: a partner reports on a period, is told plainly what is wrong, adds
evidence and submits; the secretariat returns the report with a comment, the partner fixes it, the
secretariat approves it, and the approved figure shows on the public project page and results page.
Then the public results page, filtered and at phone width, and the project page's results on a phone."""

from __future__ import annotations

import datetime as dt
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from devtools.demo.logins import DEMO_PASSWORD
from devtools.demo.results import load_demo_results
from results.models import Evidence, IndicatorPeriod, ProgressReport, ReportingPeriod, ReportStatus
from tests.e2e.conftest import DESKTOP, PHONE, TIMEOUT
from tests.e2e.snapshots import loaded
from tests.factories import OrganisationFactory, OrganisationRoleFactory, VerifiedUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

PARTNER = "partner@example.org"  # demo login of the Municipal Council of Jinja
SECRETARIAT = "secretariat@example.org"
OUTSIDER = "planner@mbale.example.org"
OUTSIDER_PASSWORD = "a-long-test-password"
PROJECT = "JWP-GLB-2022"
PROJECT_TITLE = "Joint Work Programme: Secondary Cities and Migration"
PERIOD_START = dt.date(2025, 1, 1)  # the demo's overdue period of the project, with no report yet
STAFF_TRAINED = "CAP-3"  # Local government staff trained: a sum, split by sex
CITIES_CAPACITY = "CAP-1"  # Cities with strengthened capacities: a distinct count of cities
CITIES_PLANNING = "LPS-1"  # Cities developing strategies or plans: a distinct count of cities
TRAINED_FIRST, TRAINED = 150, 160  # what the partner submits, then resubmits after the secretariat's comment
RETURN_COMMENT = "The attendance sheet lists 160 trained staff: please correct the total and the split by sex."
NARRATIVE = "Two training cycles for municipal planners in Jinja and Tamale; the migration desk opened in Jinja."
FITS_THE_SCREEN = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Evidence goes to a temporary folder, not the development site's var/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def results_demo(demo) -> None:
    """The demo portfolio with its results framework, projects' results and reports (as `load_demo` loads)."""
    loaded("demo results", load_demo_results)


@pytest.fixture
def png(tmp_path) -> Path:
    """A real 1 x 1 PNG image, as a file a partner would pick."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1 x 1 pixel, 8-bit RGB
    image = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
    path = tmp_path / "training-attendance.png"
    path.write_bytes(image + chunk(b"IEND", b""))
    return path


def number(text: str) -> int:
    """A figure as the pages show it (1,250) as a number."""
    return int(text.replace(",", "").replace("\xa0", "").strip())


def status_message(page):
    return page.get_by_role("status")


def indicator_group(page, code: str):
    """The fieldset of the report form that holds one indicator's value, its parts and its comment."""
    return page.locator(f"fieldset.value-row[data-indicator='{code}']")


def row_id(period: ReportingPeriod, code: str) -> int:
    return IndicatorPeriod.objects.get(period=period, project_indicator__indicator__code=code).pk


def project_achieved(page, live_server, code: str) -> int:
    page.goto(f"{live_server.url}/projects/{PROJECT}/")
    results = page.get_by_role("region", name="Results", exact=True)
    return number(results.locator(f"tr[data-indicator='{code}'] [data-figure='achieved']").inner_text())


def portfolio_achieved(page, code: str) -> int:
    return number(page.locator(f"article[data-indicator='{code}'] [data-figure='achieved']").inner_text())


def report_snapshot(report: ProgressReport) -> dict:
    """What the database holds of a report, to show that a refused step changed nothing."""
    report = ProgressReport.objects.get(pk=report.pk)
    return {
        "status": report.status,
        "narrative": report.narrative,
        "submitted_at": report.submitted_at,
        "values": sorted(report.values.values_list("indicator_period_id", "value")),
        "evidence": report.evidence.count(),
        "transitions": report.transitions.count(),
    }


def reported(report: ProgressReport, code: str):
    return report.values.get(indicator_period__project_indicator__indicator__code=code)


def mail_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


# --- the steps of the journey -------------------------------------------------------------------------


def read_the_public_figures(page, live_server) -> tuple[int, int]:
    """Before: staff trained as the project page and the results page count them (approved reports only)."""
    on_project = project_achieved(page, live_server, STAFF_TRAINED)
    page.goto(f"{live_server.url}/results/")
    on_portfolio = portfolio_achieved(page, STAFF_TRAINED)
    assert on_portfolio > on_project > 0
    return on_project, on_portfolio


def start_the_report(page, live_server, log_in, period, shot) -> ProgressReport:
    """Step 1: from the navigation to the overdue period of the project, and a new draft."""
    log_in(page, PARTNER)
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_contain_text(PARTNER)
    nav.get_by_role("link", name="Reports", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/portal/reports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports")

    project = page.get_by_role("region", name=re.compile(rf"· {PROJECT}$"))
    expect(project.get_by_role("heading", level=2)).to_have_text(f"{PROJECT_TITLE} · {PROJECT}")
    row = project.locator("tbody tr").filter(has_text="1 Jan 2025 \N{EN DASH} 31 Dec 2025")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text(f"{period.due_date:%-d %b %Y}")
    expect(row.locator(".badge")).to_have_text("Overdue" if period.due_date < timezone.localdate() else "Open")
    earlier = project.locator("tbody tr").filter(has_text="1 Jan 2024 \N{EN DASH} 31 Dec 2024")
    expect(earlier.locator(".badge")).to_have_text("Approved")
    expect(earlier.get_by_role("button", name="Start report")).to_have_count(0)
    shot(page, "results-01-progress-reports")
    row.get_by_role("button", name="Start report").click()

    report = ProgressReport.objects.get(period=period)
    expect(page).to_have_url(f"{live_server.url}/portal/reports/{report.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Progress report · {PROJECT}")
    expect(page.locator("[data-status]")).to_have_text("Draft")
    expect(page.locator("fieldset.value-row")).to_have_count(3)  # CAP-1, LPS-1 and CAP-3, the project's indicators
    shot(page, "results-02-new-report")
    assert (report.status, report.created_by.email) == (ReportStatus.DRAFT, PARTNER)
    return report


def refuse_bad_values(page, report, shot) -> None:
    """Step 2: a word for a number, and women and men adding up to more than the total: both are explained
    by their fields and at the top, what was typed is kept, the rest of the draft is saved and nothing submitted."""
    before = report_snapshot(report)
    trained = indicator_group(page, STAFF_TRAINED)
    key = f"value-{row_id(report.period, STAFF_TRAINED)}"
    trained.get_by_label("Value", exact=True).fill(str(TRAINED_FIRST))
    trained.get_by_label("of which women and girls").fill("twelve")
    trained.get_by_label("of which men and boys").fill("200")
    page.get_by_label("What happened in this period").fill(NARRATIVE)
    page.get_by_role("button", name="Submit to the secretariat").click()

    expect(status_message(page)).to_have_text(
        "The draft is saved, except the values marked: correct them and save again.", timeout=TIMEOUT
    )
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#error-summary li")).to_have_count(2)
    women = trained.locator(".field").filter(has=page.locator(f"#{key}-female"))
    expect(women.locator(".errorlist")).to_have_text("Enter a number, for example 12 or 12.5.")
    expect(page.locator(f"#{key}-female")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{key}-female")).to_have_accessible_description("Enter a number, for example 12 or 12.5.")
    expect(page.locator(f"#{key}-male")).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{key}-errors")).to_have_text("Women and men together cannot be more than the total.")
    expect(trained.get_by_label("Value", exact=True)).to_have_accessible_description(
        "Women and men together cannot be more than the total."
    )
    # The other indicators have no message.
    expect(page.locator(".errorlist")).to_have_count(2)
    # What was typed is on the page again, to correct rather than retype.
    expect(trained.get_by_label("Value", exact=True)).to_have_value(str(TRAINED_FIRST))
    expect(trained.get_by_label("of which women and girls")).to_have_value("twelve")
    expect(trained.get_by_label("of which men and boys")).to_have_value("200")
    expect(page.get_by_label("What happened in this period")).to_have_value(NARRATIVE)
    expect(page.locator("[data-status]")).to_have_text("Draft")
    trained.scroll_into_view_if_needed()
    shot(page, "results-03-refused-values")

    after = report_snapshot(report)
    assert before["values"] == [] and before["narrative"] == ""
    assert {key: after[key] for key in ("status", "submitted_at", "transitions", "evidence")} == {
        key: before[key] for key in ("status", "submitted_at", "transitions", "evidence")
    }
    assert after["narrative"] == NARRATIVE  # what was typed beside the refused figures is kept
    assert row_id(report.period, STAFF_TRAINED) not in dict(after["values"]), "a refused figure was saved"


def save_a_draft(page, report, shot) -> None:
    """Step 3: corrected values and the cities ticked are saved as a draft and shown again."""
    trained = indicator_group(page, STAFF_TRAINED)
    trained.get_by_label("of which women and girls").fill("80")
    trained.get_by_label("of which men and boys").fill("70")
    trained.get_by_label("Comment (optional)").fill("Two cycles of the planning course")
    capacity = indicator_group(page, CITIES_CAPACITY)
    capacity.get_by_role("checkbox", name="Jinja").check()
    capacity.get_by_role("checkbox", name="Tamale").check()
    page.get_by_role("button", name="Save draft").click()

    expect(status_message(page)).to_have_text("Draft saved.", timeout=TIMEOUT)
    expect(page.locator(".errorlist")).to_have_count(0)
    page.reload()
    expect(trained.get_by_label("Value", exact=True)).to_have_value(str(TRAINED_FIRST))
    expect(trained.get_by_label("of which women and girls")).to_have_value("80")
    expect(trained.get_by_label("of which men and boys")).to_have_value("70")
    expect(capacity.get_by_role("checkbox", name="Jinja")).to_be_checked()
    expect(capacity.get_by_role("checkbox", name="Tamale")).to_be_checked()
    planning = indicator_group(page, CITIES_PLANNING)
    expect(planning.get_by_role("checkbox")).to_have_count(2)
    for box in planning.get_by_role("checkbox").all():
        expect(box).not_to_be_checked()
    expect(page.get_by_label("What happened in this period")).to_have_value(NARRATIVE)
    expect(page.locator("[data-status]")).to_have_text("Draft")
    shot(page, "results-04-draft-saved")

    report.refresh_from_db()
    assert (report.status, report.narrative) == (ReportStatus.DRAFT, NARRATIVE)
    trained_value = reported(report, STAFF_TRAINED)
    assert trained_value.value == TRAINED_FIRST
    assert dict(trained_value.splits.values_list("category", "value")) == {"female": 80, "male": 70}
    capacity_value = reported(report, CITIES_CAPACITY)
    assert capacity_value.value == 2
    assert sorted(capacity_value.places.values_list("city__name", "country")) == [("Jinja", "UG"), ("Tamale", "GH")]
    assert reported(report, CITIES_PLANNING).value == 0  # no city ticked: none this period


def add_evidence(page, live_server, report, png, shot) -> None:
    """Step 4: a file backing the report, kept with it."""
    evidence = page.get_by_role("region", name="Evidence")
    expect(evidence).to_contain_text("No files yet.")
    evidence.get_by_label("File").set_input_files(png)
    evidence.get_by_label("What it shows").fill("Attendance sheet of the planning course")
    evidence.get_by_role("button", name="Upload").click()

    expect(page.locator("#upload-status")).to_have_text(f"{png.name} is attached.", timeout=TIMEOUT)
    link = evidence.get_by_role("link", name=png.name)
    expect(link).to_be_visible()
    download = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert (download.status, download.body()) == (200, png.read_bytes())
    expect(evidence).to_contain_text("Attendance sheet of the planning course")
    # Uploading a file does not lose the draft's values.
    expect(indicator_group(page, STAFF_TRAINED).get_by_label("Value", exact=True)).to_have_value(str(TRAINED_FIRST))
    shot(page, "results-05-evidence-added")
    [item] = Evidence.objects.filter(report=report)
    assert (item.original_name, item.content_type, item.size) == (png.name, "image/png", png.stat().st_size)


def submit(page, report, shot) -> None:
    """Step 5: the report goes to the secretariat and can no longer be changed."""
    page.get_by_role("button", name="Submit to the secretariat").click()

    expect(status_message(page)).to_have_text(
        "Your report is submitted. The secretariat will review it.", timeout=TIMEOUT
    )
    expect(page.locator("[data-status]")).to_have_text("Submitted")
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    expect(page.get_by_role("button", name="Submit to the secretariat")).to_have_count(0)
    expect(page.get_by_role("button", name="Upload")).to_have_count(0)
    expect(page.get_by_role("textbox")).to_have_count(0)
    values = page.get_by_role("region", name="Indicators")
    trained = values.locator(f"tr[data-indicator='{STAFF_TRAINED}']")
    expect(trained.locator("[data-figure='reported']")).to_have_text(str(TRAINED_FIRST))
    expect(trained).to_contain_text("Women and girls: 80; Men and boys: 70")
    expect(trained).to_contain_text("Two cycles of the planning course")
    capacity = values.locator(f"tr[data-indicator='{CITIES_CAPACITY}']")
    expect(capacity.locator("[data-figure='reported']")).to_have_text("2")
    expect(capacity).to_contain_text("Jinja")
    expect(capacity).to_contain_text("Tamale")
    expect(page.get_by_role("main")).to_contain_text(NARRATIVE)
    expect(page.get_by_role("region", name="History")).to_contain_text(f"Submitted · {PARTNER}")
    shot(page, "results-06-submitted")

    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.submitted_at is not None
    assert [m.subject for m in mail_to(SECRETARIAT)] == [f"Progress report to review: {PROJECT}"]


def an_outsider_is_not_found(browser, live_server, log_in, report) -> None:
    """Step 6: a partner of another organisation cannot open the report nor its evidence, whatever the id."""
    outsider = VerifiedUserFactory(email=OUTSIDER, password=OUTSIDER_PASSWORD)
    OrganisationRoleFactory(user=outsider, organisation=OrganisationFactory(name="Mbale Municipal Council"))
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT)
    try:
        page = context.new_page()
        log_in(page, OUTSIDER, OUTSIDER_PASSWORD)
        expect(page.get_by_role("navigation", name="Main")).to_contain_text(OUTSIDER)
        response = page.goto(f"{live_server.url}/portal/reports/{report.pk}/")
        assert response.status == 404
        evidence = Evidence.objects.get(report=report)
        assert page.goto(f"{live_server.url}/portal/evidence/{evidence.pk}/").status == 404
        page.goto(f"{live_server.url}/portal/reports/")
        expect(page.get_by_role("main")).not_to_contain_text(PROJECT)
    finally:
        context.close()


def log_staff_in(staff, live_server) -> None:
    staff.goto(f"{live_server.url}/admin/")
    expect(staff).to_have_url(re.compile(r"/accounts/login/\?next=%2Fadmin%2F$"))  # the admin signs in through the site
    staff.get_by_label(re.compile(r"^Email address:?$")).fill(SECRETARIAT)
    staff.get_by_label(re.compile(r"^Password:?$")).fill(DEMO_PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    expect(staff).to_have_url(f"{live_server.url}/admin/")


def open_in_the_review_queue(staff, live_server, report) -> None:
    staff.goto(f"{live_server.url}/admin/results/progressreport/")
    row = staff.locator("#result_list tbody tr").filter(has_text=PROJECT)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Submitted")
    row.get_by_role("link", name=PROJECT, exact=True).click()
    expect(staff).to_have_url(f"{live_server.url}/admin/results/progressreport/{report.pk}/change/")
    expect(staff.get_by_role("heading", level=2, name="Decision")).to_be_visible()


def return_for_changes(staff, live_server, report, shot) -> None:
    """Step 7: the secretariat sends the report back, saying what to fix; a return needs a comment."""
    log_staff_in(staff, live_server)
    open_in_the_review_queue(staff, live_server, report)
    expect(staff.locator(".reported-value").first).to_be_visible()
    expect(staff.locator("#content-main")).to_contain_text("training-attendance.png")
    expect(staff.locator("#content-main")).to_contain_text(NARRATIVE)
    shot(staff, "results-07-admin-review")

    comment = staff.get_by_label(re.compile(r"^What needs to change:?$"))
    staff.get_by_role("button", name="Return for changes").click()
    assert comment.evaluate("field => field.validity.valueMissing"), "a return without a comment was sent"
    expect(staff).to_have_url(f"{live_server.url}/admin/results/progressreport/{report.pk}/change/")
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED

    comment.fill(RETURN_COMMENT)
    shot(staff, "results-07-admin-return")
    staff.get_by_role("button", name="Return for changes").click()
    expect(staff.locator(".messagelist .success")).to_have_text(f"{report} is returned to its partners.")
    shot(staff, "results-07-admin-returned")

    report.refresh_from_db()
    assert (report.status, report.review_comment) == (ReportStatus.RETURNED, RETURN_COMMENT)
    [decision] = [message for message in mail_to(PARTNER) if "progress report" in message.subject]
    assert decision.subject == f"Your progress report on {PROJECT} is returned for changes"
    assert RETURN_COMMENT in decision.body


def fix_and_resubmit(page, report, shot) -> None:
    """Step 8: the partner reads the comment on the report, corrects the figure and submits again."""
    page.reload()
    expect(page.locator("[data-status]")).to_have_text("Returned for changes")
    expect(page.get_by_role("note")).to_have_text(f"The secretariat returned this report: {RETURN_COMMENT}")
    expect(page.get_by_role("region", name="History")).to_contain_text(RETURN_COMMENT)
    trained = indicator_group(page, STAFF_TRAINED)
    expect(trained.get_by_label("Value", exact=True)).to_have_value(str(TRAINED_FIRST))
    shot(page, "results-08-returned")

    trained.get_by_label("Value", exact=True).fill(str(TRAINED))
    trained.get_by_label("of which women and girls").fill("85")
    trained.get_by_label("of which men and boys").fill("75")
    page.get_by_role("button", name="Submit to the secretariat").click()
    expect(status_message(page)).to_have_text(
        "Your report is submitted. The secretariat will review it.", timeout=TIMEOUT
    )
    expect(page.locator("[data-status]")).to_have_text("Submitted")
    values = page.get_by_role("region", name="Indicators")
    expect(values.locator(f"tr[data-indicator='{STAFF_TRAINED}'] [data-figure='reported']")).to_have_text(str(TRAINED))
    expect(page.get_by_role("note")).to_have_count(0)
    shot(page, "results-08-resubmitted")
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert reported(report, STAFF_TRAINED).value == TRAINED


def approve(staff, live_server, report, shot) -> None:
    """Step 9: the secretariat approves the corrected report; its values count from now on."""
    open_in_the_review_queue(staff, live_server, report)
    trained = staff.locator("table.report-values tbody tr").filter(has_text=STAFF_TRAINED)
    expect(trained.locator(".reported-value")).to_have_text(str(TRAINED))
    staff.get_by_label(re.compile(r"^Comment \(optional\):?$")).fill("Thank you: matches the attendance sheet.")
    shot(staff, "results-09-admin-approve")
    staff.get_by_role("button", name="Approve", exact=True).click()
    expect(staff.locator(".messagelist .success")).to_have_text(f"{report} is approved.")
    expect(staff.locator("#result_list tbody tr").filter(has_text=PROJECT)).to_have_count(0)  # out of the queue
    shot(staff, "results-09-admin-approved")
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert report.approved_at is not None


def see_the_published_figure(page, live_server, before: tuple[int, int], shot) -> None:
    """Step 10: the project page and the results page count the approved value, exactly once."""
    on_project, on_portfolio = before
    assert project_achieved(page, live_server, STAFF_TRAINED) == on_project + TRAINED
    results = page.get_by_role("region", name="Results", exact=True)
    row = results.locator(f"tr[data-indicator='{STAFF_TRAINED}']")
    expect(row.locator("td").nth(4)).to_contain_text(str(TRAINED))  # baseline, 2022, 2023, 2024, then 2025
    row.scroll_into_view_if_needed()
    shot(page, "results-10-project-page")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Results").click()
    expect(page).to_have_url(f"{live_server.url}/results/")
    assert portfolio_achieved(page, STAFF_TRAINED) == on_portfolio + TRAINED
    page.locator(f"article[data-indicator='{STAFF_TRAINED}']").scroll_into_view_if_needed()
    shot(page, "results-10-portfolio")


def test_a_partner_reports_the_secretariat_returns_then_approves_and_the_figure_is_published(
    browser, page, live_server, results_demo, log_in, png, shot
):
    page.set_default_timeout(TIMEOUT)
    period = ReportingPeriod.objects.get(project__code=PROJECT, start_date=PERIOD_START)
    assert not ProgressReport.objects.filter(period=period).exists()
    before = read_the_public_figures(page, live_server)

    report = start_the_report(page, live_server, log_in, period, shot)
    refuse_bad_values(page, report, shot)
    save_a_draft(page, report, shot)
    add_evidence(page, live_server, report, png, shot)
    submit(page, report, shot)
    an_outsider_is_not_found(browser, live_server, log_in, report)
    # Submitted, not approved: the public figures have not moved.
    assert read_the_public_figures(page, live_server) == before

    staff_context = browser.new_context(viewport=DESKTOP)
    try:
        staff_context.set_default_timeout(TIMEOUT)
        staff = staff_context.new_page()
        return_for_changes(staff, live_server, report, shot)
        page.goto(f"{live_server.url}/portal/reports/{report.pk}/")
        fix_and_resubmit(page, report, shot)
        approve(staff, live_server, report, shot)
    finally:
        staff_context.close()

    see_the_published_figure(page, live_server, before, shot)


def test_the_results_page_filters_by_country_and_fits_a_phone(browser, page, live_server, results_demo, shot):
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{live_server.url}/results/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Results against the partnership's targets")

    # Every indicator with approved values has a chart with a name and the same figures in a table.
    indicators = page.locator("article[data-indicator]")
    with_data = indicators.filter(has_not_text="No approved report covers this indicator yet.")
    expect(indicators).to_have_count(15)
    assert with_data.count() >= 10
    for article in with_data.all():
        code = article.get_attribute("data-indicator")
        expect(article.locator("svg[role='img']")).to_have_count(1)
        # (named by the chart's title and its description, both: aria-labelledby lists the two)
        expect(article.get_by_role("img")).to_have_accessible_name(re.compile(r", achieved to date by year Bars show"))
        table = article.get_by_role("region", name=f"Figures by year: {code}").get_by_role("table")
        expect(table.locator("tbody tr").first).to_be_visible()
        # The table's last "to date" figure is the one shown as achieved.
        last_to_date = table.locator("tbody tr").last.locator("td").last.inner_text()
        expect(article.locator("[data-figure='achieved']")).to_have_text(last_to_date)
    planning = page.locator(f"article[data-indicator='{CITIES_PLANNING}']")
    expect(planning.get_by_role("img")).to_have_accessible_name(
        re.compile(
            r"^Cities developing local pro-poor, climate-resilient strategies or plans, achieved to date by year "
        )
    )
    whole = {code: portfolio_achieved(page, code) for code in (CITIES_PLANNING, STAFF_TRAINED)}
    shot(page, "results-portfolio-desktop")

    country = page.get_by_label("Country")
    country.select_option(label="Uganda")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/results/\?.*\bcountry=UG\b"))
    expect(page.get_by_label("Country")).to_have_value("UG")
    expect(page.get_by_role("link", name="Whole portfolio")).to_be_visible()
    in_uganda = {code: portfolio_achieved(page, code) for code in whole}
    # A distinct count scoped to Uganda counts only Ugandan cities, not every city of a Ugandan project.
    assert 0 < in_uganda[CITIES_PLANNING] < whole[CITIES_PLANNING]
    assert 0 < in_uganda[STAFF_TRAINED] < whole[STAFF_TRAINED]
    planning.scroll_into_view_if_needed()
    shot(page, "results-portfolio-uganda-desktop")

    page.get_by_role("link", name="Whole portfolio").click()
    expect(page).to_have_url(f"{live_server.url}/results/")
    assert portfolio_achieved(page, CITIES_PLANNING) == whole[CITIES_PLANNING]

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        phone.set_default_timeout(TIMEOUT)
        small = phone.new_page()
        small.goto(f"{live_server.url}/results/?country=UG")
        expect(small.get_by_label("Country")).to_have_value("UG")
        assert portfolio_achieved(small, CITIES_PLANNING) == in_uganda[CITIES_PLANNING]
        assert small.evaluate(FITS_THE_SCREEN), "the results page scrolls sideways at phone width"
        charts = small.locator("svg.chart")
        for chart in charts.all():
            box = chart.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        shot(small, "results-portfolio-phone")

        small.goto(f"{live_server.url}/projects/{PROJECT}/")
        expect(small.get_by_role("heading", level=1)).to_have_text(PROJECT_TITLE)
        results = small.get_by_role("region", name="Results", exact=True)
        results.scroll_into_view_if_needed()
        expect(results.get_by_role("heading", level=3)).to_have_text(
            re.compile(r"^Secondary cities plan for the migrants they receive")
        )
        expect(results.locator(f"tr[data-indicator='{STAFF_TRAINED}'] [data-figure='achieved']")).to_have_text(
            f"{120 + 200 + 180}"  # the demo's approved 2022, 2023 and 2024 reports
        )
        # The wide table scrolls inside its own region; the page itself does not scroll sideways.
        table_region = results.locator(".table-scroll")
        assert table_region.evaluate("region => getComputedStyle(region).overflowX") in {"auto", "scroll"}
        assert small.evaluate(FITS_THE_SCREEN), "the project page scrolls sideways at phone width"
        shot(small, "results-project-phone")
        # Scrolled to the achieved figures, the table still names each indicator.
        table_region.evaluate("region => region.scrollTo(region.scrollWidth, 0)")
        name = results.locator(f"tr[data-indicator='{STAFF_TRAINED}'] th")
        assert name.bounding_box()["x"] >= table_region.bounding_box()["x"] - 1
        shot(small, "results-project-phone-scrolled")
    finally:
        phone.close()
