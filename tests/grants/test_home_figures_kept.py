"""The home page's figures are read from the whole ledger once and kept (common.figures): every door that
writes what they are made of shows its change on the next visit, and a kept visit reads no ledger row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import tablib
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from grants import services
from grants.models import ExchangeRate, Project, Tranche
from grants.resources import LedgerImportResource
from opendata import iati
from opendata.importer import import_activities
from tests.factories import (
    OrganisationFactory,
    ProjectCountryFactory,
    ProjectFactory,
    StaffFactory,
    both_sides,
)

pytestmark = pytest.mark.django_db


def signed() -> Project:
    project = ProjectFactory(code="CP-UGA-2014", approved_budget=Decimal("1000.00"))
    services.grant_agreement_sign(
        project=project,
        reference="GA-1",
        grantee=OrganisationFactory(name="Jinja"),
        signed_on=dt.date(2024, 1, 10),
        signatures=both_sides(dt.date(2024, 1, 10)),
        amount=Decimal("1000.00"),
        tranches=[services.TrancheSpec(dt.date(2024, 2, 1), Decimal("1000.00"))],
    )
    project.refresh_from_db()
    return project


@pytest.fixture
def signed_project() -> Project:
    return signed()


def home(client) -> tuple[Decimal, Decimal]:
    """Committed and disbursed, all windows, as the home page shows them."""
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.context["by_window"].committed, response.context["by_window"].disbursed


def test_a_disbursement_recorded_by_the_service_shows_on_the_next_visit(client, signed_project):
    assert home(client) == (Decimal("1000.00"), Decimal(0))

    services.disbursement_record(project=signed_project, amount=Decimal("250.00"), value_date=dt.date(2024, 3, 1))

    assert home(client) == (Decimal("1000.00"), Decimal("250.00"))


def test_a_tranche_paid_on_the_admin_form_shows_on_the_next_visit(client, staff_client, signed_project):
    assert home(client)[1] == Decimal(0)
    tranche = Tranche.objects.get(agreement__project=signed_project)

    staff_client.post(
        reverse("admin:grants_tranche_disburse", args=[tranche.pk]),
        {"amount": "600.00", "value_date": "2024-02-05", "reference": "PAY-1"},
    )

    assert home(client)[1] == Decimal("600.00")


def test_a_disbursement_imported_from_a_spreadsheet_shows_on_the_next_visit(client, signed_project):
    assert home(client)[1] == Decimal(0)
    rows = tablib.Dataset(headers=["type", "value_date", "amount", "currency", "project", "tranche", "reference"])
    rows.append(["disbursement", "2024-02-03", "400.00", "USD", "CP-UGA-2014", "1", "PAY-1"])

    result = LedgerImportResource().import_data(
        rows, dry_run=False, use_transactions=True, rollback_on_validation_errors=True, user=StaffFactory()
    )

    assert not result.has_errors() and not result.has_validation_errors()
    assert home(client)[1] == Decimal("400.00")


def test_a_disbursement_recorded_through_the_api_shows_on_the_next_visit(client, signed_project):
    assert home(client)[1] == Decimal(0)
    api = APIClient()
    api.force_authenticate(StaffFactory())

    response = api.post(
        "/api/v1/transactions/",
        {"kind": 3, "project": signed_project.pk, "amount": "125.00", "value_date": "2024-03-01"},
        format="json",
    )

    assert response.status_code == 201
    assert home(client)[1] == Decimal("125.00")


def test_a_disbursement_imported_from_an_iati_file_shows_on_the_next_visit(client, signed_project):
    # The file records a payment that is then rolled back: the import finds it new.
    with transaction.atomic():
        services.disbursement_record(project=signed_project, amount=Decimal("300.00"), value_date=dt.date(2024, 3, 1))
        content = b"".join(iati.activities_xml(Project.objects.filter(pk=signed_project.pk)))
        transaction.set_rollback(True)
    assert home(client) == (Decimal("1000.00"), Decimal(0))

    report = import_activities(content)

    assert [outcome.action for outcome in report.outcomes] == ["updated"], [o.reason for o in report.outcomes]
    assert home(client) == (Decimal("1000.00"), Decimal("300.00"))


def signed_in_chf(amount: Decimal) -> Project:
    """A project in CHF whose agreement commits `amount`, paid in one tranche."""
    project = ProjectFactory(currency="CHF", approved_budget=amount)
    services.grant_agreement_sign(
        project=project,
        reference="GA-CHF",
        grantee=OrganisationFactory(),
        signed_on=dt.date(2024, 1, 10),
        signatures=both_sides(dt.date(2024, 1, 10)),
        amount=amount,
        tranches=[services.TrancheSpec(dt.date(2024, 2, 1), amount)],
    )
    return project


def test_a_rate_added_in_the_admin_converts_on_the_next_visit(client, staff_client):
    signed_in_chf(Decimal("1000.00"))
    assert home(client)[0] == Decimal(0)  # no CHF rate yet: left out, and said so

    staff_client.post(
        reverse("admin:grants_exchangerate_add"),
        {"currency": "CHF", "quote_currency": "USD", "date": "2024-01-01", "rate": "1.10", "source": "SNB"},
    )

    assert ExchangeRate.objects.filter(currency="CHF").exists()
    assert home(client)[0] == Decimal("1100.00")


def test_a_project_withdrawn_from_the_public_portfolio_leaves_the_home_page(client, signed_project):
    assert home(client)[0] == Decimal("1000.00")

    services.project_unpublish(project=signed_project, user=StaffFactory(is_superuser=True))

    assert home(client)[0] == Decimal(0)


def test_a_kept_visit_reads_no_ledger_row_and_the_same_queries_for_one_or_many_projects(client, signed_project):
    def visit() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("home"))
        return [query["sql"] for query in queries.captured_queries]

    first = visit()
    kept = visit()
    ledger = ("grants_transaction", "grants_ledgerday")  # the ledger, or its sums per day kept by PostgreSQL
    assert any(table in sql for sql in first for table in ledger)
    assert not any(table in sql for sql in kept for table in ledger)

    for _ in range(5):
        ProjectCountryFactory(project=ProjectFactory(), country="KE")
    assert len(visit()) == len(first)
    assert len(visit()) == len(kept)


def test_the_ledger_totals_and_currencies_of_the_admin_list_follow_a_new_payment(staff_client, signed_project):
    url = reverse("admin:grants_transaction_changelist")
    assert staff_client.get(url).context["money_totals"] == ["USD\xa01,000.00"]

    services.disbursement_record(project=signed_project, amount=Decimal("250.00"), value_date=dt.date(2024, 3, 1))
    ExchangeRate.objects.create(currency="CHF", quote_currency="USD", date=dt.date(2024, 1, 1), rate=Decimal("1.1"))
    signed_in_chf(Decimal("500.00"))

    listing = staff_client.get(url)
    assert listing.context["money_totals"] == ["CHF\xa0500.00", "USD\xa01,250.00"]
    assert "?currency=CHF" in listing.content.decode()


def test_each_currency_keeps_its_own_figures_and_a_change_reaches_them_all(client, signed_project):
    ExchangeRate.objects.create(currency="EUR", quote_currency="USD", date=dt.date(2024, 1, 1), rate=Decimal("1.25"))

    def disbursed(currency: str) -> Decimal:
        response = client.get(reverse("home") + f"?currency={currency}")
        assert response.context["by_window"].reporting_currency == currency
        return response.context["by_window"].disbursed

    assert (disbursed("USD"), disbursed("EUR")) == (Decimal(0), Decimal(0))
    with CaptureQueriesContext(connection) as kept:
        assert disbursed("EUR") == Decimal(0)
    assert not any("grants_transaction" in query["sql"] for query in kept.captured_queries)

    services.disbursement_record(project=signed_project, amount=Decimal("250.00"), value_date=dt.date(2024, 3, 1))

    assert (disbursed("USD"), disbursed("EUR")) == (Decimal("250.00"), Decimal("200.00"))  # USD 250 at 1 / 1.25


# Committed: a transaction that has written anything keeps no ledger totals it reads (common.appended_sums).
@pytest.mark.django_db(transaction=True)
def test_the_ledgers_count_is_kept_across_its_pages_and_follows_a_new_payment(staff_client, signed_project):
    url = reverse("admin:grants_transaction_changelist")
    for day in range(1, 4):
        services.disbursement_record(project=signed_project, amount=Decimal("10.00"), value_date=dt.date(2024, 3, day))
    searched = {"q": "CP-UGA", "kind__exact": 3}

    with CaptureQueriesContext(connection) as first:
        assert staff_client.get(url, searched).context["cl"].result_count == 3
    with CaptureQueriesContext(connection) as again:
        assert staff_client.get(url, searched).context["cl"].result_count == 3

    counts = [[q["sql"] for q in queries if "COUNT(" in q["sql"]] for queries in (first, again)]
    # Counted once, then kept: on PostgreSQL only the rows added since are read (common.appended_sums).
    assert len(counts[0]) == 1 and [sql for sql in counts[1] if "inserted_by_xact" not in sql] == []
    assert "SUM(" in counts[0][0]  # counted in the same pass as the totals
    services.disbursement_record(project=signed_project, amount=Decimal("10.00"), value_date=dt.date(2024, 4, 1))
    page = staff_client.get(url, searched)
    assert page.context["cl"].result_count == 4 and "4 transactions" in page.content.decode()


def test_the_ledgers_currency_filter_offers_the_currencies_it_holds_in_their_order(staff_client, signed_project):
    ProjectFactory(currency="CHF")
    services.disbursement_record(project=signed_project, amount=Decimal("10.00"), value_date=dt.date(2024, 3, 1))
    signed_in_chf(Decimal("500.00"))
    listing = staff_client.get(reverse("admin:grants_transaction_changelist"))
    currency = next(spec for spec in listing.context["cl"].filter_specs if spec.title == "currency")
    assert list(currency.lookup_choices) == ["CHF", "USD"]
    chosen = staff_client.get(reverse("admin:grants_transaction_changelist"), {"currency": "CHF"})
    assert chosen.context["money_totals"] == ["CHF\xa0500.00"] and chosen.context["cl"].result_count == 1
