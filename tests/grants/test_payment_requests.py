"""Payment requests: each step and each refusal, through the services; the database's own refusals; and the
doors (admin, portal, API) that take them."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction

from grants.models import PaymentRequest, PaymentRequestStatus, Tranche, Transaction, TransactionKind
from grants.services import (
    PaymentError,
    TrancheSpec,
    payment_request_approve,
    payment_request_check,
    payment_request_create,
    payment_request_refuse,
    payment_request_withdraw,
)
from members.roles import FINANCE_OFFICER, PROGRAMME_OFFICER
from members.services import bank_account_save, bank_account_verify
from tests.factories import BankAccountFactory, PartnerUserFactory, staff_in_role
from tests.grants.payments import DUE, approved, paying_grant, requested

pytestmark = pytest.mark.django_db

S = PaymentRequestStatus


@pytest.fixture
def grant():
    return paying_grant()


# -- Asking


def test_a_partner_requests_part_of_a_released_tranche_and_staff_are_told(grant, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = requested(grant, "15000.00")

    assert (request.status, request.amount, request.currency) == (S.REQUESTED, Decimal("15000.00"), "EUR")
    assert request.number == f"{grant.agreement.reference}-P01"
    assert request.bank_account == grant.account
    assert any(grant.officer.email in message.to for message in mail.outbox)
    assert "Payment requested" in mail.outbox[0].subject


def test_a_tranche_not_yet_due_is_refused(grant):
    with pytest.raises(PaymentError, match="not due before 2099-01-01"):
        payment_request_create(
            tranche=grant.later, amount=Decimal("100.00"), bank_account=grant.account, requested_by=grant.partner
        )
    assert not PaymentRequest.objects.exists()


def test_a_tranche_awaiting_its_condition_is_refused():
    grant = paying_grant(tranches=[TrancheSpec(DUE, Decimal("100000.00"), condition="Inception report", kind="report")])
    with pytest.raises(PaymentError, match="not released yet: A progress report approved: Inception report"):
        requested(grant)


def test_more_than_the_tranche_has_left_is_refused_and_open_requests_count(grant):
    requested(grant, "30000.00")
    with pytest.raises(PaymentError, match=r"has .*10,000.00 left to request. Requests not yet decided hold"):
        requested(grant, "10000.01")
    requested(grant, "10000.00")
    assert PaymentRequest.objects.count() == 2


@pytest.mark.parametrize("amount", ["0", "-5", "1.001"])
def test_an_amount_not_positive_or_in_fractions_of_cents_is_refused(grant, amount):
    with pytest.raises(PaymentError):
        requested(grant, amount)


def test_an_unverified_account_is_refused(grant):
    account = BankAccountFactory(organisation=grant.grantee, currency="EUR")
    with pytest.raises(PaymentError, match="not verified yet"):
        payment_request_create(
            tranche=grant.tranche, amount=Decimal("10.00"), bank_account=account, requested_by=grant.partner
        )


def test_an_account_in_another_currency_or_of_another_organisation_is_refused(grant):
    chf = bank_account_verify(account=BankAccountFactory(organisation=grant.grantee), by=grant.finance)
    with pytest.raises(PaymentError, match="paid in EUR"):
        payment_request_create(
            tranche=grant.tranche, amount=Decimal("10.00"), bank_account=chf, requested_by=grant.partner
        )
    theirs = bank_account_verify(account=BankAccountFactory(currency="EUR"), by=grant.finance)
    with pytest.raises(PaymentError, match="your organisation's bank accounts"):
        payment_request_create(
            tranche=grant.tranche, amount=Decimal("10.00"), bank_account=theirs, requested_by=grant.partner
        )


def test_someone_not_acting_for_the_grantee_cannot_request(grant):
    with pytest.raises(PaymentError, match="Only the grantee's partners"):
        payment_request_create(
            tranche=grant.tranche,
            amount=Decimal("10.00"),
            bank_account=grant.account,
            requested_by=PartnerUserFactory(),
        )


def test_the_database_refuses_an_amount_not_positive(grant):
    request = requested(grant)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentRequest.objects.filter(pk=request.pk).update(amount=0)


# -- Checking and approving


def test_check_then_approve_records_the_disbursement_in_the_ledger(grant, django_capture_on_commit_callbacks):
    request = requested(grant, "25000.00")
    payment_request_check(request=request, by=grant.officer)
    with django_capture_on_commit_callbacks(execute=True):
        request = payment_request_approve(request=request, by=grant.finance)

    row = Transaction.objects.get(payment_request=request)
    assert (row.kind, row.amount, row.currency, row.reference) == (
        TransactionKind.DISBURSEMENT,
        Decimal("25000.00"),
        "EUR",
        request.number,
    )
    assert row.tranche == grant.tranche and row.receiver == grant.grantee and row.recorded_by == grant.finance
    assert Tranche.objects.get(pk=grant.tranche.pk).disbursed_total == Decimal("25000.00")
    grant.project.refresh_from_db()
    assert grant.project.disbursed_total == Decimal("25000.00")
    steps = list(request.transitions.values_list("from_status", "to_status", "by"))
    assert steps == [(S.REQUESTED, S.CHECKED, grant.officer.pk), (S.CHECKED, S.APPROVED, grant.finance.pk)]
    assert grant.partner.email in mail.outbox[-1].to and "approved" in mail.outbox[-1].subject


def test_approving_before_the_check_is_refused(grant):
    request = requested(grant)
    with pytest.raises(PaymentError, match="requested cannot be approved by you"):
        payment_request_approve(request=request, by=grant.finance)
    assert not Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT).exists()


def test_the_person_who_checked_cannot_approve():
    grant = paying_grant()
    both = staff_in_role(PROGRAMME_OFFICER)
    both.groups.add(*staff_in_role(FINANCE_OFFICER).groups.all())
    request = payment_request_check(request=requested(grant), by=both)
    with pytest.raises(PaymentError, match="You checked this request: another person must approve it"):
        payment_request_approve(request=request, by=both)
    request.refresh_from_db()
    assert request.status == S.CHECKED
    assert not Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT).exists()


def test_the_database_refuses_the_same_person_checking_and_approving(grant):
    request = payment_request_check(request=requested(grant), by=grant.officer)
    with pytest.raises(IntegrityError, match="payment_request_checker_is_not_approver"), transaction.atomic():
        PaymentRequest.objects.filter(pk=request.pk).update(approved_by=grant.officer)


def test_the_database_refuses_an_approved_request_without_its_disbursement(grant):
    request = payment_request_check(request=requested(grant), by=grant.officer)
    with pytest.raises(IntegrityError, match="payment_request_approved_is_disbursed"), transaction.atomic():
        PaymentRequest.objects.filter(pk=request.pk).update(status=S.APPROVED, approved_by=grant.finance)


def test_each_step_needs_its_permission(grant):
    request = requested(grant)
    with pytest.raises(PaymentError, match="cannot be checked by you"):
        payment_request_check(request=request, by=grant.finance)  # a finance officer does not check
    payment_request_check(request=request, by=grant.officer)
    with pytest.raises(PaymentError, match="cannot be approved by you"):
        payment_request_approve(request=request, by=staff_in_role(PROGRAMME_OFFICER))


def test_an_account_that_lost_its_verification_is_refused_at_approval(grant):
    request = payment_request_check(request=requested(grant), by=grant.officer)
    bank_account_save(organisation=grant.grantee, account=grant.account, by=grant.partner, bic="DEUTDEFFXXX")
    with pytest.raises(PaymentError, match="not verified yet"):
        payment_request_approve(request=request, by=grant.finance)


# -- Refusals with reasons, and withdrawal


@pytest.mark.parametrize("to", [S.RETURNED, S.DECLINED])
def test_the_checker_returns_or_declines_with_a_reason_and_the_partner_is_told(
    grant, to, django_capture_on_commit_callbacks
):
    request = requested(grant)
    with pytest.raises(PaymentError, match="Say why"):
        payment_request_refuse(request=request, by=grant.officer, to=to, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        payment_request_refuse(request=request, by=grant.officer, to=to, reason="The report is not approved.")
    request.refresh_from_db()
    assert (request.status, request.reason) == (to, "The report is not approved.")
    assert request.transitions.get().comment == "The report is not approved."
    assert "The report is not approved." in mail.outbox[-1].body
    requested(grant, "40000.00")  # what it held is free again


def test_the_approver_returns_a_checked_request(grant):
    request = payment_request_check(request=requested(grant), by=grant.officer)
    with pytest.raises(PaymentError, match="cannot be returned by you"):
        payment_request_refuse(request=request, by=grant.officer, to=S.RETURNED, reason="Late.")
    payment_request_refuse(request=request, by=grant.finance, to=S.RETURNED, reason="Wrong account.")
    request.refresh_from_db()
    assert request.status == S.RETURNED


def test_the_partner_withdraws_while_requested_only(grant):
    request = requested(grant)
    payment_request_withdraw(request=request, by=grant.partner)
    request.refresh_from_db()
    assert request.status == S.WITHDRAWN
    other = payment_request_check(request=requested(grant), by=grant.officer)
    with pytest.raises(PaymentError, match="checked cannot be withdrawn by you"):
        payment_request_withdraw(request=other, by=grant.partner)
    with pytest.raises(PaymentError):
        payment_request_withdraw(request=requested(grant), by=PartnerUserFactory())


# -- Bank accounts


def test_a_new_or_changed_account_is_unverified_and_its_enterer_cannot_verify_it(grant):
    clerk = staff_in_role(FINANCE_OFFICER)
    account = bank_account_save(
        organisation=grant.grantee,
        by=clerk,
        account_holder="KCCA",
        bank_name="Stanbic",
        bank_country="DE",
        iban="de89 3704 0044 0532 0130 00",
        bic="cobadeffxxx",
        currency="EUR",
    )
    assert (account.iban, account.is_verified, account.entered_by) == ("DE89370400440532013000", False, clerk)
    with pytest.raises(Exception, match="someone else must verify it"):
        bank_account_verify(account=account, by=clerk)
    bank_account_verify(account=account, by=grant.finance)
    account = bank_account_save(organisation=grant.grantee, account=account, by=grant.partner, bank_name="Stanbic")
    assert account.is_verified  # nothing changed
    account = bank_account_save(organisation=grant.grantee, account=account, by=grant.partner, bank_name="Other")
    assert not account.is_verified


def test_the_database_refuses_the_enterer_as_verifier(grant):
    from members.models import BankAccount

    with pytest.raises(IntegrityError, match="bank_account_verifier_is_not_enterer"), transaction.atomic():
        BankAccount.objects.filter(pk=grant.account.pk).update(entered_by=grant.finance)


# -- Two requests at once


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_past_what_is_left_are_taken_one_after_the_other():
    grant = paying_grant()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def ask():
        try:
            barrier.wait(timeout=60)
            requested(grant, "30000.00")
            outcomes.append("recorded")
        except PaymentError as error:
            outcomes.append(error.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes)[1] == "recorded" and "left to request" in sorted(outcomes)[0]
    assert PaymentRequest.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_overpayment_check_refuses_two_approvals_past_the_tranche():
    """Written around the services: the tranche's check constraint refuses a second disbursement that would
    overpay it, as approvals go through `disbursement_record`."""
    grant = paying_grant()
    first = approved(grant, "30000.00")
    assert first.disbursement.amount == Decimal("30000.00")
    with pytest.raises(IntegrityError, match="tranche_not_overpaid"), transaction.atomic():
        Tranche.objects.filter(pk=grant.tranche.pk).update(disbursed_total=Decimal("40000.01"))


def test_a_request_approved_today_is_dated_today(grant):
    request = approved(grant)
    assert request.disbursement.value_date == dt.date.today()
