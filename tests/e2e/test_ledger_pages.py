"""The ledger in the browser: a project's money on its public page, and the secretariat's admin tools."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import dateformat, timezone
from playwright.sync_api import expect

from common.money import format_money
from grants import services
from grants.models import (
    Allocation,
    Contribution,
    ExchangeRate,
    Project,
    Tranche,
    Transaction,
    TransactionKind,
)
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

SECRETARIAT = "secretariat@example.org"
SCROLLS_SIDEWAYS = "() => document.scrollingElement.scrollWidth > window.innerWidth"
# Each table's scrolling region: whether it scrolls on its own and whether it stays inside the viewport.
TABLE_REGIONS = """() => [...document.querySelectorAll('.table-scroll')].map(region => ({
    name: region.getAttribute('aria-labelledby'),
    scrolls: ['auto', 'scroll'].includes(getComputedStyle(region).overflowX),
    fits: region.getBoundingClientRect().right <= window.innerWidth,
}))"""


def day(date) -> str:
    """A date as the pages show it (`j M Y`, such as "1 Apr 2019")."""
    return dateformat.format(date, "j M Y")


def rate_pattern(rate: Decimal) -> str:
    """A rate as a regular expression that allows trailing zeros: 1.08 matches "1.08" and "1.080000"."""
    digits = format(rate.normalize(), "f")
    return re.escape(digits) + ("0*" if "." in digits else r"(\.0+)?")


def card(page, heading: str):
    """The page's card section under a level-2 heading."""
    return page.locator("section.card").filter(has=page.get_by_role("heading", name=heading, level=2, exact=True))


def due_tranche() -> Tranche:
    """IF-BFA-2021's second tranche, released today: the demo leaves it waiting for its final report."""
    tranche = Tranche.objects.select_related("agreement__project").get(agreement__project__code="IF-BFA-2021", number=2)
    assert (str(tranche.planned_date), tranche.release_condition) == (
        "2023-04-01",
        "A report approved: Final report",
    )
    assert tranche.disbursed_total == 0
    # The demo closes FY2013-FY2025, so the payment is dated today (the form's default), in the open year.
    return services.tranche_condition_meet(tranche=tranche, on=timezone.localdate())


def log_in_to_admin(page, live_server, log_in) -> None:
    log_in(page, SECRETARIAT)
    expect(page).to_have_url(f"{live_server.url}/")


def test_a_project_page_shows_its_money_schedule_transactions_and_funders(page, live_server, demo, shot):
    project = Project.objects.get(code="CUF-LBR-2019")
    tranches = list(Tranche.objects.filter(agreement__project=project).order_by("number"))
    rows = list(
        Transaction.objects.filter(project=project)
        .exclude(kind=TransactionKind.INCOMING_FUNDS)
        .select_related("receiver")
        .order_by("value_date", "pk")
    )
    disbursements = [row for row in rows if row.kind == TransactionKind.DISBURSEMENT]
    funders = list(Allocation.objects.filter(project=project).select_related("contribution__donor"))
    currency = project.currency
    assert [t.get_status_display() for t in tranches] == ["Paid", "Paid", "Awaiting its condition"]
    assert len(disbursements) == 2

    page.goto(f"{live_server.url}/projects/CUF-LBR-2019/")

    expect(page.get_by_role("heading", level=1)).to_have_text(project.title)
    expect(page.locator('[data-figure="committed"]')).to_have_text(
        format_money(project.committed_total, currency, whole=True)
    )
    expect(page.locator('[data-figure="disbursed"]')).to_have_text(
        format_money(project.disbursed_total, currency, whole=True)
    )
    expect(page.locator('[data-figure="remaining"]')).to_have_text(
        format_money(project.committed_total - project.disbursed_total, currency, whole=True)
    )

    schedule = card(page, "Payment schedule").get_by_role("table")
    expect(schedule.locator("tbody tr")).to_have_count(3)
    for index, tranche in enumerate(tranches):
        expect(schedule.locator("tbody tr").nth(index).locator("td")).to_have_text(
            [
                str(tranche.number),
                day(tranche.planned_date),
                tranche.release_condition or "—",
                format_money(tranche.amount, currency),
                format_money(tranche.disbursed_total, currency),
                str(tranche.get_status_display()),
            ]
        )
    expect(schedule.locator("tbody tr td:last-child")).to_have_text(["Paid", "Paid", "Awaiting its condition"])
    expect(card(page, "Payment schedule")).to_contain_text(
        f"Next: tranche 3, planned for {day(tranches[2].planned_date)}."
    )

    transactions = card(page, "Transactions").get_by_role("table")
    expect(transactions.locator("tbody tr")).to_have_count(len(rows))
    expect(transactions.locator("tbody tr").filter(has_text="Disbursement")).to_have_count(len(disbursements))
    for payment in disbursements:
        expect(transactions.locator("tbody tr").filter(has_text=payment.reference).locator("td")).to_have_text(
            [
                day(payment.value_date),
                "Disbursement",
                str(payment.receiver),
                payment.reference,
                format_money(payment.amount, payment.currency),
            ]
        )

    funded_by = card(page, "Funded by")
    expect(funded_by.get_by_role("listitem")).to_have_count(len(funders))
    for name in ("Government of Sweden", "Government of the United Kingdom"):
        expect(funded_by.get_by_role("listitem").filter(has_text=name)).to_have_count(1)
    for allocation in funders:
        expect(funded_by.get_by_role("listitem").filter(has_text=allocation.contribution.reference)).to_have_text(
            f"{allocation.contribution.donor} · {allocation.contribution.reference} · "
            + format_money(allocation.amount, allocation.contribution.currency)
        )
    shot(page, "ledger-project-cuf-lbr-2019-desktop")

    page.set_viewport_size(PHONE)
    page.reload()

    assert not page.evaluate(SCROLLS_SIDEWAYS), "the project page scrolls sideways at phone width"
    regions = page.evaluate(TABLE_REGIONS)
    assert {region["name"] for region in regions} == {"tranches-title", "transactions-title"}
    for region in regions:
        assert region["scrolls"], f"the {region['name']} table does not scroll inside its own region"
        assert region["fits"], f"the {region['name']} table's region runs past the screen's edge"
    expect(page.locator('[data-figure="disbursed"]')).to_be_visible()
    shot(page, "ledger-project-cuf-lbr-2019-phone")


def test_a_project_page_with_a_ledger_has_a_plain_title(page, live_server, demo):
    project = Project.objects.get(code="CUF-LBR-2019")

    page.goto(f"{live_server.url}/projects/CUF-LBR-2019/")

    expect(page).to_have_title(f"{project.title} · Cities Alliance portfolio")


def test_the_secretariat_pays_a_due_tranche_in_two_clicks(page, live_server, demo, log_in, shot):
    tranche = due_tranche()
    project = tranche.agreement.project
    currency = tranche.agreement.currency
    left = tranche.remaining
    disbursed_before = project.disbursed_total
    count_before = Transaction.objects.count()
    assert left == Decimal("50000.00")

    log_in_to_admin(page, live_server, log_in)
    page.goto(f"{live_server.url}/admin/grants/tranche/?status=due")

    row = page.locator("#result_list tbody tr").filter(has_text=str(tranche))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Due")
    expect(row).to_contain_text(format_money(tranche.amount, currency))
    shot(page, "ledger-admin-tranches-due")

    row.get_by_role("link", name="Pay", exact=True).click()  # click 1

    expect(page).to_have_url(f"{live_server.url}{reverse('admin:grants_tranche_disburse', args=[tranche.pk])}")
    expect(page.get_by_role("heading", name="Record a disbursement")).to_be_visible()
    expect(page.locator("#content-main")).to_contain_text(
        f"Left to pay on this tranche: {format_money(left, currency)}."
    )
    expect(page.get_by_label("Amount")).to_have_value(f"{left:.2f}")
    expect(page.get_by_label("Value date")).to_have_value(timezone.localdate().isoformat())
    shot(page, "ledger-admin-pay-form")

    page.get_by_role("button", name="Record the disbursement").click()  # click 2

    expect(page).to_have_url(f"{live_server.url}/admin/grants/tranche/?status=due")
    success = page.locator(".messagelist .success")
    expect(success).to_have_text(f"Paid {format_money(left, currency)} against {tranche}.")
    expect(success).to_have_text(re.compile(r"^Paid USD[\s\xa0]50,000\.00 against Tranche 2 of GA-IF-BFA-2021\.$"))
    # back on the list of what is still due, where the tranche just paid no longer stands
    expect(page.locator("#result_list tbody tr").filter(has_text=str(tranche))).to_have_count(0)
    shot(page, "ledger-admin-tranche-paid")

    assert Transaction.objects.count() == count_before + 1
    payment = Transaction.objects.get(tranche=tranche)
    assert (payment.kind, payment.amount, payment.value_date) == (
        TransactionKind.DISBURSEMENT,
        left,
        timezone.localdate(),
    )
    assert payment.recorded_by.email == SECRETARIAT
    project.refresh_from_db()
    assert project.disbursed_total == disbursed_before + left

    page.goto(f"{live_server.url}/projects/{project.code}/")

    expect(page.locator('[data-figure="disbursed"]')).to_have_text(
        format_money(disbursed_before + left, project.currency, whole=True)
    )
    expect(page.locator('[data-figure="remaining"]')).to_have_text(
        format_money(project.committed_total - project.disbursed_total, project.currency, whole=True)
    )
    schedule = card(page, "Payment schedule").get_by_role("table")
    expect(schedule.locator("tbody tr td:last-child")).to_have_text(["Paid", "Paid"])
    shot(page, "ledger-project-if-bfa-2021-after-payment")


def test_paying_more_than_is_left_on_a_tranche_is_refused_on_the_form_and_records_nothing(
    page, live_server, demo, log_in, shot
):
    tranche = due_tranche()
    currency = tranche.agreement.currency
    count_before = Transaction.objects.count()
    too_much = tranche.remaining + Decimal("0.01")

    log_in_to_admin(page, live_server, log_in)
    page.goto(f"{live_server.url}{reverse('admin:grants_tranche_disburse', args=[tranche.pk])}")
    page.get_by_label("Amount").fill(f"{too_much:.2f}")
    page.get_by_role("button", name="Record the disbursement").click()

    expect(page).to_have_url(f"{live_server.url}{reverse('admin:grants_tranche_disburse', args=[tranche.pk])}")
    expect(page.locator(".errorlist")).to_have_text(
        f"Tranche {tranche.number} has {format_money(tranche.remaining, currency)} left to pay."
    )
    expect(page.get_by_label("Amount")).to_have_value(f"{too_much:.2f}")
    expect(page.locator(".messagelist")).to_have_count(0)
    shot(page, "ledger-admin-pay-refused")

    assert Transaction.objects.count() == count_before
    tranche.refresh_from_db()
    assert tranche.disbursed_total == 0


def test_a_contribution_shows_where_its_money_stands_and_the_rates_used(page, live_server, demo, log_in, shot):
    seco = Contribution.objects.get(reference="SECO-CA-PHASE-1")
    received = Transaction.objects.filter(contribution=seco, kind=TransactionKind.INCOMING_FUNDS).aggregate(
        total=Sum("amount")
    )["total"]
    allocated = Allocation.objects.filter(contribution=seco).aggregate(total=Sum("amount"))["total"]
    assert format_money(received, seco.currency) == "CHF\xa04,820,000.00"
    assert format_money(allocated, seco.currency) == "CHF\xa04,500,000.00"
    pledge_rate = (
        ExchangeRate.objects.filter(currency=seco.currency, quote_currency="USD", date__lte=seco.start_date)
        .order_by("-date")
        .first()
    )

    log_in_to_admin(page, live_server, log_in)
    page.goto(f"{live_server.url}/admin/grants/contribution/{seco.pk}/change/")

    figures = page.locator(".field-figures")
    expect(figures).to_contain_text("where the money stands", ignore_case=True)
    table = figures.locator("table.contribution-figures")

    def figure(label: str):
        return table.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=label, exact=True)).locator("td")

    expect(figure("Pledged")).to_contain_text(format_money(seco.amount, seco.currency))
    expect(figure("Received")).to_have_text(format_money(received, seco.currency))
    expect(figure("Allocated to projects")).to_have_text(format_money(allocated, seco.currency))
    expect(figure("Not yet allocated")).to_have_text(format_money(seco.amount - allocated, seco.currency))
    rates = figures.locator("p.help").filter(has_text="Rates used")
    expect(rates).to_have_count(1)
    expect(rates).to_contain_text(
        re.compile(
            rf"Rates used: .*1 {seco.currency} = {rate_pattern(pledge_rate.rate)} USD \({day(pledge_rate.date)}\)"
        )
    )
    expect(figures.locator(".errornote")).to_have_count(0)
    shot(page, "ledger-admin-contribution-seco")


def test_the_transactions_list_shows_its_net_total_and_offers_import_and_export(page, live_server, demo, log_in, shot):
    net: dict[str, Decimal] = defaultdict(Decimal)
    for currency, amount in Transaction.objects.values_list("currency", "amount"):
        net[currency] += amount

    log_in_to_admin(page, live_server, log_in)
    page.goto(f"{live_server.url}/admin/grants/transaction/")

    expect(page.locator("#result_list")).to_be_visible()
    expect(page.locator(".money-totals")).to_have_text(
        "Net amount of this selection: " + " · ".join(format_money(net[code], code) for code in sorted(net))
    )
    tools = page.locator(".object-tools")
    expect(tools.get_by_role("link", name="Export", exact=True)).to_be_visible()
    expect(tools.get_by_role("link", name="Export", exact=True)).to_have_attribute(
        "href", re.compile(r"^/admin/grants/transaction/export/")
    )
    expect(tools.get_by_role("link", name="Add")).to_have_count(0)
    shot(page, "ledger-admin-transactions")

    tools.get_by_role("link", name="Import", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/admin/grants/transaction/import/")
    file_field = page.get_by_label("File to import")
    expect(file_field).to_be_visible()
    expect(file_field).to_have_attribute("type", "file")
    shot(page, "ledger-admin-transactions-import")


def test_the_transactions_list_is_filtered_on_a_provider_found_by_typing(page, live_server, demo, log_in, shot):
    seco = Transaction.objects.filter(provider__short_name="SECO").select_related("provider").first().provider
    log_in_to_admin(page, live_server, log_in)
    page.goto(f"{live_server.url}/admin/grants/transaction/")

    page.locator("#changelist-filter .searched-filter .select2-selection").click()
    page.locator(".select2-search__field").fill("SECO")
    page.get_by_role("option", name=str(seco)).click()

    expect(page).to_have_url(re.compile(rf"provider__id__exact={seco.pk}"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(Transaction.objects.filter(provider=seco).count())
    expect(page.locator("#changelist-filter .searched-filter")).to_contain_text(seco.name)
    shot(page, "ledger-admin-transactions-provider-filter")


def test_the_admins_export_toggle_and_history_work_under_the_content_security_policy(page, live_server, demo, log_in):
    """The export page's inline "select all" handler runs because the admin's policy allows it by hash;
    any refusal on these pages fails the test (tests/e2e/conftest.py)."""
    log_in_to_admin(page, live_server, log_in)
    page.goto(f"{live_server.url}/admin/grants/transaction/")
    expect(page.locator(".money-totals")).to_have_css("font-weight", "600")  # from static/css/admin.css

    page.goto(f"{live_server.url}/admin/grants/transaction/export/")
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]:not(.select-toggle):visible')
    expect(fields.first).to_be_checked()
    page.locator("input.select-toggle").uncheck()

    expect(page.locator('.selectable-field-export-row input[type="checkbox"]:visible:checked')).to_have_count(0)
    assert fields.count() > 1

    project = Project.objects.filter(is_public=True).first()
    page.goto(f"{live_server.url}/admin/grants/project/{project.pk}/history/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Change history")
