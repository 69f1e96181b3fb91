"""The accounting journal of a period for the host's ERP: its lines, its accounts, its totals against the ledger,
refusals that say what is missing, byte-identical files of a closed period, and who may export it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.urls import reverse

from grants import services
from grants.models import AccountingPeriod, AccountMapping, Transaction, TransactionKind
from grants.selectors.journal import COLUMNS, JournalIncomplete, period_journal
from members.roles import FINANCE_OFFICER, PROGRAMME_OFFICER
from tests.factories import (
    AccountingPeriodFactory,
    AccountMappingFactory,
    ContributionFactory,
    ExchangeRateFactory,
    FacilityFactory,
    FundingWindowFactory,
    OrganisationFactory,
    PartnerUserFactory,
    ProjectFactory,
    both_sides,
    staff_in_role,
)

pytestmark = pytest.mark.django_db

KIND = TransactionKind
START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)


@pytest.fixture
def ledger(settings):
    """A year of the books: a grant in the Country/City window committed, paid, partly reversed and spent, a
    grant in the Global window committed, CHF received from a donor; rows before and after the year."""
    settings.REPORTING_CURRENCY = "USD"
    country_city = FacilityFactory().window
    global_window = FundingWindowFactory(code="global", name="Global Window")
    city = ProjectFactory(code="CP-UGA", approved_budget=Decimal("1000.00"))
    joint = ProjectFactory(
        code="JWP-GLB",
        facility=FacilityFactory(code="jwp", name="Joint Work Programme", window=global_window),
        approved_budget=Decimal("500.00"),
    )
    grantee = OrganisationFactory(name="Jinja")
    services.grant_agreement_sign(
        project=city,
        reference="GA-CITY",
        grantee=grantee,
        signed_on=dt.date(2023, 12, 20),  # the year before
        signatures=both_sides(dt.date(2023, 12, 20)),
        amount=Decimal("1000.00"),
        tranches=[services.TrancheSpec(dt.date(2024, 2, 1), Decimal("1000.00"))],
    )
    services.grant_agreement_sign(
        project=joint,
        reference="GA-JOINT",
        grantee=grantee,
        signed_on=dt.date(2024, 3, 5),
        signatures=both_sides(dt.date(2024, 3, 5)),
        amount=Decimal("500.00"),
    )
    paid = services.disbursement_record(
        project=city,
        tranche=city.agreement.tranches.get(),
        amount=Decimal("600.00"),
        value_date=dt.date(2024, 2, 5),
        reference="PAY-1",
    )
    services.transaction_reverse(original=paid, value_date=dt.date(2024, 2, 9), reason="Paid twice")
    services.expenditure_record(project=city, amount=Decimal("250.00"), value_date=dt.date(2024, 6, 30))
    swiss = ContributionFactory(reference="SECO-1", currency="CHF", amount=Decimal("5000.00"))
    services.contribution_receive(
        contribution=swiss, amount=Decimal("2000.00"), value_date=dt.date(2024, 4, 2), reference="IN-1"
    )
    services.contribution_receive(contribution=swiss, amount=Decimal("3000.00"), value_date=dt.date(2025, 1, 3))
    ExchangeRateFactory(currency="CHF", date=dt.date(2024, 1, 1), rate=Decimal("1.10"))
    ExchangeRateFactory(currency="CHF", date=dt.date(2024, 4, 1), rate=Decimal("1.12"))
    mappings = {
        "incoming": AccountMappingFactory(kind=KIND.INCOMING_FUNDS, debit_account="1110", credit_account="4100"),
        "incoming CHF": AccountMappingFactory(
            kind=KIND.INCOMING_FUNDS, currency="CHF", debit_account="1120", credit_account="4100"
        ),
        "commitment": AccountMappingFactory(kind=KIND.COMMITMENT, debit_account="5100", credit_account="2100"),
        "commitment global": AccountMappingFactory(
            kind=KIND.COMMITMENT, window=global_window, debit_account="5200", credit_account="2100"
        ),
        "disbursement": AccountMappingFactory(kind=KIND.DISBURSEMENT, debit_account="2100", credit_account="1110"),
        "expenditure": AccountMappingFactory(kind=KIND.EXPENDITURE, debit_account="9100", credit_account="9900"),
    }
    period = AccountingPeriodFactory(name="FY 2024/Q1-Q4", start_date=START, end_date=END)
    return {"period": period, "city": city, "joint": joint, "paid": paid, "mappings": mappings, "window": country_city}


def in_period():
    return Transaction.objects.filter(value_date__gte=START, value_date__lte=END)


def lines_by_reference(journal):
    return {line.transaction.reference or line.transaction.get_kind_display(): line for line in journal.lines}


def test_the_journal_has_one_line_per_ledger_row_of_the_period_by_value_date_then_id(ledger):
    journal = period_journal(ledger["period"])

    expected = list(in_period().order_by("value_date", "pk").values_list("pk", flat=True))
    assert [line.transaction.pk for line in journal.lines] == expected
    assert len(expected) == 5  # the commitment of 2023 and the receipt of 2025 are left out
    assert [row[0] for row in journal.rows()] == sorted(row[0] for row in journal.rows())
    assert journal.rows()[0][:10] == [
        dt.date(2024, 2, 5),
        ledger["paid"].pk,
        KIND.DISBURSEMENT,
        "Disbursement",
        "2100",
        "1110",
        Decimal("600.00"),
        Decimal("600.00"),
        "USD",
        Decimal("600.00"),
    ]


def test_a_reversal_posts_the_opposite_entry_with_positive_amounts(ledger):
    reversal = period_journal(ledger["period"]).lines[1]

    assert reversal.transaction.reverses_id == ledger["paid"].pk
    assert (reversal.debit_account, reversal.credit_account) == ("1110", "2100")
    assert reversal.entry_amount == Decimal("600.00")
    assert reversal.transaction.amount == Decimal("-600.00")
    assert reversal.reporting_amount == Decimal("-600.00")


def test_each_line_states_its_reporting_amount_with_the_rate_and_the_rate_s_date(ledger):
    row = next(row for row in period_journal(ledger["period"]).rows() if row[14] == "IN-1")
    named = dict(zip(COLUMNS, row, strict=True))

    assert (named["currency"], named["amount"]) == ("CHF", Decimal("2000.00"))
    assert (named["reporting currency"], named["reporting amount"]) == ("USD", Decimal("2240.00"))
    assert (named["rate"], named["rate date"]) == (Decimal("1.12"), dt.date(2024, 4, 1))
    assert (named["debit account"], named["credit account"]) == ("1120", "4100")
    assert (named["contribution"], named["project"], named["agreement"]) == ("SECO-1", "", "")


def test_references_name_the_project_the_agreement_and_the_tranche(ledger):
    named = dict(zip(COLUMNS, period_journal(ledger["period"]).rows()[0], strict=True))

    assert (named["reference"], named["project"], named["agreement"], named["tranche"]) == (
        "PAY-1",
        "CP-UGA",
        "GA-CITY",
        1,
    )
    assert (named["period"], named["period status"]) == ("FY 2024/Q1-Q4", "provisional")


def test_the_period_s_totals_reconcile_with_the_ledger(ledger):
    journal = period_journal(ledger["period"])
    ledger_sums = {
        (row["kind"], row["currency"]): (row["count"], row["total"])
        for row in in_period().values("kind", "currency").annotate(count=Count("pk"), total=Sum("amount"))
    }

    by_kind = {(total.kind, total.currency): (total.count, total.amount) for total in journal.totals_by_kind()}
    assert by_kind == ledger_sums
    assert by_kind[KIND.DISBURSEMENT, "USD"] == (2, Decimal("0.00"))  # paid, then reversed
    for currency, (debit, credit) in journal.totals_by_currency().items():
        assert debit == credit
        file_debit = sum(row[6] for row in journal.rows() if row[8] == currency)
        file_credit = sum(row[7] for row in journal.rows() if row[8] == currency)
        assert file_debit == file_credit == debit
    assert journal.totals_by_currency() == {
        "CHF": (Decimal("2000.00"), Decimal("2000.00")),
        "USD": (Decimal("1950.00"), Decimal("1950.00")),
    }


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        (["kind", "kind+currency", "kind+window", "kind+window+currency"], "kind+window+currency"),
        (["kind", "kind+currency", "kind+window"], "kind+window"),
        (["kind", "kind+currency"], "kind+currency"),
        (["kind"], "kind"),
    ],
)
def test_the_most_specific_mapping_wins(ledger, scopes, expected):
    AccountMapping.objects.filter(kind=KIND.EXPENDITURE).delete()
    window = ledger["window"]
    scope = {
        "kind": {},
        "kind+currency": {"currency": "USD"},
        "kind+window": {"window": window},
        "kind+window+currency": {"window": window, "currency": "USD"},
    }
    for number, name in enumerate(scopes, start=1):
        AccountMappingFactory(kind=KIND.EXPENDITURE, debit_account=f"91{number}", description=name, **scope[name])

    line = next(line for line in period_journal(ledger["period"]).lines if line.transaction.kind == KIND.EXPENDITURE)

    assert line.mapping.description == expected


def test_a_mapping_of_another_window_or_currency_does_not_apply(ledger):
    global_window = ledger["joint"].facility.window
    AccountMapping.objects.filter(kind=KIND.EXPENDITURE).delete()
    AccountMappingFactory(kind=KIND.EXPENDITURE, window=global_window, debit_account="9101", credit_account="9900")
    AccountMappingFactory(kind=KIND.EXPENDITURE, currency="EUR", debit_account="9102", credit_account="9900")

    with pytest.raises(JournalIncomplete) as refusal:
        period_journal(ledger["period"])

    assert refusal.value.unmapped == ["Expenditure · Country/City Window · USD"]


def test_rows_without_a_mapping_refuse_the_journal_naming_each_type_window_and_currency(ledger):
    AccountMapping.objects.filter(kind__in=[KIND.INCOMING_FUNDS, KIND.COMMITMENT]).delete()

    with pytest.raises(JournalIncomplete) as refusal:
        period_journal(ledger["period"])

    assert refusal.value.message == (
        "The journal of FY 2024/Q1-Q4 cannot be exported: no account mapping for Incoming funds · CHF; "
        "Commitment · Global Window · USD (add one under Account mappings)."
    )


def test_a_row_without_an_exchange_rate_refuses_the_journal_naming_the_currency(ledger):
    services.contribution_receive(
        contribution=ContributionFactory(currency="EUR"), amount=Decimal("10.00"), value_date=dt.date(2024, 5, 1)
    )

    with pytest.raises(JournalIncomplete) as refusal:
        period_journal(ledger["period"])

    assert refusal.value.unrated == ["No exchange rate from EUR to USD is recorded on or before 2024-05-01."]
    assert "No exchange rate from EUR to USD is recorded on or before 2024-05-01." in refusal.value.message


def test_the_journal_takes_the_same_queries_whatever_its_rows(ledger, django_assert_num_queries):
    with django_assert_num_queries(3):  # rows, mappings, rates
        few = period_journal(ledger["period"])
    for day in range(1, 21):
        services.expenditure_record(project=ledger["joint"], amount=Decimal("1.00"), value_date=dt.date(2024, 7, day))

    with django_assert_num_queries(3):
        many = period_journal(ledger["period"])
        many.rows()
        many.sheets()
    assert len(many.lines) == len(few.lines) + 20


def test_the_database_refuses_a_second_mapping_of_the_same_scope_even_for_any_window(ledger):
    existing = ledger["mappings"]["disbursement"]
    again = AccountMapping(kind=existing.kind, debit_account="2200", credit_account="1110")

    with pytest.raises(ValidationError, match="already a mapping for this type and currency, for any window"):
        again.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        again.save()  # written around the model's check: the database refuses too


def test_incoming_funds_take_no_window(ledger):
    mapping = AccountMapping(
        kind=KIND.INCOMING_FUNDS, window=ledger["window"], currency="EUR", debit_account="1", credit_account="2"
    )

    with pytest.raises(ValidationError, match="not through a window"):
        mapping.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        mapping.save()


# -- The files ----------------------------------------------------------------------------------------------


@pytest.fixture
def finance(client):
    client.force_login(staff_in_role(FINANCE_OFFICER))
    return client


def admin_journal(period: AccountingPeriod, file_format: str) -> str:
    return reverse("admin:grants_accountingperiod_journal", args=[period.pk, file_format])


def api_journal(period: AccountingPeriod) -> str:
    return f"/api/v1/accounting-periods/{period.pk}/journal/"


def test_an_open_period_s_journal_is_provisional_in_its_name_its_lines_and_its_sheets(ledger, finance):
    csv_file = finance.get(admin_journal(ledger["period"], "csv"))
    xlsx_file = finance.get(admin_journal(ledger["period"], "xlsx"))

    assert csv_file["Content-Disposition"] == 'attachment; filename="journal-FY-2024-Q1-Q4-provisional.csv"'
    lines = list(csv.DictReader(io.StringIO(csv_file.content.decode())))
    assert len(lines) == 5
    assert {line["period status"] for line in lines} == {"provisional"}
    assert lines[1]["debit account"] == "1110" and lines[1]["amount"] == "-600.00"
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_file.content))
    assert workbook.sheetnames == ["Journal (provisional)", "Totals (provisional)"]
    assert xlsx_file["Content-Disposition"].endswith('-provisional.xlsx"')
    totals = list(workbook["Totals (provisional)"].iter_rows(values_only=True))
    assert ("All types", "USD", 4, 1950, 1950) in [row[1:6] for row in totals]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_closed_period_s_journal_is_the_same_file_every_time(ledger, finance, file_format):
    with time_machine.travel(dt.datetime(2025, 1, 15, 9, 0, tzinfo=dt.UTC), tick=False):
        services.accounting_period_close(period=ledger["period"], closed_by=None)
        first = finance.get(admin_journal(ledger["period"], file_format))
    with time_machine.travel(dt.datetime(2026, 6, 30, 17, 45, 12, tzinfo=dt.UTC), tick=False):
        again = finance.get(admin_journal(ledger["period"], file_format))
        through_the_api = finance.get(api_journal(ledger["period"]), {"format": file_format})

    assert first.status_code == again.status_code == through_the_api.status_code == 200
    assert first.content == again.content == through_the_api.content
    assert first["Content-Disposition"] == f'attachment; filename="journal-FY-2024-Q1-Q4-closed.{file_format}"'
    assert through_the_api["Content-Disposition"] == first["Content-Disposition"]


def test_the_file_escapes_a_description_that_would_run_as_a_formula(ledger, finance):
    services.expenditure_record(
        project=ledger["city"], amount=Decimal("5.00"), value_date=dt.date(2024, 8, 1), description="=HYPERLINK(1)"
    )

    lines = list(csv.DictReader(io.StringIO(finance.get(admin_journal(ledger["period"], "csv")).content.decode())))

    assert lines[-1]["description"] == "'=HYPERLINK(1)"


def test_the_period_s_page_offers_the_journal_to_finance_only(ledger, client):
    page = reverse("admin:grants_accountingperiod_change", args=[ledger["period"].pk])
    client.force_login(staff_in_role(FINANCE_OFFICER))
    shown = client.get(page).content.decode()
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    hidden = client.get(page).content.decode()

    assert "Journal (CSV)" in shown and admin_journal(ledger["period"], "xlsx") in shown
    assert "Journal (CSV)" not in hidden and admin_journal(ledger["period"], "csv") not in hidden


def test_an_incomplete_journal_is_refused_on_the_period_s_page_and_by_the_api_saying_what_is_missing(ledger, finance):
    AccountMapping.objects.filter(kind=KIND.EXPENDITURE).delete()

    page = finance.get(admin_journal(ledger["period"], "csv"), follow=True)
    answer = finance.get(api_journal(ledger["period"]))

    assert page.redirect_chain[-1][0] == reverse("admin:grants_accountingperiod_change", args=[ledger["period"].pk])
    assert "no account mapping for Expenditure · Country/City Window · USD" in page.content.decode()
    assert answer.status_code == 409
    assert answer["Content-Type"] == "application/json"
    assert "no account mapping for Expenditure" in answer.json()["error"]["message"]


def test_the_api_answers_the_format_asked_and_refuses_another(ledger, finance):
    xlsx = finance.get(api_journal(ledger["period"]), {"format": "xlsx"})
    by_default = finance.get(api_journal(ledger["period"]))
    pdf = finance.get(api_journal(ledger["period"]), {"format": "pdf"})

    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert by_default["Content-Type"] == "text/csv; charset=utf-8"
    assert pdf.status_code == 400
    assert pdf.json()["error"]["fields"] == {"format": ["Choose csv or xlsx."]}


@pytest.mark.parametrize(
    ("who", "admin_answer", "api_answer"),
    [
        ("finance officer", 200, 200),
        ("programme officer", 403, 403),
        ("partner", 302, 403),  # the admin sends anyone without staff status to sign in
        ("visitor", 302, 401),
    ],
)
def test_only_finance_exports_the_journal(ledger, client, who, admin_answer, api_answer):
    people = {
        "finance officer": lambda: staff_in_role(FINANCE_OFFICER),
        "programme officer": lambda: staff_in_role(PROGRAMME_OFFICER),
        "partner": lambda: PartnerUserFactory(organisation=OrganisationFactory()),
        "visitor": lambda: None,
    }
    user = people[who]()
    if user is not None:
        client.force_login(user)

    assert client.get(admin_journal(ledger["period"], "xlsx")).status_code == admin_answer
    assert client.get(api_journal(ledger["period"])).status_code == api_answer


def test_finance_keeps_the_mappings_in_the_admin(ledger, client):
    client.force_login(staff_in_role(FINANCE_OFFICER))
    response = client.post(
        reverse("admin:grants_accountmapping_add"),
        {"kind": KIND.EXPENDITURE, "window": "", "currency": "EUR", "debit_account": "9150", "credit_account": "9900"},
    )
    refused = client.post(
        reverse("admin:grants_accountmapping_add"),
        {"kind": KIND.EXPENDITURE, "window": "", "currency": "", "debit_account": "9150", "credit_account": "9900"},
    )

    assert response.status_code == 302
    assert AccountMapping.objects.get(currency="EUR").history.count() == 1
    assert "There is already a mapping for this type and currency, for any window." in refused.content.decode()
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    assert client.get(reverse("admin:grants_accountmapping_changelist")).status_code == 200
    assert client.get(reverse("admin:grants_accountmapping_add")).status_code == 403


def test_every_period_of_the_demo_exports_its_journal(settings):
    from devtools.demo.portfolio import load_demo_portfolio

    settings.REPORTING_CURRENCY = "USD"
    load_demo_portfolio()

    journals = [period_journal(period) for period in AccountingPeriod.objects.all()]

    assert (
        sum(len(journal.lines) for journal in journals)
        == Transaction.objects.filter(value_date__year__lte=2026).count()
    )
    assert {journal.status for journal in journals} == {"closed", "provisional"}


def test_the_api_describes_the_journal_s_endpoint_in_json(ledger, finance):
    answer = finance.options(api_journal(ledger["period"]))

    assert answer.status_code == 200
    assert answer.json()["renders"] == ["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]


@pytest.mark.parametrize("period_id", ["0", "abc", "\na"])
def test_the_api_answers_a_period_that_does_not_exist_with_its_json_404(finance, period_id):
    answer = finance.get(f"/api/v1/accounting-periods/{period_id}/journal/")

    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
