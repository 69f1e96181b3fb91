"""Concurrent requests against the same money: exactly the ones that fit are recorded.

Each test starts its threads together on a barrier; each thread has its own database connection,
closed when it ends. Runs on PostgreSQL only: SQLite serialises whole-database writes instead.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from grants.models import Allocation, Contribution, Project, Tranche, Transaction, TransactionKind
from grants.services import LedgerError, TrancheSpec, allocation_set, disbursement_record, transaction_reverse
from tests.factories import ContributionFactory, GrantAgreementFactory, ProjectFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


def all_at_once(calls: list[Callable[[], object]]) -> tuple[Counter, list[LedgerError]]:
    """Run the calls in as many threads, released together; count what happened to each."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    refusals: list[LedgerError] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=120)
            call()
        except LedgerError as error:
            with lock:
                outcomes.append("refused")
                refusals.append(error)
        except Exception as error:  # noqa: BLE001 - any other failure is reported by the assertion below
            with lock:
                outcomes.append(f"{type(error).__name__}: {error}")
        else:
            with lock:
                outcomes.append("recorded")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    return Counter(outcomes), refusals


def test_concurrent_disbursements_never_overshoot_the_commitment():
    project = ProjectFactory(code="CP-UGA")
    GrantAgreementFactory(project=project, amount=Decimal("1000.00"))

    outcomes, refusals = all_at_once(
        [
            lambda: disbursement_record(project=project, amount=Decimal("75.00"), value_date=dt.date(2019, 3, 1))
            for _ in range(THREADS)
        ]
    )

    assert outcomes == {"recorded": 13, "refused": THREADS - 13}
    assert {(error.message, error.field) for error in refusals} == {
        (
            "CP-UGA has USD\xa025.00 committed and not yet disbursed: USD\xa075.00 would overshoot.",
            "amount",
        )
    }
    project.refresh_from_db()
    rows = Transaction.objects.filter(project=project, kind=TransactionKind.DISBURSEMENT)
    assert rows.count() == 13
    assert rows.aggregate(total=Sum("amount"))["total"] == project.disbursed_total == Decimal("975.00")
    assert project.disbursed_total <= project.committed_total == Decimal("1000.00")


def test_concurrent_allocations_never_exceed_the_pledge():
    contribution = ContributionFactory(reference="SECO-1", currency="CHF", amount=Decimal("1000.00"))
    projects = ProjectFactory.create_batch(THREADS)

    outcomes, refusals = all_at_once(
        [
            lambda project=project: allocation_set(
                contribution=contribution, project=project, amount=Decimal("75.00"), allocated_on=dt.date(2019, 1, 1)
            )
            for project in projects
        ]
    )

    assert outcomes == {"recorded": 13, "refused": THREADS - 13}
    assert {(error.message, error.field) for error in refusals} == {
        ("SECO-1 has CHF\xa025.00 left to allocate.", "amount")
    }
    allocated = Allocation.objects.filter(contribution=contribution)
    assert allocated.count() == 13
    assert (
        allocated.aggregate(total=Sum("amount"))["total"]
        == Contribution.objects.get(pk=contribution.pk).allocated_total
        == Decimal("975.00")
    )


def test_concurrent_payments_of_one_tranche_never_overpay_it():
    project = ProjectFactory(code="CP-GHA")
    agreement = GrantAgreementFactory(
        project=project,
        amount=Decimal("1000.00"),
        tranches=[
            TrancheSpec(dt.date(2019, 3, 1), Decimal("300.00")),
            TrancheSpec(dt.date(2019, 9, 1), Decimal("700.00")),
        ],
    )
    first = agreement.tranches.get(number=1)

    outcomes, refusals = all_at_once(
        [
            lambda: disbursement_record(
                project=project, tranche=first, amount=Decimal("40.00"), value_date=dt.date(2019, 3, 2)
            )
            for _ in range(THREADS)
        ]
    )

    assert outcomes == {"recorded": 7, "refused": THREADS - 7}
    assert {(error.message, error.field) for error in refusals} == {
        ("Tranche 1 has USD\xa020.00 left to pay.", "amount")
    }
    first.refresh_from_db()
    rows = Transaction.objects.filter(tranche=first)
    assert rows.count() == 7
    assert rows.aggregate(total=Sum("amount"))["total"] == first.disbursed_total == Decimal("280.00")
    assert Project.objects.get(pk=project.pk).disbursed_total == Decimal("280.00")
    assert Tranche.objects.get(agreement=agreement, number=2).disbursed_total == Decimal(0)


def test_a_row_reversed_concurrently_is_reversed_once():
    project = ProjectFactory()
    GrantAgreementFactory(project=project, amount=Decimal("1000.00"))
    paid = disbursement_record(project=project, amount=Decimal("100.00"), value_date=dt.date(2019, 3, 1))

    outcomes, refusals = all_at_once(
        [
            lambda: transaction_reverse(original=paid, value_date=dt.date(2019, 3, 2), reason="Paid twice")
            for _ in range(THREADS)
        ]
    )

    assert outcomes == {"recorded": 1, "refused": THREADS - 1}
    assert {error.message for error in refusals} == {"This transaction is already reversed."}
    assert Transaction.objects.filter(reverses=paid).count() == 1
    assert Project.objects.get(pk=project.pk).disbursed_total == Decimal(0)
