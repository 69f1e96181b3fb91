"""Payment runs: approved requests in one file for the treasury (CSV, XLSX, pain.001 XML), confirmed paid."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import sepaxml
import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from lxml import etree
from rest_framework.test import APIClient

from grants.models import PaymentRequestStatus, PaymentRun, PaymentRunStatus
from grants.payment_files import PaymentFileError, run_csv, run_pain001, run_xlsx, sepa_lines
from grants.services import PaymentError, payment_run_confirm, payment_run_create, payment_run_send
from tests.grants.payments import approved, paying_grant, requested, verified_account

pytestmark = pytest.mark.django_db

S = PaymentRequestStatus
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}


@pytest.fixture
def grant():
    return paying_grant()


@pytest.fixture
def run(grant):
    first, second = approved(grant, "12000.50"), approved(grant, "3000.00")
    return payment_run_create(requests=[first, second], by=grant.finance)


def test_a_run_takes_approved_requests_not_yet_in_a_run(grant, run):
    assert run.status == PaymentRunStatus.DRAFT and run.reference.startswith("RUN-")
    assert run.requests.count() == 2
    with pytest.raises(PaymentError, match="Only approved requests not yet in a run"):
        payment_run_create(requests=list(run.requests.all()), by=grant.finance)
    with pytest.raises(PaymentError, match="Only approved requests"):
        payment_run_create(requests=[requested(grant)], by=grant.finance)
    with pytest.raises(PaymentError, match="may not make payment runs"):
        payment_run_create(requests=[approved(grant)], by=grant.officer)


def test_the_csv_lists_payee_account_amount_and_references(grant, run):
    rows = list(csv.reader(io.StringIO(run_csv(run).decode())))

    assert rows[0] == [
        "Payee",
        "IBAN or account number",
        "BIC",
        "Bank",
        "Amount",
        "Currency",
        "Reference",
        "Request number",
    ]
    assert rows[1] == [
        "Kampala Capital City Authority",
        "DE89370400440532013000",
        "COBADEFFXXX",
        "Commerzbank",
        "12000.50",
        "EUR",
        grant.agreement.reference,
        f"{grant.agreement.reference}-P01",
    ]
    assert len(rows) == 3


def test_the_spreadsheet_holds_the_same_rows_and_the_same_bytes_each_time(grant, run):
    sheet = openpyxl.load_workbook(io.BytesIO(run_xlsx(run))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Payee" and values[1][4] in (Decimal("12000.50"), 12000.5)
    assert values[2][7] == f"{grant.agreement.reference}-P02"
    payment_run_send(run=run, by=grant.finance)
    with time_machine.travel(dt.datetime(2031, 1, 1, 12, tzinfo=dt.UTC), tick=False):
        later = (run_csv(run), run_xlsx(run), run_pain001(run))
    assert (run_csv(run), run_xlsx(run), run_pain001(run)) == later


def test_the_pain001_file_is_valid_and_pays_each_euro_request_from_the_fund(grant, run):
    document = etree.fromstring(run_pain001(run))
    schema = etree.XMLSchema(etree.parse(str(Path(sepaxml.__file__).parent / "schemas" / "pain.001.001.09.xsd")))

    assert schema.validate(document), schema.error_log
    assert document.findtext(".//p:GrpHdr/p:MsgId", namespaces=NS) == run.reference
    assert document.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "2"
    assert document.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "15000.50"
    assert document.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "CH5604835012345678009"
    payments = document.findall(".//p:CdtTrfTxInf", namespaces=NS)
    assert [p.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) for p in payments] == ["DE89370400440532013000"] * 2
    assert [p.findtext("p:PmtId/p:EndToEndId", namespaces=NS) for p in payments] == [
        f"{grant.agreement.reference}-P01",
        f"{grant.agreement.reference}-P02",
    ]
    assert payments[0].find("p:Amt/p:InstdAmt", namespaces=NS).attrib["Ccy"] == "EUR"


def test_requests_in_other_currencies_are_in_the_table_only(grant, run):
    usd = paying_grant(currency="USD", grantee="Ville de Dakar")
    other = payment_run_create(requests=[approved(usd)], by=usd.finance)
    assert sepa_lines(other) == ([], sepa_lines(other)[1]) and len(sepa_lines(other)[1]) == 1
    with pytest.raises(PaymentFileError, match="no payment in euros to an IBAN"):
        run_pain001(other)
    assert "USD" in run_csv(other).decode()


def test_an_account_without_iban_is_in_the_table_only():
    grant = paying_grant()
    account = verified_account(
        grant.grantee, iban="", account_number="0123456789", bank_country="US", bic="CHASUS33XXX", currency="EUR"
    )
    from grants.services import payment_request_approve, payment_request_check, payment_request_create

    request = payment_request_create(
        tranche=grant.tranche, amount=Decimal("5.00"), bank_account=account, requested_by=grant.partner
    )
    payment_request_approve(request=payment_request_check(request=request, by=grant.officer), by=grant.finance)
    run = payment_run_create(requests=[request, approved(grant)], by=grant.finance)
    in_file, table_only = sepa_lines(run)
    assert [line.number for line in table_only] == ["0123456789"] and len(in_file) == 1


@override_settings(FUND_IBAN="", FUND_BIC="", FUND_NAME="")
def test_without_the_fund_account_the_xml_is_refused(run):
    with pytest.raises(PaymentFileError, match="FUND_IBAN"):
        run_pain001(run)


def test_confirming_a_sent_run_marks_its_requests_paid_and_tells_the_partner(
    grant, run, django_capture_on_commit_callbacks
):
    with pytest.raises(PaymentError, match="only a run sent to the bank"):
        payment_run_confirm(run=run, by=grant.finance, value_date=dt.date.today())
    payment_run_send(run=run, by=grant.finance)
    with pytest.raises(PaymentError, match="not a day still to come"):
        payment_run_confirm(run=run, by=grant.finance, value_date=dt.date.today() + dt.timedelta(days=1))
    with pytest.raises(PaymentError, match="may not confirm"):
        payment_run_confirm(run=run, by=grant.officer, value_date=dt.date.today())
    with django_capture_on_commit_callbacks(execute=True):
        run = payment_run_confirm(run=run, by=grant.finance_2, value_date=dt.date.today())

    assert run.status == PaymentRunStatus.CONFIRMED and run.value_date == dt.date.today()
    assert set(run.requests.values_list("status", "paid_on")) == {(S.PAID, dt.date.today())}
    assert "paid" in mail.outbox[-1].subject and grant.partner.email in mail.outbox[-1].to
    with pytest.raises(PaymentError):
        payment_run_confirm(run=run, by=grant.finance, value_date=dt.date.today())


# -- The doors: admin and API


def test_a_finance_officer_makes_a_run_downloads_sends_and_confirms_it_in_the_admin(client, grant):
    first, second = approved(grant, "100.00"), approved(grant, "200.00")
    usd = paying_grant(currency="USD", grantee="Ville de Dakar")
    dollars = approved(usd, "50.00")
    client.force_login(grant.finance)
    made = client.post(
        reverse("admin:grants_paymentrequest_changelist"),
        {"action": "make_payment_run", "_selected_action": [first.pk, second.pk, dollars.pk]},
        follow=True,
    )
    page = made.content.decode()
    run = PaymentRun.objects.get()
    assert f"{run.reference} is made" in page
    assert "1 payment is not in euros to an IBAN: it is listed in the CSV and XLSX files only" in page

    csv_file = client.get(reverse("admin:grants_paymentrun_file", args=[run.pk, "csv"]))
    assert csv_file["Content-Disposition"] == f'attachment; filename="{run.reference}.csv"'
    assert "USD" in csv_file.content.decode()
    xml_file = client.get(reverse("admin:grants_paymentrun_file", args=[run.pk, "xml"]))
    assert xml_file.content.count(b"<CdtTrfTxInf>") == 2
    assert client.get(reverse("admin:grants_paymentrun_file", args=[run.pk, "pdf"])).status_code == 404

    client.post(reverse("admin:grants_paymentrun_send", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.SENT
    confirm = reverse("admin:grants_paymentrun_confirm", args=[run.pk])
    refused = client.post(confirm, {"value_date": "2099-01-01"})
    assert refused.status_code == 400 and "not a day still to come" in refused.content.decode()
    client.post(confirm, {"value_date": dt.date.today().isoformat()})
    assert set(run.requests.values_list("status", flat=True)) == {S.PAID}


def test_a_programme_officer_may_not_make_or_confirm_runs(client, grant, run):
    client.force_login(grant.officer)
    listing = client.get(reverse("admin:grants_paymentrequest_changelist"))
    assert "make_payment_run" not in listing.content.decode()
    assert client.get(reverse("admin:grants_paymentrun_confirm", args=[run.pk])).status_code == 403
    assert client.post(reverse("admin:grants_paymentrun_send", args=[run.pk])).status_code == 403


def test_the_api_serves_runs_and_their_files_to_staff_only(grant, run):
    api = APIClient()
    url = f"/api/v1/payment-runs/{run.pk}/"
    assert api.get(url).status_code == 401
    api.force_authenticate(grant.partner)
    assert api.get(url).status_code == 404
    api.force_authenticate(grant.finance)
    read = api.get(url).json()
    assert read["reference"] == run.reference and len(read["requests"]) == 2
    assert api.get(url + "file.csv/").content == run_csv(run)
    assert api.get(url + "file.xml/").content == run_pain001(run)
    assert api.get(url + "file.xlsx/").status_code == 200
