"""The funding side's spreadsheet imports (contributions, projects, exchange rates, the ledger) through the
admin: dates read in the format staff chose and no other, every refusal a sentence naming the row, the
column, the rule and the value given, and nothing written while any row is refused."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grants.models import Contribution, ExchangeRate, Project, Transaction, TransactionKind
from tests.admin_imports import confirm, preview, refusals
from tests.factories import ContributionFactory, FacilityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

ISO_ONLY = "must be a date written YYYY-MM-DD (the format chosen for this import)"
DAY_FIRST = "%d/%m/%Y"

# Exchange rates


RATES = "currency,quote_currency,date,rate,source\n"


def test_a_rate_dated_01_12_2026_is_refused_when_dates_are_iso(staff_client):
    response = preview(staff_client, ExchangeRate, RATES + "CHF,USD,01/12/2026,1.10,central bank\n")

    assert refusals(response) == [f"row 1: date {ISO_ONLY}, got “01/12/2026”."]
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize(
    ("date_format", "written", "read"),
    [
        ("%Y-%m-%d", "2026-12-01", dt.date(2026, 12, 1)),
        ("%d/%m/%Y", "01/12/2026", dt.date(2026, 12, 1)),
        ("%m/%d/%Y", "01/12/2026", dt.date(2026, 1, 12)),
        ("%d.%m.%Y", "01.12.2026", dt.date(2026, 12, 1)),
    ],
)
def test_a_rate_date_is_read_in_the_format_staff_chose(staff_client, date_format, written, read):
    response = preview(
        staff_client, ExchangeRate, RATES + f"CHF,USD,{written},1.10,central bank\n", date_format=date_format
    )

    assert not ExchangeRate.objects.exists()  # the preview is a dry run
    assert read.isoformat() in response.content.decode()  # the preview shows the date as it was read
    confirm(staff_client, ExchangeRate, response)

    assert list(ExchangeRate.objects.values_list("date", "rate")) == [(read, Decimal("1.10"))]


def test_a_two_digit_year_is_never_read_as_a_year_of_the_first_century(staff_client):
    response = preview(staff_client, ExchangeRate, RATES + "CHF,USD,01/12/26,1.10,\n", date_format=DAY_FIRST)

    assert refusals(response) == [
        "row 1: date must be a date written DD/MM/YYYY (the format chosen for this import), got “01/12/26”."
    ]


def test_every_refused_rate_is_said_in_words_and_no_rate_is_saved(staff_client):
    csv = RATES + (
        "CHF,USD,2026-01-01,1.10,central bank\n"
        "CHF,USD,2026-01-02,abc,central bank\n"
        "CHF,USD,2026-01-03,-1,central bank\n"
        "CHF,USD,,1.10,central bank\n"
        "CHF,USD,2026-01-05,,central bank\n"
        "CHF,XYZ,2026-01-06,1.10,central bank\n"
        "CHF,CHF,2026-01-07,1,central bank\n"
    )

    response = preview(staff_client, ExchangeRate, csv)

    assert refusals(response) == [
        "row 2: rate must be a number written with a dot for decimals and no thousands separator, got “abc”.",
        "row 3: rate “-1”: A rate must be more than zero.",
        "row 4: date is required, got an empty cell.",
        "row 5: rate is required, got an empty cell.",
        "row 6: quote_currency “XYZ”: XYZ is not an ISO 4217 currency code in use.",
        "row 7: currency “CHF”, quote_currency “CHF”: A rate converts between two different currencies.",
    ]
    assert not ExchangeRate.objects.exists()


def test_a_rate_only_the_database_refuses_is_refused_in_words_and_the_other_rows_are_still_checked(
    staff_client, monkeypatch
):
    monkeypatch.setattr(ExchangeRate, "full_clean", lambda self, **kwargs: None)  # the database's checks alone

    response = preview(staff_client, ExchangeRate, RATES + "CHF,USD,2026-01-01,0,\nEUR,USD,2026-01-01,1.08,\n")

    assert refusals(response) == ["row 1: rate “0”: A rate must be more than zero."]
    assert response.context["result"].totals["new"] == 1
    assert not ExchangeRate.objects.exists()


# Contributions

CONTRIBUTIONS = "reference,title,donor,amount,currency,start_date,end_date,status,contract_partner\n"


def test_every_refused_contribution_is_said_in_words_and_none_is_saved(staff_client):
    OrganisationFactory(name="Sida")
    csv = CONTRIBUTIONS + (
        "S-1,Core,Sida,1000.00,SEK,2020-01-01,2020-12-31,pledged,\n"
        "S-2,Core,Unknown Agency,1000.00,SEK,2020-01-01,2020-12-31,pledged,\n"
        'S-3,Core,Sida,"1,000.00",SEK,2020-01-01,2020-12-31,maybe,\n'
        "S-4,,Sida,1000.00,SEK,2020-12-31,2020-01-01,pledged,Nobody\n"
        "S-5,Core,Sida,1000.00,SEK,31/12/2020,2020-12-31,pledged,\n"
    )

    response = preview(staff_client, Contribution, csv)

    assert refusals(response) == [
        "row 2: donor must be the name of a recorded organisation, got “Unknown Agency”.",
        "row 3: amount must be a number written with a dot for decimals and no thousands separator, got “1,000.00”.",
        "row 3: status must be one of: pledged, active, completed, cancelled, got “maybe”.",
        "row 4: contract_partner must be the name of a recorded organisation, got “Nobody”.",
        "row 4: title is required, got an empty cell.",
        "row 4: start_date “2020-12-31”, end_date “2020-01-01”: The agreement cannot end before it starts.",
        f"row 5: start_date {ISO_ONLY}, got “31/12/2020”.",
    ]
    assert not Contribution.objects.exists()


def test_contribution_dates_written_day_first_are_read_so_when_staff_say_so(staff_client):
    OrganisationFactory(name="Sida")
    csv = CONTRIBUTIONS + "S-1,Core,Sida,1000.00,SEK,01/02/2020,31/12/2020,Pledged,\n"

    assert refusals(preview(staff_client, Contribution, csv)) == [
        f"row 1: start_date {ISO_ONLY}, got “01/02/2020”.",
        f"row 1: end_date {ISO_ONLY}, got “31/12/2020”.",
    ]
    confirm(staff_client, Contribution, preview(staff_client, Contribution, csv, date_format=DAY_FIRST))

    contribution = Contribution.objects.get()
    assert (contribution.start_date, contribution.end_date) == (dt.date(2020, 2, 1), dt.date(2020, 12, 31))
    assert (contribution.amount, contribution.status) == (Decimal("1000.00"), "pledged")


# Projects

PROJECTS = "code,title,status,facility,start_date,end_date,currency,approved_budget,is_public\n"


def test_every_refused_project_is_said_in_words_and_none_is_saved(staff_client):
    FacilityFactory(code="country-programmes")
    csv = PROJECTS + (
        "P-1,Roads,Implementation,country-programmes,2020-01-01,2022-12-31,USD,1000,yes\n"
        "P-2,Roads,closing,nowhere,2020-01-01,2022-12-31,USD,1000,maybe\n"
        "P-3,Roads,2,country-programmes,2020-01-01,2019-12-31,USD,abc,no\n"
    )

    response = preview(staff_client, Project, csv)

    # is_public is exported, never read: publishing is the publish act's (its "maybe" is no refusal).
    assert refusals(response) == [
        "row 2: status must be one of: 1 (Pipeline / identification), 2 (Implementation), 3 (Finalisation), "
        "4 (Closed), 5 (Cancelled), 6 (Suspended), got “closing”.",
        "row 2: facility must be the code of a recorded facility, got “nowhere”.",
        "row 3: approved_budget must be a number written with a dot for decimals and no thousands separator, "
        "got “abc”.",
        "row 3: start_date “2020-01-01”, end_date “2019-12-31”: A project cannot end before it starts.",
    ]
    assert not Project.objects.exists()


def test_project_dates_are_read_in_the_chosen_format_and_an_import_publishes_nothing(staff_client):
    FacilityFactory(code="country-programmes")
    csv = PROJECTS + "P-1,Roads,implementation,country-programmes,12/31/2020,06/30/2022,USD,1000,yes\n"

    confirm(staff_client, Project, preview(staff_client, Project, csv, date_format="%m/%d/%Y"))

    project = Project.objects.get()
    assert (project.start_date, project.end_date) == (dt.date(2020, 12, 31), dt.date(2022, 6, 30))
    assert (project.status, project.is_public) == (2, False)


# The ledger: disbursements and incoming funds

LEDGER = "type,value_date,amount,currency,project,tranche,contribution,reference\n"


def test_every_refused_ledger_row_is_said_in_words_and_nothing_is_recorded(staff_client):
    ContributionFactory(reference="SECO-1", amount=Decimal("5000"), currency="CHF")
    csv = LEDGER + (
        "incoming funds,2024-01-05,100.00,CHF,,,SECO-1,IN-1\n"
        "refund,2024-02-05,10.00,USD,CP-X,,,PAY-4\n"
        "disbursement,05/02/2024,ten,USD,,a,,PAY-5\n"
        "incoming funds,2024-02-05,10.00,CHF,,,NOPE,IN-2\n"
    )

    response = preview(staff_client, Transaction, csv)

    assert refusals(response) == [
        "row 2: type must be “disbursement” or “incoming funds” (or the IATI codes 3 and 1), got “refund”.",
        "row 2: project must be the code of a recorded project, got “CP-X”.",
        f"row 3: value_date {ISO_ONLY}, got “05/02/2024”.",
        "row 3: amount must be a number written with a dot for decimals and no thousands separator, got “ten”.",
        "row 3: tranche must be a whole number, got “a”.",
        "row 4: contribution must be the agreement reference of a recorded donor contribution, got “NOPE”.",
    ]
    assert not Transaction.objects.filter(kind=TransactionKind.INCOMING_FUNDS).exists()


def test_ledger_value_dates_are_read_in_the_chosen_format(staff_client):
    ContributionFactory(reference="SECO-1", amount=Decimal("5000"), currency="CHF")
    csv = LEDGER + "incoming funds,05.01.2024,100.00,CHF,,,SECO-1,IN-1\n"

    confirm(staff_client, Transaction, preview(staff_client, Transaction, csv, date_format="%d.%m.%Y"))

    assert list(Transaction.objects.values_list("value_date", "amount")) == [(dt.date(2024, 1, 5), Decimal("100.00"))]


def test_date_cells_of_a_spreadsheet_are_read_as_the_dates_they_hold(staff_client):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["currency", "quote_currency", "date", "rate", "source"])
    sheet.append(["CHF", "USD", dt.datetime(2026, 12, 1), 1.1, "central bank"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload = SimpleUploadedFile("rates.xlsx", buffer.getvalue())

    response = staff_client.post(
        reverse("admin:grants_exchangerate_import"), {"format": "1", "import_file": upload, "date_format": DAY_FIRST}
    )
    confirm(staff_client, ExchangeRate, response)

    assert list(ExchangeRate.objects.values_list("date", "rate")) == [(dt.date(2026, 12, 1), Decimal("1.1"))]


def test_the_import_page_asks_how_dates_are_written_iso_first(staff_client):
    page = staff_client.get(reverse("admin:grants_exchangerate_import")).content.decode()

    assert "Dates in the file are written" in page
    assert '<option value="%Y-%m-%d" selected>YYYY-MM-DD, such as 2026-12-01 for 1 December 2026</option>' in page
    assert '<option value="%d/%m/%Y">DD/MM/YYYY, such as 01/12/2026 for 1 December 2026</option>' in page
