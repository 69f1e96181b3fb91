"""Finding ledger rows by the words typed: the admin's search and the API's `search`, one rule
(grants/selectors/ledger_search.py), the rows' own words compared as the database folded them on insert."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from grants.models import Project, Transaction, TransactionKind
from tests.factories import ContributionFactory, ProjectFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger():
    """Rows whose words differ in case from the words searched, and one of every place a word is read from."""
    kampala = ProjectFactory(code="CP-UGA-2014")
    accra = ProjectFactory(code="IF-GHA-2016")
    seco = ContributionFactory(reference="SECO-7F-09")

    def row(reference, description="", *, project=None, contribution=None, amount="10.00"):
        if contribution is not None:
            kind, project = TransactionKind.INCOMING_FUNDS, None
        else:
            kind, project = TransactionKind.DISBURSEMENT, project or accra
        return Transaction.objects.create(
            kind=kind,
            value_date=dt.date(2024, 3, 1),
            amount=Decimal(amount),
            currency="USD",
            project=project,
            contribution=contribution,
            reference=reference,
            description=description,
        )

    return {
        "by_reference": row("ga-1-p2-a"),
        "by_description": row("PAY-9", "Second Tranche, Slum Upgrading"),
        "by_project": row("PAY-10", project=kampala),
        "by_contribution": row("IN-1", contribution=seco),
        "percent": row("FEE-50%", "Bank fee of 50% retained"),
        "plain": row("PAY-11", "Transfer"),
    }


def admin_search(client, words: str) -> set[str]:
    response = client.get(reverse("admin:grants_transaction_changelist"), {"q": words})
    assert response.status_code == 200
    return {row.reference for row in response.context["cl"].result_list}


def api_search(words: str) -> set[str]:
    api = APIClient()
    api.force_authenticate(StaffFactory())
    response = api.get("/api/v1/transactions/", {"search": words})
    assert response.status_code == 200
    return {row["reference"] for row in response.json()["results"]}


@pytest.fixture(params=["admin", "api"])
def search(request, client):
    """Each door the ledger is searched through."""
    if request.param == "admin":
        client.force_login(StaffFactory())
        return lambda words: admin_search(client, words)
    return api_search


@pytest.mark.parametrize(
    ("words", "found"),
    [
        ("-P2-", {"ga-1-p2-a"}),  # the reference, typed in another case
        ("second TRANCHE", {"PAY-9"}),  # each word in the description, in any case
        ('"slum upgrading"', {"PAY-9"}),  # a quoted phrase is one word
        ("uga-2014", {"PAY-10"}),  # the project's code
        ("seco-7f", {"IN-1"}),  # the contribution's reference
        ("pay upgrading", {"PAY-9"}),  # every word must be found, each anywhere in the row
    ],
)
def test_staff_find_ledger_rows_by_any_word_in_any_case(search, ledger, words, found):
    assert search(words) == found


def test_a_search_finds_no_word_across_a_rows_reference_and_description(search, ledger):
    """`search_text` holds both, apart: the end of the reference and the start of the description are no word."""
    assert search("9second") == set()
    assert search("pay-9") == {"PAY-9"}


@pytest.mark.parametrize(("words", "found"), [("50%", {"FEE-50%"}), ("%", {"FEE-50%"}), ("_", set())])
def test_a_percent_or_underscore_typed_is_that_character_not_a_wildcard(search, ledger, words, found):
    assert search(words) == found


@pytest.mark.postgres
def test_on_postgresql_accented_capitals_are_found_in_lower_case_and_back(search, ledger):
    Transaction.objects.create(
        kind=TransactionKind.DISBURSEMENT,
        value_date=dt.date(2024, 3, 2),
        amount=Decimal("5.00"),
        currency="USD",
        project=ledger["plain"].project,
        reference="ÉLECTRICITÉ-1",
        description="Réseau électrique",
    )

    assert search("électricité") == {"ÉLECTRICITÉ-1"}
    assert search("RÉSEAU") == {"ÉLECTRICITÉ-1"}


def test_the_admins_totals_are_those_of_the_rows_found(client, ledger):
    """The count and the money staff see under a search add up the rows the search lists."""
    client.force_login(StaffFactory())

    response = client.get(reverse("admin:grants_transaction_changelist"), {"q": "pay"})

    assert response.context["cl"].result_count == 3
    assert "USD\xa030.00" in response.content.decode()


def test_anyone_searching_the_apis_ledger_finds_no_row_of_a_project_they_may_not_see(ledger):
    """The search narrows what the caller may see; a private project's code finds nothing, not its rows."""
    private = ProjectFactory(code="CP-KEN-2030", is_public=False)
    Transaction.objects.create(
        kind=TransactionKind.DISBURSEMENT,
        value_date=dt.date(2024, 3, 3),
        amount=Decimal("7.00"),
        currency="USD",
        project=private,
        reference="PAY-KEN-1",
    )

    response = APIClient().get("/api/v1/transactions/", {"search": "ken"})

    assert response.status_code == 200
    assert response.json()["results"] == []
    assert api_search("ken") == {"PAY-KEN-1"}  # staff see it


def test_the_search_reads_the_rows_words_as_stored_and_folds_no_rows_case(client, ledger):
    """Folding each of a million rows' case for every search was most of its time: only the typed word, and the
    few thousand project codes and contributions searched once, are folded."""
    client.force_login(StaffFactory())

    with CaptureQueriesContext(connection) as queries:
        assert admin_search(client, "-P2-") == {"ga-1-p2-a"}

    searched = [query["sql"] for query in queries.captured_queries if "search_text" in query["sql"]]
    assert searched
    assert not any(
        f'UPPER("grants_transaction"."{field}"' in sql for sql in searched for field in ("reference", "description")
    )


@pytest.mark.postgres
def test_on_postgresql_project_codes_are_found_through_their_trigram_index(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'project_code_trigrams'")
        (definition,) = cursor.fetchone()

    assert "gin_trgm_ops" in definition and "upper((code)::text)" in definition


@pytest.mark.postgres
def test_on_postgresql_a_windows_projects_are_found_in_an_index_alone(db):
    """The ledger's list filtered by window joins the window's projects: their keys can come from the index beside
    their facility (an index-only scan at 50,000 projects), not from the projects' whole rows."""
    project = ProjectFactory()
    window_projects = Project.objects.filter(facility__window=project.facility.window).values("pk").order_by()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'project_facility_status'")
        (definition,) = cursor.fetchone()
        # A handful of rows: the planner would read the table, or visit it through a bitmap.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        plan = window_projects.explain()

    assert definition.endswith("(facility_id, status) INCLUDE (id)")
    assert "using project_facility_status" in plan
    assert list(window_projects) == [{"pk": project.pk}]
