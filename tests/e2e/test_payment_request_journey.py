"""A payment request in the browser, by three people: the partner asks for a released tranche on a phone, a
programme officer checks it from the work queue, a finance officer approves it and the ledger records the
disbursement. Each page is saved as a screenshot."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from grants.models import PaymentRequest, PaymentRequestStatus
from members.models import OrganisationRole, Role, User
from tests.e2e.conftest import PHONE
from tests.grants.payments import paying_grant

pytestmark = pytest.mark.django_db(transaction=True)

SCROLLS_SIDEWAYS = "() => document.scrollingElement.scrollWidth > window.innerWidth"


def queue_line(page, label: str):
    return page.locator(".work-queue-section tr").filter(has=page.get_by_role("link", name=re.compile(f"^{label}")))


def test_a_partner_asks_on_a_phone_and_two_staff_decide(new_context, live_server, demo, log_in, shot):
    grant = paying_grant(code="CP-KLA-2024", signed_on=timezone.localdate())  # the demo closed 2019
    partner = User.objects.get(email="partner@example.org")
    OrganisationRole.objects.create(user=partner, organisation=grant.grantee, role=Role.PARTNER)

    phone = new_context(viewport=PHONE).new_page()
    log_in(phone, partner.email)
    phone.goto(f"{live_server.url}{reverse('grants:payments', args=[grant.project.code])}")
    tranche = phone.locator('section[data-tranche="1"]')
    expect(tranche.get_by_label("Amount")).to_have_value("40000.00")  # what is left, by default
    expect(phone.locator('section[data-tranche="2"]')).to_contain_text("You can request it from")
    assert not phone.evaluate(SCROLLS_SIDEWAYS)
    shot(phone, "payment-01-partner-tranches-phone")

    tranche.get_by_label("Amount").fill("45000")
    tranche.get_by_role("button", name="Request payment").click()
    refused = phone.locator('section[data-tranche="1"]')
    expect(refused.locator(".field-error")).to_contain_text("Tranche 1 has EUR")
    expect(refused.get_by_label("Amount")).to_have_value("45000")  # what was typed stays
    shot(phone, "payment-02-partner-refused-phone")

    refused.get_by_label("Amount").fill("15000")
    refused.get_by_role("button", name="Request payment").click()
    expect(phone.locator(".messages")).to_contain_text("is sent")
    expect(phone.locator('[data-list="payment-requests"]')).to_contain_text("Requested")
    assert not phone.evaluate(SCROLLS_SIDEWAYS)
    shot(phone, "payment-03-partner-requested-phone")
    request = PaymentRequest.objects.get()

    officer = new_context().new_page()
    log_in(officer, "programme@example.org")
    officer.goto(f"{live_server.url}/admin/")
    queue_line(officer, "Payments to check").get_by_role("link").click()
    officer.locator("#result_list").get_by_role("link", name="Check").click()
    expect(officer.locator('[data-figure="amount"]')).to_contain_text("15,000.00")
    shot(officer, "payment-04-officer-check")
    officer.get_by_role("button", name="Checked: send to finance for approval").click()
    expect(officer.locator(".messagelist")).to_contain_text(f"{request.number} is checked.")

    finance = new_context().new_page()
    log_in(finance, "finance@example.org")
    finance.goto(f"{live_server.url}/admin/")
    queue_line(finance, "Payments to approve").get_by_role("link").click()
    finance.locator("#result_list").get_by_role("link", name="Approve").click()
    shot(finance, "payment-05-finance-approve")
    finance.get_by_role("button", name="Approve: record the disbursement").click()
    expect(finance.locator(".messagelist")).to_contain_text(f"{request.number} is approved.")
    shot(finance, "payment-06-finance-approved")

    request.refresh_from_db()
    assert request.status == PaymentRequestStatus.APPROVED
    assert request.disbursement.amount == Decimal("15000.00")
    phone.reload()
    expect(phone.locator(f'[data-request="{request.number}"]')).to_contain_text("Approved")
    shot(phone, "payment-07-partner-approved-phone")
