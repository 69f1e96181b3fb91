"""A day at the secretariat in the browser, as two people with their own roles: the programme officer starts
from the work queue, follows a pending release condition to the project's record and records it met; the
finance officer, on a phone, finds the tranche that became payable in the queue and pays it from the same
record. Each page is saved as a screenshot."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from common.money import format_money
from grants.models import Tranche, Transaction, TransactionKind
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT = "IF-BFA-2021"  # its second tranche waits for the final report: the demo leaves it unpaid


def queue_line(page, label: str):
    return page.locator(".work-queue-section tr").filter(has=page.get_by_role("link", name=re.compile(f"^{label}")))


def queue_count(page, label: str) -> int:
    return int(queue_line(page, label).locator("td.count").inner_text())


def follow_the_line_to_its_list(page, label: str, shot, name: str) -> int:
    count = queue_count(page, label)
    assert count >= 1, f"{label}: nothing waiting in the demo"
    queue_line(page, label).get_by_role("link").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(count)
    expect(page.locator("#result_list tbody tr").filter(has_text=PROJECT)).to_have_count(1)
    shot(page, name)
    return count


def open_the_record(page, live_server, tranche: Tranche) -> None:
    page.goto(f"{live_server.url}{reverse('admin:grants_project_changelist')}?q={PROJECT}")
    page.locator("#result_list").get_by_role("link", name=PROJECT, exact=True).click()
    record = reverse("admin:grants_project_record", args=[tranche.agreement.project_id])
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}{record}")))


def test_a_programme_officer_and_a_finance_officer_go_through_their_day(new_context, live_server, demo, log_in, shot):
    tranche = Tranche.objects.select_related("agreement__project").get(agreement__project__code=PROJECT, number=2)
    assert tranche.condition_met_on is None and tranche.disbursed_total == 0
    currency = tranche.agreement.currency
    today = timezone.localdate()

    officer = new_context().new_page()
    log_in(officer, "programme@example.org")
    officer.goto(f"{live_server.url}/admin/")
    expect(officer.get_by_role("heading", name="Your work")).to_be_visible()
    shot(officer, "day-01-programme-officer-queue")
    follow_the_line_to_its_list(officer, "Release conditions pending", shot, "day-02-conditions-pending")

    open_the_record(officer, live_server, tranche)
    row = officer.locator(f'tr[data-tranche="{tranche.number}"]')
    expect(row).to_contain_text(tranche.condition)
    expect(row.get_by_role("link", name="Pay")).to_have_count(0)  # paying is the finance officer's act
    shot(officer, "day-03-record-before")
    row.get_by_label("Condition met on").fill(today.isoformat())
    row.get_by_role("button", name="Record").click()
    expect(officer.locator(".messagelist")).to_contain_text("condition")
    expect(officer.locator(f'tr[data-tranche="{tranche.number}"]')).to_contain_text("met on")
    shot(officer, "day-04-condition-met")
    tranche.refresh_from_db()
    assert tranche.condition_met_on == today

    finance = new_context(viewport=PHONE).new_page()
    log_in(finance, "finance@example.org")
    finance.goto(f"{live_server.url}/admin/")
    expect(finance.get_by_role("heading", name="Your work")).to_be_visible()
    expect(queue_line(finance, "Release conditions pending")).to_have_count(0)  # not the finance officer's work
    shot(finance, "day-05-finance-officer-queue-phone")
    overdue = follow_the_line_to_its_list(finance, "Tranches overdue", shot, "day-06-tranches-overdue-phone")

    open_the_record(finance, live_server, tranche)
    row = finance.locator(f'tr[data-tranche="{tranche.number}"]')
    expect(row.get_by_role("button", name="Record")).to_have_count(0)  # recording conditions is not hers
    row.get_by_role("link", name="Pay").click()
    expect(finance.get_by_role("heading", name="Record a disbursement")).to_be_visible()
    shot(finance, "day-07-pay-form-phone")
    finance.get_by_role("button", name="Record the disbursement").click()

    record = reverse("admin:grants_project_record", args=[tranche.agreement.project_id])
    expect(finance).to_have_url(re.compile(re.escape(f"{live_server.url}{record}")))
    expect(finance.locator(".messagelist .success")).to_have_text(
        f"Paid {format_money(tranche.amount, currency)} against {tranche}."
    )
    shot(finance, "day-08-record-after-payment-phone")
    payment = Transaction.objects.get(tranche=tranche)
    assert (payment.kind, payment.amount, payment.recorded_by.email) == (
        TransactionKind.DISBURSEMENT,
        tranche.amount,
        "finance@example.org",
    )

    finance.goto(f"{live_server.url}/admin/")
    assert queue_count(finance, "Tranches overdue") == overdue - 1
