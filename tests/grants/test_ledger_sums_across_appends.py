"""The count and totals of a ledger selection in the admin are kept across the rows added to the ledger since they
were read (common/appended_sums.py): a later visit adds the rows its snapshot did not see, whichever door wrote them
and in whatever order their transactions committed, and reads the selection in full after any other change."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import psycopg
import pytest
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from common.appended_sums import sums_across_appends
from common.figures import portfolio_changed
from grants.models import Transaction, TransactionKind
from grants.services import disbursement_record, project_publish
from tests.factories import (
    ExchangeRateFactory,
    FacilityFactory,
    FundingWindowFactory,
    GrantAgreementFactory,
    ProjectFactory,
    StaffFactory,
    ThemeFactory,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

PAID_ON = dt.date(2019, 3, 2)
SELECTION = {"q": "-P2-", "kind__exact": TransactionKind.DISBURSEMENT}


@pytest.fixture
def staff(client):
    client.force_login(StaffFactory(is_superuser=True))
    return client


@pytest.fixture
def searched():
    """A project the search meets, with one disbursement paid, and one it does not meet."""
    met = GrantAgreementFactory(project=ProjectFactory(code="KE-P2-1"), amount=Decimal("100000.00")).project
    GrantAgreementFactory(project=ProjectFactory(code="KE-P1-1"), amount=Decimal("100000.00"))
    disbursement_record(project=met, amount=Decimal("1000.00"), value_date=PAID_ON, reference="first")
    return met


def selection(client, **query) -> tuple[int, list[str], list[str]]:
    """`(rows, totals, SQL)` of the ledger's admin list for the selection: what staff read, and the queries."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:grants_transaction_changelist"), {**SELECTION, **query})
    assert response.status_code == 200
    return response.context["cl"].result_count, response.context["money_totals"], [q["sql"] for q in queries]


def read_in_full(sql: list[str]) -> bool:
    sums = [statement for statement in sql if 'SUM("grants_transaction"."amount")' in statement]
    assert len(sums) == 1, "the list's count and totals are one read"
    return "inserted_by_xact" not in sums[0]


@pytest.fixture
def waits_bounded():
    """A lock this test's sessions wait for fails the test in seconds instead of hanging it."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '10s'")


def insert_elsewhere(project, amount: str, paid_on: dt.date) -> psycopg.Connection:
    """A second session that inserts a disbursement row of `project` and has not committed it: another web process
    or an import in the middle of its transaction. Each on a day of its own: writers of one day's ledger sums wait
    for each other."""
    settings = connection.settings_dict
    other = psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or None,
        options="-c lock_timeout=10s",
    )
    other.execute(
        "INSERT INTO grants_transaction (kind, value_date, amount, currency, project_id, reference, description,"
        " recorded_at) VALUES (%s, %s, %s, 'USD', %s, 'elsewhere', '', now())",
        (TransactionKind.DISBURSEMENT, paid_on, Decimal(amount), project.pk),
    )
    return other


def written_around_the_services(project, paid_on: dt.date, reference: str) -> None:
    """A disbursement of 5.00 USD inserted by `bulk_create`, as a write around the services would."""
    Transaction.objects.bulk_create(
        [
            Transaction(
                kind=TransactionKind.DISBURSEMENT,
                value_date=paid_on,
                amount=Decimal("5.00"),
                currency="USD",
                project=project,
                reference=reference,
            )
        ]
    )


def test_a_disbursement_recorded_after_the_list_was_read_is_added_without_reading_the_selection_again(staff, searched):
    first = selection(staff)
    disbursement_record(project=searched, amount=Decimal("250.00"), value_date=PAID_ON, reference="second")
    second = selection(staff)

    assert first[:2] == (1, ["USD\xa01,000.00"])
    assert read_in_full(first[2])
    assert second[:2] == (2, ["USD\xa01,250.00"])
    assert not read_in_full(second[2])


def test_the_drill_downs_first_and_last_dates_are_kept_with_the_totals_and_moved_by_the_rows_added(staff, searched):
    """Read in the same pass as the totals, the list's first and last dates are brought up to date with them: an
    earlier row moves the first, a later one the last, and the drill-down offers each year at once."""
    url = reverse("admin:grants_transaction_changelist")
    one_year = staff.get(url, SELECTION).content.decode()
    disbursement_record(project=searched, amount=Decimal("250.00"), value_date=dt.date(2021, 6, 1), reference="later")
    written_around_the_services(searched, dt.date(2017, 1, 15), "earlier")

    with CaptureQueriesContext(connection) as read:
        three_years = staff.get(url, SELECTION).content.decode()

    assert re.findall(r'href="\?[^"]*value_date__month=(\d+)', one_year) == ["3"]  # one payment: its year's months
    assert re.findall(r'href="\?[^"]*value_date__year=(\d+)', three_years) == ["2017", "2019", "2021"]
    assert not read_in_full([query["sql"] for query in read.captured_queries])


def test_rows_written_around_the_services_are_added_too(staff, searched):
    selection(staff)
    written_around_the_services(searched, PAID_ON, "bulk")

    rows, totals, sql = selection(staff)

    assert (rows, totals) == (2, ["USD\xa01,005.00"])
    assert not read_in_full(sql)


def test_a_transaction_running_while_the_list_was_read_is_added_once_it_commits_whatever_its_rows_ids(
    staff, searched, waits_bounded
):
    # Another project the search meets: recording a payment locks its project, which the other session's row names.
    also_met = GrantAgreementFactory(project=ProjectFactory(code="KE-P2-2"), amount=Decimal("100000.00")).project
    running = insert_elsewhere(also_met, "40.00", PAID_ON + dt.timedelta(days=1))  # takes its id first
    rolled_back = insert_elsewhere(also_met, "9000.00", PAID_ON + dt.timedelta(days=2))
    disbursement_record(project=searched, amount=Decimal("250.00"), value_date=PAID_ON, reference="second")
    try:
        while_running = selection(staff)
        running.commit()
        rolled_back.rollback()
        after = selection(staff)
    finally:
        running.close()
        rolled_back.close()

    assert while_running[:2] == (2, ["USD\xa01,250.00"])
    assert after[:2] == (3, ["USD\xa01,290.00"])
    assert not read_in_full(after[2])


def test_a_project_moved_to_another_window_makes_the_selection_be_read_again(staff, searched):
    window = {"project__facility__window__id__exact": searched.facility.window_id}
    selection(staff, **window)
    other_window = FundingWindowFactory(code="innovation", name="Innovation Window")
    searched.facility = FacilityFactory(code="innovation-facility", name="Innovation Facility", window=other_window)
    searched.save()

    rows, totals, sql = selection(staff, **window)

    assert (rows, totals) == (0, [])
    assert read_in_full(sql)


def test_a_project_published_by_its_service_keeps_the_totals(staff, searched):
    """The service writes columns the list does not read: the totals kept are still right."""
    selection(staff)
    project_publish(project=searched, user=StaffFactory(is_superuser=True))

    rows, totals, sql = selection(staff)

    assert (rows, totals) == (1, ["USD\xa01,000.00"])
    assert not read_in_full(sql)


def test_a_column_the_list_reads_written_alone_makes_the_selection_be_read_again(staff, searched):
    selection(staff)
    searched.code = "KE-P9-1"  # the search met the project by its code
    searched.save(update_fields=["code"])

    rows, totals, sql = selection(staff)

    assert (rows, totals) == (0, [])
    assert read_in_full(sql)


def test_a_project_saved_whole_makes_the_selection_be_read_again(staff, searched):
    """As the admin saves it: which columns changed is not known."""
    selection(staff)
    searched.title = "Another title"
    searched.save()

    assert read_in_full(selection(staff)[2])


def test_a_transaction_that_paid_and_rolled_back_leaves_no_totals_kept_with_its_payment(staff, searched):
    selection(staff)

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        disbursement_record(project=searched, amount=Decimal("250.00"), value_date=PAID_ON, reference="undone")
        inside = selection(staff)
        raise RolledBack

    assert inside[:2] == (2, ["USD\xa01,250.00"])  # it sees its own payment
    assert selection(staff)[:2] == (1, ["USD\xa01,000.00"])


def test_a_change_to_a_table_the_list_does_not_read_keeps_its_totals(staff, searched):
    selection(staff)
    ExchangeRateFactory(currency="EUR", date=dt.date(2019, 3, 1), rate=Decimal("1.12"))
    ThemeFactory(name="Informal settlements")

    rows, totals, sql = selection(staff)

    assert (rows, totals) == (1, ["USD\xa01,000.00"])
    assert not read_in_full(sql)


def test_a_change_the_figures_cannot_place_makes_the_list_be_read_again(staff, searched):
    selection(staff)
    portfolio_changed()  # as a write around the signals says it, naming no table

    assert read_in_full(selection(staff)[2])


def test_a_sum_that_reads_a_table_no_change_forgets_is_read_afresh(searched):
    # Tranches are not watched: a sum naming them cannot be kept, and is read every time.
    sums = (
        Transaction.objects.filter(project=searched, tranche__isnull=True)
        .filter(tranche__number__isnull=True)
        .values_list("currency")
        .annotate(total=Sum("amount"), rows=Count("pk"))
    )

    assert sums_across_appends("unwatched", sums) == [("USD", Decimal("101000.00"), 2)]
