"""Amendments to sign: an approved amendment awaits both sides' signatures, recorded by the secretariat from the
signed letter (admin, API); the partner is asked to sign it on its portal home and downloads the letter; the
tranches a cost extension added are not paid before both sides have signed, whichever door pays them."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.formats import date_format
from pypdf import PdfReader
from rest_framework.test import APIClient

from grants.models import AmendmentSignatory, SignatorySide, Transaction, TransactionKind
from grants.services import AgreementError, LedgerError, disbursement_record
from grants.services.amendment_signatures import amendment_signature_record, amendment_signed_copy_upload
from grants.services.amendments import amendment_approve
from grants.services.payments import PaymentError, payment_request_create
from members.roles import FINANCE_OFFICER, PROGRAMME_OFFICER
from tests.factories import PDF, BankAccountFactory, OrganisationFactory, PartnerUserFactory, staff_in_role
from tests.grants.test_agreement_document import PNG
from tests.grants.test_amendments import (  # noqa: F401 (fixtures)
    _in_2021,
    agreement,
    committee,
    cost_extension,
    officer,
    partner,
)

pytestmark = pytest.mark.django_db

APPROVED_ON = dt.date(2021, 3, 10)
AWAITING = "Tranche 3 comes with amendment 1, not signed by both sides yet: waiting for the signature of"


@pytest.fixture
def approved(agreement, partner, committee):  # noqa: F811
    """A cost extension of 20 000 approved: its tranche 3 is due on 1 September 2021."""
    return amendment_approve(amendment=cost_extension(agreement, partner), user=committee)


def sign(amendment, side, on=APPROVED_ON, name="Grace Nakato"):
    return amendment_signature_record(
        amendment=amendment, side=side, name=name, title="Mayor", signed_on=on, recorded_by=None
    )


def pay_tranche_3(agreement):  # noqa: F811
    return disbursement_record(
        project=agreement.project,
        tranche=agreement.tranches.get(number=3),
        amount=Decimal("1000.00"),
        value_date=dt.date(2021, 3, 10),
    )


def test_an_approved_amendment_awaits_both_signatures_and_is_signed_on_the_later_day(approved, agreement):  # noqa: F811
    assert approved.awaits_signatures and approved.signed_on is None
    assert agreement.tranches.get(number=3).amendment == approved
    assert set(agreement.tranches.filter(number__lt=3).values_list("amendment", flat=True)) == {None}

    sign(approved, SignatorySide.SECRETARIAT, on=dt.date(2021, 3, 10))
    approved.refresh_from_db()
    assert approved.signed_on is None

    sign(approved, SignatorySide.PARTNER, on=dt.date(2021, 3, 10))
    approved.refresh_from_db()
    assert approved.signed_on == dt.date(2021, 3, 10) and not approved.awaits_signatures


def test_the_tranche_a_cost_extension_added_is_paid_only_once_both_sides_signed(approved, agreement):  # noqa: F811
    assert agreement.is_fully_signed  # the agreement itself was signed: only the amendment waits
    with pytest.raises(LedgerError) as refusal:
        pay_tranche_3(agreement)
    assert refusal.value.message.startswith(AWAITING)
    assert "the grantee and the secretariat" in refusal.value.message
    assert not Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT, tranche__number=3).exists()

    disbursement_record(  # the agreement's own tranches are paid as before
        project=agreement.project,
        tranche=agreement.tranches.get(number=1),
        amount=Decimal("1000.00"),
        value_date=dt.date(2021, 3, 10),
    )

    sign(approved, SignatorySide.PARTNER)
    sign(approved, SignatorySide.SECRETARIAT)
    assert pay_tranche_3(agreement).amount == Decimal("1000.00")


def test_the_admin_pay_form_refuses_the_unsigned_amendments_tranche(client, approved, agreement):  # noqa: F811
    client.force_login(staff_in_role(FINANCE_OFFICER))
    tranche = agreement.tranches.get(number=3)

    response = client.post(
        reverse("admin:grants_tranche_disburse", args=[tranche.pk]),
        {"amount": "1000.00", "value_date": "2021-03-10", "reference": "PAY-3"},
    )

    assert AWAITING in response.content.decode()
    assert not Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT).exists()


def test_a_payment_request_for_the_unsigned_amendments_tranche_is_refused(approved, agreement, partner):  # noqa: F811
    account = BankAccountFactory(organisation=agreement.grantee, currency=agreement.currency)

    with pytest.raises(PaymentError) as refusal:
        payment_request_create(
            tranche=agreement.tranches.get(number=3),
            amount=Decimal("1000.00"),
            bank_account=account,
            requested_by=partner,
        )

    assert refusal.value.message.startswith(AWAITING)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"on": dt.date(2021, 3, 9)}, "The amendment was approved on 2021-03-10: it cannot be signed before."),
        ({"on": dt.date(2021, 3, 11)}, "A signature cannot be dated on a day still to come."),
        ({"name": " "}, "Give the signatory's name."),
        ({"side": "donor"}, "Choose the side the signatory signed for."),
    ],
)
def test_a_signature_out_of_its_rules_is_refused_and_nothing_recorded(approved, change, said):
    fields = {"side": SignatorySide.PARTNER, **change}
    with pytest.raises(AgreementError, match=said):
        sign(approved, **fields)
    assert not AmendmentSignatory.objects.exists()


def test_only_an_approved_amendment_is_signed(agreement, partner):  # noqa: F811
    requested = cost_extension(agreement, partner)
    with pytest.raises(AgreementError, match="only an approved amendment is signed"):
        sign(requested, SignatorySide.PARTNER)
    with pytest.raises(AgreementError, match="only an approved amendment is signed"):
        amendment_signed_copy_upload(amendment=requested, upload=SimpleUploadedFile("s.pdf", PDF), user=partner)
    assert not AmendmentSignatory.objects.exists()


# -- The partner: a to-do, the letter, its status ---------------------------------------------------------------


def test_the_partner_is_asked_to_sign_until_the_grantees_signature_is_recorded(client, approved, partner):  # noqa: F811
    client.force_login(partner)
    todo = "Sign amendment 1 of PRJ-AMEND"

    assert todo in client.get(reverse("grants:dashboard")).content.decode()
    page = client.get(reverse("grants:amendments", args=["PRJ-AMEND"])).content.decode()
    assert "Awaiting the signature of the grantee and the secretariat." in page
    assert reverse("grants:amendment-letter", args=[approved.pk]) in page

    sign(approved, SignatorySide.PARTNER)
    assert todo not in client.get(reverse("grants:dashboard")).content.decode()
    sign(approved, SignatorySide.SECRETARIAT)
    page = client.get(reverse("grants:amendments", args=["PRJ-AMEND"])).content.decode()
    assert f"Signed by both sides on {date_format(APPROVED_ON)}." in page


def test_the_letter_names_each_term_changed_before_and_after(client, approved, partner):  # noqa: F811
    client.force_login(partner)

    response = client.get(reverse("grants:amendment-letter", args=[approved.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(
        PdfReader(io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content])))
        .pages[0]
        .extract_text()
        .split()
    )
    assert "Amendment 1 to grant agreement" in text
    assert "100,000.00" in text and "120,000.00" in text  # the amount, before and now
    assert "Tranche 3" in text and "For the grantee" in text and "For the secretariat" in text


def test_another_organisations_partner_finds_no_letter_nor_signed_copy(client, approved):
    amendment_signed_copy_upload(amendment=approved, upload=SimpleUploadedFile("s.pdf", PDF), user=None)
    client.force_login(PartnerUserFactory(organisation=OrganisationFactory()))

    assert client.get(reverse("grants:amendment-letter", args=[approved.pk])).status_code == 404
    assert client.get(reverse("grants:amendment-signed-copy", args=[approved.pk])).status_code == 404


# -- The secretariat: the admin and the API ----------------------------------------------------------------------


def test_the_committee_records_both_signatures_and_the_signed_copy_in_the_admin(client, approved, agreement, committee):  # noqa: F811
    client.force_login(committee)
    record = client.get(reverse("admin:grants_project_record", args=[agreement.project_id])).content.decode()
    assert "Awaiting the grantee and the secretariat" in record

    for side, name in [("partner", "Grace Nakato"), ("secretariat", "Helena Marsh")]:
        response = client.post(
            reverse("admin:grants_amendment_signature", args=[approved.pk]),
            {"side": side, "name": name, "title": "", "email": "", "signed_on": "2021-03-10"},
        )
        assert response.status_code == 302, response.content.decode()
    refused = client.post(
        reverse("admin:grants_amendment_signed_copy", args=[approved.pk]),
        {"file": SimpleUploadedFile("letter.pdf", PNG)},
    )
    assert refused.status_code == 400 and "is not a PDF file" in refused.content.decode()
    client.post(
        reverse("admin:grants_amendment_signed_copy", args=[approved.pk]),
        {"file": SimpleUploadedFile("letter.pdf", PDF)},
    )

    approved.refresh_from_db()
    assert approved.signed_on == APPROVED_ON and approved.signed_copy
    record = client.get(reverse("admin:grants_project_record", args=[agreement.project_id])).content.decode()
    assert "Signed by both sides on" in record and "Helena Marsh (Secretariat)" in record


@pytest.mark.parametrize("role", [FINANCE_OFFICER, PROGRAMME_OFFICER])
def test_staff_without_the_act_of_signing_are_refused(client, approved, role):
    client.force_login(staff_in_role(role))
    response = client.post(
        reverse("admin:grants_amendment_signature", args=[approved.pk]),
        {"side": "partner", "name": "Grace Nakato", "signed_on": "2021-03-10"},
    )
    assert response.status_code == 403
    assert not AmendmentSignatory.objects.exists()


def test_the_api_records_a_signature_and_says_whose_is_awaited(approved, partner, committee):  # noqa: F811
    api = APIClient()
    url = f"/api/v1/amendments/{approved.pk}/signatures/"
    api.force_authenticate(partner)
    assert api.post(url, {"side": "partner", "name": "Grace", "signed_on": "2021-03-10"}).status_code == 403
    assert api.get(f"/api/v1/amendments/{approved.pk}/").json()["awaiting_signature_of"] == ["partner", "secretariat"]

    api.force_authenticate(committee)
    bad = api.post(url, {"side": "partner", "name": "Grace", "signed_on": "2021-01-01"}, format="json")
    assert bad.status_code == 400 and "cannot be signed before" in str(bad.json())
    assert not AmendmentSignatory.objects.exists()

    answer = api.post(url, {"side": "partner", "name": "Grace", "signed_on": "2021-03-10"}, format="json")
    assert answer.status_code == 200
    assert answer.json()["awaiting_signature_of"] == ["secretariat"]
    assert answer.json()["signatories"] == [
        {"side": "partner", "name": "Grace", "title": "", "signed_on": "2021-03-10"}
    ]


def test_the_partner_is_told_to_sign_the_letter_when_the_amendment_is_approved(
    agreement,  # noqa: F811
    partner,  # noqa: F811
    committee,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    amendment = cost_extension(agreement, partner)
    with django_capture_on_commit_callbacks(execute=True):
        amendment_approve(amendment=amendment, user=committee)

    told = [message for message in mail.outbox if message.to == [partner.email]]
    assert len(told) == 1
    assert "have it signed for your organisation and return the signed copy" in told[0].body
