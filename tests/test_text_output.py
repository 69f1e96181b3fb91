"""Hostile text in every field that reaches IATI, the donor PDF, CSV files and the pages stays text.

Formula prefixes, markup, 10,000 characters and right-to-left text (with a right-to-left override)
are stored as typed: each output stays well-formed and shows them as text. Control characters are
refused at input (tests/test_text_input.py); a row stored before that rule still cannot break the
IATI feed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
import tablib
from django.urls import reverse
from django.utils.html import escape
from lxml import etree
from pypdf import PdfReader

from common.spreadsheets import safe_cell
from common.text import REPLACEMENT
from donors import services as donor_services
from donors.models import DonorReport
from grants.models import Project, Transaction
from grants.services import allocation_set, contribution_receive, disbursement_record
from members.models import OrganisationKind
from results.services import project_indicator_add, project_result_add
from tests.factories import (
    CityFactory,
    ContributionFactory,
    FacilityFactory,
    FundingWindowFactory,
    GrantAgreementFactory,
    IndicatorFactory,
    OrganisationFactory,
    OutcomeFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    StaffFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?leak","Click me")'
MARKUP = "<script>alert('pwned')</script> Tom & Jerry <b>bold</b>"
RTL = "\u202eتحسين الأحياء שיפור שכונות"
LONG = "Upgrading " * 1_000  # 10,000 characters
FORMULA_STARTS = {"=": FORMULA, "+": "+41 22 000 00 00", "-": "-2+3 cells", "@": "@SUM(A1:A9)", "\t": "\tTabbed"}


@pytest.fixture
def hostile():
    """A donor, a public project and everything they show, each text field holding hostile text."""
    window = FundingWindowFactory(code="hostile-window", name=f"{FORMULA_STARTS['+']} window")
    facility = FacilityFactory(window=window, code="hostile-facility", name=f"{FORMULA_STARTS['@']} facility")
    donor = OrganisationFactory(name=f"{MARKUP} donor", short_name="HOST", kind=OrganisationKind.NATIONAL_GOVERNMENT)
    partner = OrganisationFactory(name=f"{FORMULA_STARTS['-']} {RTL}", iati_identifier="XM-HOST-1")
    project = ProjectFactory(
        code="HOST-1",
        title=FORMULA,
        summary=f"{LONG}{MARKUP} {RTL}",
        facility=facility,
        approved_budget=Decimal("500000.00"),
        start_date=dt.date(2021, 1, 1),
        end_date=dt.date(2024, 12, 31),
    )
    project.themes.add(ThemeFactory(name=FORMULA_STARTS["\t"] + " theme"))
    project.cities.add(CityFactory(name=RTL))
    ProjectCountryFactory(project=project, country="UG")
    ProjectPartnerFactory(project=project, organisation=partner)
    contribution = ContributionFactory(
        donor=donor, reference="=1+1", title=MARKUP, amount=Decimal("900000.00"), start_date=dt.date(2021, 1, 1)
    )
    GrantAgreementFactory(project=project, grantee=partner, amount=Decimal("400000.00"), signed_on=dt.date(2021, 2, 1))
    allocation_set(
        contribution=contribution, project=project, amount=Decimal("300000.00"), allocated_on=dt.date(2021, 3, 1)
    )
    contribution_receive(contribution=contribution, amount=Decimal("600000.00"), value_date=dt.date(2021, 2, 15))
    disbursement_record(
        project=project,
        amount=Decimal("100000.00"),
        value_date=dt.date(2021, 6, 1),
        reference="@PAY-1",
        description=f"{MARKUP} {RTL}",
    )
    result = project_result_add(project=project, outcome=OutcomeFactory(), title=MARKUP, description=RTL)
    project_indicator_add(result=result, indicator=IndicatorFactory(name=FORMULA, code="HOST-IND"))
    return {"donor": donor, "project": project, "partner": partner, "contribution": contribution}


def _staff(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


def _body(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def _narratives(document, path: str) -> list[str]:
    return [element.text for element in document.iterfind(f"{path}/narrative")]


def _hostile_activity(document):
    return next(a for a in document.iter("iati-activity") if a.findtext("iati-identifier").endswith("-HOST-1"))


def test_the_iati_files_stay_well_formed_and_carry_the_text_as_typed(client, hostile):
    feed = etree.fromstring(_body(client.get(reverse("opendata:activities"))))
    own = etree.fromstring(_body(client.get(reverse("opendata:activity", args=["HOST-1"]))))

    for document in (feed, own):
        activity = _hostile_activity(document)
        assert _narratives(activity, "title") == [FORMULA]
        assert _narratives(activity, "description") == [f"{LONG}{MARKUP} {RTL}"]
        assert f"{FORMULA_STARTS['-']} {RTL}" in _narratives(activity, "participating-org")
        assert f"{MARKUP} {RTL}" in _narratives(activity, "transaction/description")
        assert [t.get("ref") for t in activity.iter("transaction") if t.get("ref", "").startswith("@")] == ["@PAY-1"]
        assert _narratives(activity, "result/title") == [MARKUP]
        assert _narratives(activity, "result/indicator/title") == [FORMULA]


def test_a_row_stored_before_the_input_rule_cannot_break_the_iati_feed(client, hostile):
    Project.objects.filter(pk=hostile["project"].pk).update(title="Old\x01title\x1f")
    # Ledger rows are never edited: an old row is one written, like a migration would, without the checks.
    old_row = Transaction.objects.get(reference="@PAY-1")
    old_row.pk, old_row.description, old_row.reference = None, "Paid\x08in\x0bcash", "PAY\x02"
    old_row.save()

    feed = etree.fromstring(_body(client.get(reverse("opendata:activities"))))
    own_response = client.get(reverse("opendata:activity", args=["HOST-1"]))

    assert own_response.status_code == 200
    own = etree.fromstring(_body(own_response))
    for document in (feed, own):
        activity = _hostile_activity(document)
        assert _narratives(activity, "title") == [f"Old{REPLACEMENT}title{REPLACEMENT}"]
        assert f"Paid{REPLACEMENT}in{REPLACEMENT}cash" in _narratives(activity, "transaction/description")
        assert f"PAY{REPLACEMENT}" in [t.get("ref") for t in activity.iter("transaction")]


def test_the_pages_show_markup_as_text(client, hostile):
    donor, project = hostile["donor"], hostile["project"]
    staff = _staff(client)
    pages = {
        "public project": _body(client.get(reverse("grants:project-detail", args=[project.code]))),
        "donor dashboard": _body(staff.get(reverse("donors:dashboard", args=[donor.pk]))),
        "donor project": _body(staff.get(reverse("donors:project", args=[donor.pk, project.code]))),
    }

    for name, body in pages.items():
        page = body.decode()
        assert "<script>alert(" not in page, name
        assert escape(MARKUP) in page or escape(f"{MARKUP} donor") in page, name
        assert escape(FORMULA) in page, name
    assert RTL in pages["public project"].decode() and escape(LONG) in pages["public project"].decode()


def _csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return [list(row) for row in tablib.Dataset().load(_body(response).decode(), format="csv")]


def test_every_donor_csv_writes_formula_like_text_behind_an_apostrophe(client, hostile):
    donor = hostile["donor"]
    staff = _staff(client)

    projects = _csv_rows(staff.get(reverse("donors:project-list", args=[donor.pk]), {"format": "csv"}))
    contributions = _csv_rows(staff.get(reverse("donors:contributions-csv", args=[donor.pk])))
    windows = _csv_rows(staff.get(reverse("donors:breakdown-csv", args=[donor.pk, "window"])))
    facilities = _csv_rows(staff.get(reverse("donors:breakdown-csv", args=[donor.pk, "facility"])))
    themes = _csv_rows(staff.get(reverse("donors:breakdown-csv", args=[donor.pk, "theme"])))

    assert projects[0][:4] == ["HOST-1", "'" + FORMULA, "'" + FORMULA_STARTS["+"] + " window", "'@SUM(A1:A9) facility"]
    assert contributions[0][0] == "'=1+1"
    assert [row[0] for row in windows] == ["'" + FORMULA_STARTS["+"] + " window"]
    assert [row[0] for row in facilities] == ["'@SUM(A1:A9) facility"]
    assert [row[0] for row in themes] == ["'\tTabbed theme"]
    assert projects[0][9:11] == ["400000.00", "100000.00"]  # numbers stay numbers


@pytest.mark.parametrize(
    ("url_name", "columns"),
    [
        ("admin:grants_project_export", {"projectresource_title": "on", "projectresource_code": "on"}),
        ("admin:grants_contribution_export", {"contributionresource_reference": "on"}),
        ("admin:grants_transaction_export", {"ledgerimportresource_reference": "on"}),
    ],
)
def test_admin_exports_write_formula_like_text_behind_an_apostrophe(client, hostile, url_name, columns):
    staff = _staff(client)

    csv = _body(staff.post(reverse(url_name), {"format": "0", **columns})).decode()
    xlsx = openpyxl.load_workbook(io.BytesIO(_body(staff.post(reverse(url_name), {"format": "1", **columns}))))

    cells = [cell for row in xlsx.active.iter_rows() for cell in row]
    assert not [cell.value for cell in cells if cell.data_type == "f"]
    in_xlsx = {cell.value for cell in cells}
    in_csv = {cell for row in tablib.Dataset().load(csv, format="csv") for cell in row}
    escaped = {"'" + FORMULA, "'=1+1", "'@PAY-1"}
    assert len(escaped & in_xlsx) == 1, in_xlsx
    assert escaped & in_xlsx == escaped & in_csv
    assert not {FORMULA, "=1+1", "@PAY-1"} & (in_csv | in_xlsx)


def test_every_formula_start_is_escaped_and_numbers_stay_numbers():
    assert {start: safe_cell(text) for start, text in FORMULA_STARTS.items()} == {
        start: "'" + text for start, text in FORMULA_STARTS.items()
    }
    assert safe_cell("\rCarriage") == "'\rCarriage"
    assert [safe_cell(value) for value in ("-40000.00", "+5", "Plain", Decimal("-1"), None)] == [
        "-40000.00",
        "+5",
        "Plain",
        Decimal("-1"),
        None,
    ]


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def test_the_donor_report_pdf_renders_the_text_as_text(hostile):
    report = DonorReport.objects.create(
        donor=hostile["donor"], period_start=dt.date(2021, 1, 1), period_end=dt.date(2021, 12, 31)
    )

    content, pages = donor_services.render_report_pdf(report)

    text = _normalised(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))
    assert pages > 1
    assert f"{MARKUP} donor" in text
    assert FORMULA in text
    hebrew = {letter for letter in "שיפור שכונות" if letter != " "}
    assert hebrew <= set(text)
