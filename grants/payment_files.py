"""The files of a payment run the treasury pays from: a table (CSV, XLSX) of every request, and an ISO 20022
pain.001 credit transfer (XML, made by the `sepaxml` library and checked against the schema it ships) of the
requests it can carry: in euros, to an IBAN.

A run's files are made from what it holds, never from the clock: the same run exported twice gives the same
bytes, so the file the bank was sent can be made again and compared.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import sepaxml
import tablib
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from common.errors import DomainError
from common.spreadsheets import safe_dataset

from .models import PaymentRequest, PaymentRun
from .selectors.payments import run_requests

PAIN_SCHEMA = "pain.001.001.09"
SEPA_CURRENCY = "EUR"


class PaymentFileError(DomainError):
    """A payment file cannot be made."""


@dataclass(frozen=True)
class PaymentLine:
    payee: str
    number: str  # IBAN or account number
    bic: str
    bank: str
    amount: Decimal
    currency: str
    reference: str  # the grant agreement's
    request: str  # the payment request's number
    has_iban: bool

    @property
    def in_sepa_file(self) -> bool:
        return self.currency == SEPA_CURRENCY and self.has_iban


def run_lines(run: PaymentRun) -> list[PaymentLine]:
    return [_line(request) for request in run_requests(run)]


def _line(request: PaymentRequest) -> PaymentLine:
    account = request.bank_account
    return PaymentLine(
        payee=account.account_holder,
        number=account.number,
        bic=account.bic,
        bank=account.bank_name,
        amount=request.amount,
        currency=request.currency,
        reference=request.tranche.agreement.reference,
        request=request.number,
        has_iban=bool(account.iban),
    )


def _headers() -> list[str]:
    return [
        _("Payee"),
        _("IBAN or account number"),
        _("BIC"),
        _("Bank"),
        _("Amount"),
        _("Currency"),
        _("Reference"),
        _("Request number"),
    ]


def _dataset(run: PaymentRun) -> tablib.Dataset:
    rows = [
        [line.payee, line.number, line.bic, line.bank, line.amount, line.currency, line.reference, line.request]
        for line in run_lines(run)
    ]
    return safe_dataset(tablib.Dataset(*rows, headers=_headers(), title=run.reference))


def run_csv(run: PaymentRun) -> bytes:
    return _dataset(run).export("csv").encode("utf-8")


def run_xlsx(run: PaymentRun) -> bytes:
    """The spreadsheet, with its timestamps (the workbook's and each part's in the zip) set to the run's."""
    made = _dataset(run).export("xlsx")
    stamp = timezone.localtime(run.created_at)
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(made)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = etree.tostring(_stamped(etree.fromstring(data), iso), xml_declaration=True, encoding="UTF-8")
            info = zipfile.ZipInfo(item.filename, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
    return out.getvalue()


def _stamped(core, iso: bytes):
    for element in core:
        if etree.QName(element).localname in ("created", "modified"):
            element.text = iso.decode()
    return core


def sepa_lines(run: PaymentRun) -> tuple[list[PaymentLine], list[PaymentLine]]:
    """The lines the XML file carries, and those paid from the table only (another currency, or no IBAN)."""
    lines = run_lines(run)
    return [line for line in lines if line.in_sepa_file], [line for line in lines if not line.in_sepa_file]


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(Path(sepaxml.__file__).parent / "schemas" / f"{PAIN_SCHEMA}.xsd")))


def run_pain001(run: PaymentRun) -> bytes:
    """The run's euro payments to IBANs as one pain.001.001.09 credit transfer from the fund's account."""
    if not (settings.FUND_IBAN and settings.FUND_BIC and settings.FUND_NAME):
        raise PaymentFileError(_("The fund's bank account is not set (FUND_IBAN, FUND_BIC, FUND_NAME)."))
    lines, _others = sepa_lines(run)
    if not lines:
        raise PaymentFileError(_("%(run)s has no payment in euros to an IBAN: pay it from the table.") % {"run": run})
    execution = timezone.localdate(run.sent_at or run.created_at)
    transfer = sepaxml.SepaTransfer(
        {
            "name": settings.FUND_NAME,
            "IBAN": settings.FUND_IBAN,
            "BIC": settings.FUND_BIC,
            "batch": True,
            "currency": SEPA_CURRENCY,
        },
        schema=PAIN_SCHEMA,
    )
    for line in lines:
        transfer.add_payment(
            {
                "name": line.payee,
                "IBAN": line.number,
                "BIC": line.bic,
                "amount": int(line.amount * 100),
                "execution_date": execution,
                "description": f"{line.request} {line.reference}",
                "endtoend_id": line.request[:35],
            }
        )
    document = etree.fromstring(transfer.export(validate=False))
    # sepaxml names the message and each batch at random and dates them now: name and date them after the run.
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{PAIN_SCHEMA}"}
    document.find(".//p:GrpHdr/p:MsgId", ns).text = run.reference
    document.find(".//p:GrpHdr/p:CreDtTm", ns).text = timezone.localtime(run.created_at).strftime("%Y-%m-%dT%H:%M:%S")
    for index, batch in enumerate(document.findall(".//p:PmtInf/p:PmtInfId", ns), start=1):
        batch.text = f"{run.reference}-{index}"
    if not _schema().validate(document):
        raise PaymentFileError(
            _("The payment file does not follow the pain.001 schema: %(error)s")
            % {"error": _schema().error_log.last_error}
        )
    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# Each file of a run: how it is made, its media type and its extension.
FILES = {
    "csv": (run_csv, "text/csv; charset=utf-8"),
    "xlsx": (run_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "xml": (run_pain001, "application/xml"),
}


def run_file_response(run: PaymentRun, kind: str) -> HttpResponse:
    """The download of one of the run's files (`kind` in FILES); raises PaymentFileError when it cannot be made."""
    make, content_type = FILES[kind]
    response = HttpResponse(make(run), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{run.reference}.{kind}"'
    return response
