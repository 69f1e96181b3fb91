"""Payment requests: each step and each refusal, through the services; the database's own refusals; and the
doors (admin, portal, API) that take them."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

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
    with pytest.raises(PaymentError, match="not released yet: A report approved: Inception report"):
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


# -- The doors: admin, portal, API


def signed_in(client, user):
    client.force_login(user)
    return client


def test_a_programme_officer_checks_and_a_finance_officer_approves_in_the_admin(client, grant):
    request = requested(grant, "5000.00")
    check = reverse("admin:grants_paymentrequest_check", args=[request.pk])
    approve = reverse("admin:grants_paymentrequest_approve", args=[request.pk])

    signed_in(client, grant.officer)
    page = client.get(check)
    assert page.status_code == 200 and "EUR\xa05,000.00" in page.content.decode()
    assert client.get(approve).status_code == 403
    done = client.post(check, {"decision": "accept"}, follow=True)
    assert f"{request.number} is checked." in done.content.decode()

    signed_in(client, grant.finance)
    assert client.get(check).status_code == 403
    done = client.post(approve, {"decision": "accept"}, follow=True)
    assert f"{request.number} is approved." in done.content.decode()
    assert Transaction.objects.filter(payment_request=request).exists()


def test_returning_without_a_reason_is_refused_on_the_page_and_nothing_changes(client, grant):
    request = requested(grant)
    signed_in(client, grant.officer)
    url = reverse("admin:grants_paymentrequest_check", args=[request.pk])
    refused = client.post(url, {"decision": "returned", "reason": ""})
    assert refused.status_code == 400 and "Say why: the partner reads it." in refused.content.decode()
    request.refresh_from_db()
    assert request.status == S.REQUESTED
    client.post(url, {"decision": "returned", "reason": "Attach the bank letter."})
    request.refresh_from_db()
    assert (request.status, request.reason) == (S.RETURNED, "Attach the bank letter.")


def test_the_checker_is_refused_the_approval_in_the_admin_too(client):
    grant = paying_grant()
    both = staff_in_role(PROGRAMME_OFFICER)
    both.groups.add(*staff_in_role(FINANCE_OFFICER).groups.all())
    request = payment_request_check(request=requested(grant), by=both)
    signed_in(client, both)
    refused = client.post(reverse("admin:grants_paymentrequest_approve", args=[request.pk]), {"decision": "accept"})
    assert refused.status_code == 400
    assert "You checked this request: another person must approve it." in refused.content.decode()


def test_the_admin_list_filters_the_work_and_the_queue_counts_it(client, grant, django_assert_max_num_queries):
    payment_request_check(request=requested(grant), by=grant.officer)
    requested(grant, "100.00")
    signed_in(client, grant.finance)
    url = reverse("admin:grants_paymentrequest_changelist")
    with django_assert_max_num_queries(20):
        listing = client.get(url + "?work=approve")
    assert listing.context["cl"].result_count == 1
    home = client.get(reverse("admin:index")).content.decode()
    assert "Payments to approve" in home and "Payments to check" not in home
    signed_in(client, grant.officer)
    assert "Payments to check" in client.get(reverse("admin:index")).content.decode()


def test_the_grant_record_page_lists_its_requests(client, grant):
    request = requested(grant)
    signed_in(client, grant.officer)
    page = client.get(reverse("admin:grants_project_record", args=[grant.project.pk])).content.decode()
    assert "Payment requests" in page and request.number in page


def test_the_partner_sees_released_tranches_with_the_amount_left_and_requests_one(client, grant):
    signed_in(client, grant.partner)
    url = reverse("grants:payments", args=[grant.project.code])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["tranches"][0][1]
    assert form.initial["amount"] == Decimal("40000.00")
    assert page.context["tranches"][1][1] is None  # not due yet
    assert "You can request it from" in page.content.decode()

    done = client.post(
        reverse("grants:payment-request-create", args=[grant.project.code]),
        {"tranche": grant.tranche.pk, "amount": "12000.00", "bank_account": grant.account.pk},
        follow=True,
    )
    assert "is sent" in done.content.decode()
    assert PaymentRequest.objects.get().amount == Decimal("12000.00")


def test_a_refused_request_keeps_what_was_typed_and_says_why(client, grant):
    signed_in(client, grant.partner)
    refused = client.post(
        reverse("grants:payment-request-create", args=[grant.project.code]),
        {"tranche": grant.tranche.pk, "amount": "45000.00", "bank_account": grant.account.pk, "note": "May invoice"},
    )
    body = refused.content.decode()
    assert refused.status_code == 400
    assert "Tranche 1 has EUR\xa040,000.00 left to request." in body
    assert 'value="45000.00"' in body and 'value="May invoice"' in body
    assert not PaymentRequest.objects.exists()


def test_the_partner_follows_its_requests_and_withdraws_one(client, grant):
    request = requested(grant)
    payment_request_refuse(request=requested(grant, "1.00"), by=grant.officer, to=S.RETURNED, reason="Too small.")
    signed_in(client, grant.partner)
    page = client.get(reverse("grants:payments", args=[grant.project.code])).content.decode()
    assert "Too small." in page and "Returned" in page
    client.post(reverse("grants:payment-request-withdraw", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == S.WITHDRAWN


def test_another_partner_is_told_the_pages_do_not_exist(client, grant):
    request = requested(grant)
    signed_in(client, PartnerUserFactory())
    assert client.get(reverse("grants:payments", args=[grant.project.code])).status_code == 404
    assert client.post(reverse("grants:payment-request-withdraw", args=[request.pk])).status_code == 404
    create = reverse("grants:payment-request-create", args=[grant.project.code])
    assert client.post(create, {"tranche": grant.tranche.pk, "amount": "1"}).status_code == 404
    request.refresh_from_db()
    assert request.status == S.REQUESTED


def test_the_partner_adds_an_account_in_the_portal_and_it_waits_to_be_verified(client, grant):
    signed_in(client, grant.partner)
    url = reverse("members:bank-accounts", args=[grant.grantee.pk])
    refused = client.post(
        url,
        {
            "account_holder": "KCCA",
            "bank_name": "Stanbic",
            "bank_country": "DE",
            "iban": "DE00 0000",
            "bic": "COBADEFFXXX",
            "currency": "EUR",
            "is_active": "on",
        },
    )
    assert refused.status_code == 400 and "This IBAN is not valid" in refused.content.decode()
    client.post(
        url,
        {
            "account_holder": "KCCA",
            "bank_name": "Stanbic",
            "bank_country": "DE",
            "iban": "DE44 5001 0517 5407 3249 31",
            "bic": "COBADEFFXXX",
            "currency": "EUR",
            "is_active": "on",
        },
    )
    page = client.get(url).content.decode()
    assert "Waiting to be verified" in page and "DE44500105175407324931" in page
    signed_in(client, PartnerUserFactory())
    assert client.get(url).status_code == 404


def test_a_finance_officer_verifies_an_account_in_the_admin(client, grant):
    from members.models import BankAccount

    account = bank_account_save(
        organisation=grant.grantee,
        by=grant.partner,
        account_holder="KCCA",
        bank_name="Stanbic",
        bank_country="DE",
        iban="DE44500105175407324931",
        bic="COBADEFFXXX",
        currency="EUR",
    )
    signed_in(client, grant.finance)
    client.post(
        reverse("admin:members_bankaccount_changelist"), {"action": "verify_accounts", "_selected_action": account.pk}
    )
    assert BankAccount.objects.get(pk=account.pk).verified_by == grant.finance


def test_the_api_takes_each_step_with_its_permission(grant):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(grant.partner)
    made = api.post(
        "/api/v1/payment-requests/",
        {"tranche": grant.tranche.pk, "amount": "2500.00", "bank_account": grant.account.pk},
        format="json",
    )
    assert made.status_code == 201, made.content
    url = f"/api/v1/payment-requests/{made.json()['id']}/"
    assert api.get(url).json()["status"] == "requested"
    assert api.post(url + "check/").status_code == 403
    too_much = api.post(
        "/api/v1/payment-requests/",
        {"tranche": grant.tranche.pk, "amount": "40000.00", "bank_account": grant.account.pk},
        format="json",
    )
    assert too_much.status_code == 400 and "left to request" in too_much.json()["error"]["message"]

    api.force_authenticate(PartnerUserFactory())
    assert api.get(url).status_code == 404
    assert api.get("/api/v1/payment-requests/").json()["results"] == []

    api.force_authenticate(grant.officer)
    assert api.post(url + "approve/").status_code == 403
    assert api.post(url + "check/").json()["status"] == "checked"
    api.force_authenticate(grant.finance)
    assert api.post(url + "return/", {"reason": ""}, format="json").status_code == 400
    assert api.post(url + "approve/").json()["status"] == "approved"


def test_no_payment_is_requested_on_an_agreement_awaiting_a_signature(grant):
    """The agreement document's rule at the payment request's door: nothing is asked before both sides signed."""
    from grants.models import AgreementStatus, GrantAgreement

    GrantAgreement.objects.filter(pk=grant.agreement.pk).update(status=AgreementStatus.AWAITING_SIGNATURES)

    with pytest.raises(PaymentError, match="is not yet signed by both sides"):
        requested(grant, "100.00")
    assert not PaymentRequest.objects.exists()
