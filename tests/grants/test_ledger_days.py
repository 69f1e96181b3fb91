"""The ledger's sums per day (`LedgerDay`), kept by PostgreSQL's triggers whatever writes the ledger or moves a
project, are the ledger's own sums after every kind of write; the public home reads them and not the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext

from common.figures import forget_figures
from grants import services
from grants.models import LedgerDay, Project, Transaction, TransactionKind
from tests.factories import FacilityFactory, FundingWindowFactory, ProjectFactory
from tests.grants.test_home_figures_kept import home, signed

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def kept() -> dict[tuple, tuple[Decimal, int]]:
    days = LedgerDay.objects.exclude(rows=0).values_list(
        "window", "is_public", "kind", "currency", "value_date", "amount", "rows"
    )
    return {tuple(row[:5]): (row[5], row[6]) for row in days}


def summed_from_the_ledger() -> dict[tuple, tuple[Decimal, int]]:
    days = (
        Transaction.objects.filter(project__isnull=False)
        .values_list("project__facility__window", "project__is_public", "kind", "currency", "value_date")
        .annotate(amount=Sum("amount"), rows=Count("pk"))
        .order_by()
    )
    return {tuple(row[:5]): (row[5], row[6]) for row in days}


def test_every_kind_of_write_to_the_ledger_leaves_the_kept_sums_equal_to_the_ledgers():
    project = signed()  # a commitment, by the agreement service
    assert kept() == summed_from_the_ledger() != {}

    services.disbursement_record(project=project, amount=Decimal("250.00"), value_date=dt.date(2024, 3, 1))
    assert kept() == summed_from_the_ledger()

    # Many rows in one statement, as an import or COPY writes them; one day gets two of them.
    other = ProjectFactory(currency="EUR")
    Transaction.objects.bulk_create(
        [
            Transaction(project=other, kind=TransactionKind.COMMITMENT, currency="EUR", value_date=day, amount=amount)
            for day, amount in [
                (dt.date(2024, 1, 5), Decimal("100.00")),
                (dt.date(2024, 1, 5), Decimal("50.50")),
                (dt.date(2024, 2, 5), Decimal("75.00")),
            ]
        ]
    )
    assert kept() == summed_from_the_ledger()
    assert kept()[(other.facility.window_id, True, TransactionKind.COMMITMENT, "EUR", dt.date(2024, 1, 5))] == (
        Decimal("150.50"),
        2,
    )


def test_a_project_withdrawn_or_moved_and_a_facility_moved_take_their_sums_with_them(client):
    project = signed()
    services.disbursement_record(project=project, amount=Decimal("250.00"), value_date=dt.date(2024, 3, 1))
    assert home(client) == (Decimal("1000.00"), Decimal("250.00"))

    Project.objects.filter(pk=project.pk).update(is_public=False)
    assert kept() == summed_from_the_ledger()
    forget_figures()
    assert home(client) == (Decimal(0), Decimal(0))

    project.refresh_from_db()
    project.is_public = True
    innovation = FacilityFactory(
        code="innovation", name="Innovation Fund", window=FundingWindowFactory(code="innovation", name="Innovation")
    )
    project.facility = innovation
    project.save()
    assert kept() == summed_from_the_ledger()
    project.facility = FacilityFactory(code="innovation-b", name="Innovation B", window=innovation.window)
    project.save()  # another facility of the same window: the same sums
    assert kept() == summed_from_the_ledger()
    project.facility = innovation
    project.save()
    assert kept() == summed_from_the_ledger()
    response = client.get("/")
    assert [(row.label, row.committed) for row in response.context["by_window"].rows] == [
        ("Innovation", Decimal("1000.00"))
    ]

    thematic = FundingWindowFactory(code="thematic", name="Thematic Window")
    innovation.window = thematic
    innovation.save()
    assert kept() == summed_from_the_ledger()
    forget_figures()
    response = client.get("/")
    assert [(row.label, row.disbursed) for row in response.context["by_window"].rows] == [
        ("Thematic Window", Decimal("250.00"))
    ]


def test_the_home_page_reads_the_kept_sums_and_no_ledger_row(client):
    signed()
    forget_figures()

    with CaptureQueriesContext(connection) as queries:
        assert home(client) == (Decimal("1000.00"), Decimal(0))

    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert '"grants_ledgerday"' in read
    assert '"grants_transaction"' not in read
