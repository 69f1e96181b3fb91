"""A financial report in the browser: the partner fills it in on a phone (each budget line with its budget, what
was spent before and what is left), is told plainly what is wrong, adds a supporting file and submits; the
secretariat approves it and the period's expenditure is booked in the ledger. Then the overdue reports by partner."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from devtools.demo.logins import DEMO_PASSWORD
from devtools.demo.reporting import CODE
from devtools.demo.results import load_demo_results
from grants.models import Transaction, TransactionKind
from results.models import ProgressReport, ReportingPeriod, ReportKind, ReportStatus
from results.services import reporting_period_add
from tests.e2e.conftest import DESKTOP, PHONE, TIMEOUT
from tests.e2e.snapshots import loaded
from tests.e2e.test_results_journey import _fresh_rate_limits, _private_media, png  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)

PARTNER = "partner@example.org"  # demo login of the Municipal Council of Jinja, the demo grant's partner
SECRETARIAT = "secretariat@example.org"
FITS_THE_SCREEN = "() => document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def second_quarter(demo) -> ReportingPeriod:
    """The demo grant (its first quarter's financial report waits for review) owes the second quarter's too."""
    loaded("demo results", load_demo_results)
    grant = ReportingPeriod.objects.filter(project__code=CODE).first().project
    return reporting_period_add(
        project=grant,
        kind=ReportKind.FINANCIAL,
        start_date=dt.date(2026, 4, 1),
        end_date=dt.date(2026, 6, 30),
        due_date=dt.date(2026, 7, 30),
    )


def line(page, category: str):
    return page.locator("fieldset.spent-row").filter(has_text=category)


def test_a_partner_fills_in_a_financial_report_on_a_phone_and_the_secretariat_approves_it(
    browser,
    live_server,
    second_quarter,
    log_in,
    png,  # noqa: F811 (the fixture imported above)
    shot,
):
    phone = browser.new_context(viewport=PHONE)
    phone.set_default_timeout(TIMEOUT)
    page = phone.new_page()
    log_in(page, PARTNER)
    page.goto(f"{live_server.url}/portal/reports/")
    row = page.locator(f"tr[data-period='{second_quarter.pk}']")
    expect(row).to_contain_text("Financial report")
    expect(page.locator("tr[data-kind='narrative']").filter(has_text="Overdue")).to_have_count(1)
    shot(page, "financial-01-reports-phone")
    row.get_by_role("button", name="Start report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Financial report · {CODE}")
    report = ProgressReport.objects.get(period=second_quarter)

    # A negative amount and a line over its budget without a word: refused, said by each line; the line that is
    # right is saved.
    line(page, "profiling").get_by_label("Spent in this period").fill("30,000")
    line(page, "drainage").get_by_label("Spent in this period").fill("-500")
    line(page, "Settlement forums").get_by_label("Spent in this period").fill("25000")
    page.get_by_role("button", name="Save draft").click()
    expect(line(page, "drainage").locator(".errorlist")).to_have_text("Expenditure cannot be negative.")
    expect(line(page, "Settlement forums").locator(".errorlist")).to_have_text(
        "This takes the line beyond its budget: explain the over-spending in the comment."
    )
    assert list(report.expenditure.values_list("amount", flat=True)) == [Decimal("30000.00")]
    shot(page, "financial-02-refused-phone")

    line(page, "drainage").get_by_label("Spent in this period").fill("12000")
    line(page, "Settlement forums").get_by_label("Comment").fill("Two extra forums after the floods.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_have_text("Draft saved.")
    totals = page.get_by_role("region", name="Totals")
    expect(totals.locator("[data-figure='period-total']")).to_have_text("USD\xa067,000.00")
    expect(line(page, "Settlement forums")).to_contain_text("Over budget")
    assert page.evaluate(FITS_THE_SCREEN)

    # Submitting needs a supporting file.
    page.get_by_role("button", name="Submit to the secretariat").click()
    expect(page.locator("#report-errors")).to_contain_text("Add at least one supporting file")
    files = page.get_by_role("region", name="Supporting files")
    files.get_by_label("File").set_input_files(png)
    files.get_by_role("button", name="Upload").click()
    expect(page.locator("#upload-status")).to_have_text(f"{png.name} is attached.")
    page.get_by_role("button", name="Submit to the secretariat").click()
    expect(page.locator("[data-status]")).to_have_text("Submitted")
    shot(page, "financial-03-submitted-phone")
    assert page.evaluate(FITS_THE_SCREEN)
    phone.close()

    desk = browser.new_context(viewport=DESKTOP)
    desk.set_default_timeout(TIMEOUT)
    staff = desk.new_page()
    staff.goto(f"{live_server.url}/admin/")
    staff.get_by_label(re.compile(r"^Email address:?$")).fill(SECRETARIAT)
    staff.get_by_label(re.compile(r"^Password:?$")).fill(DEMO_PASSWORD)
    staff.get_by_role("button", name="Log in").click()
    expect(staff).to_have_url(f"{live_server.url}/admin/")
    staff.goto(f"{live_server.url}/admin/results/progressreport/{report.pk}/change/")
    expect(staff.locator("table.report-expenditure [data-figure='period-total']")).to_have_text("USD\xa067,000.00")
    shot(staff, "financial-04-admin-review")
    staff.get_by_role("button", name="Approve", exact=True).click()
    expect(staff.locator(".messagelist .success")).to_have_text(f"{report} is approved.")

    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    booked = Transaction.objects.get(kind=TransactionKind.EXPENDITURE, reference=f"report-{report.pk}")
    assert (booked.amount, booked.value_date) == (Decimal("67000.00"), dt.date(2026, 6, 30))

    staff.goto(f"{live_server.url}/admin/results/reportingperiod/overdue/")
    jinja = staff.locator("section[data-partner]").filter(has_text="Municipal Council of Jinja")
    expect(jinja).to_contain_text("Narrative report")
    shot(staff, "financial-05-overdue-by-partner")

    # The grant's record: what it owes and where each report stands; the tranche the first quarter releases.
    staff.goto(f"{live_server.url}/admin/grants/project/{second_quarter.project_id}/record/")
    owed = staff.locator("table[data-table='reports']")
    expect(owed.locator("tr[data-standing='approved']")).to_contain_text("Financial report")
    expect(owed.locator("tr[data-standing='overdue']")).to_contain_text("Narrative report")
    expect(staff.locator("[data-released-by]")).to_contain_text("released by approving the Financial report")
    shot(staff, "financial-06-record-requirements")
    desk.close()
