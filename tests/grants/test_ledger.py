"""The ledger's rules: each is refused with a clear message and writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Sum

from grants.models import (
    AccountingPeriod,
    Allocation,
    Contribution,
    GrantAgreement,
    PartnerRole,
    Project,
    Tranche,
    TrancheStatus,
    Transaction,
    TransactionKind,
)
from grants.selectors import tranches_due
from grants.services import (
    LedgerError,
    TrancheSpec,
    accounting_period_close,
    allocation_set,
    contribution_receive,
    disbursement_record,
    expenditure_record,
    grant_agreement_sign,
    tranche_condition_meet,
    transaction_reverse,
)
from tests.factories import (
    AccountingPeriodFactory,
    AllocationFactory,
    ContributionFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    StaffFactory,
    both_sides,
)

pytestmark = pytest.mark.django_db

INCEPTION = "Inception report approved"


def shown(currency: str, amount: str) -> str:
    """A sum as the messages show it: `USD 1,000.00`, with a non-breaking space."""
    return f"{currency}\xa0{amount}"


def ledger_state() -> dict:
    """Every row count and running total a refused operation must leave as it was."""
    return {
        "transactions": list(Transaction.objects.order_by("pk").values_list("pk", "amount")),
        "transaction history": Transaction.history.count(),
        "agreements": GrantAgreement.objects.count(),
        "tranches": list(Tranche.objects.order_by("pk").values_list("pk", "amount", "disbursed_total")),
        "allocations": list(Allocation.objects.order_by("pk").values_list("pk", "amount", "allocated_on")),
        "projects": list(
            Project.objects.order_by("pk").values_list("pk", "committed_total", "disbursed_total", "spent_total")
        ),
        "contributions": list(
            Contribution.objects.order_by("pk").values_list("pk", "received_total", "allocated_total")
        ),
        "periods": list(AccountingPeriod.objects.order_by("pk").values_list("pk", "closed_at")),
    }


def refused(service: Callable, **kwargs) -> LedgerError:
    """Call a service that must refuse; check that it wrote nothing and hand back its error."""
    before = ledger_state()
    with pytest.raises(LedgerError) as caught:
        service(**kwargs)
    assert ledger_state() == before
    return caught.value


def fresh(instance):
    instance.refresh_from_db()
    return instance


@pytest.fixture
def agreement():
    """CP-UGA, committed USD 1,000.00 in two tranches; the second waits for the inception report."""
    project = ProjectFactory(code="CP-UGA", approved_budget=Decimal("5000.00"))
    return GrantAgreementFactory(
        project=project,
        amount=Decimal("1000.00"),
        signed_on=dt.date(2019, 2, 1),
        tranches=[
            TrancheSpec(dt.date(2019, 9, 1), Decimal("600.00"), INCEPTION),
            TrancheSpec(dt.date(2019, 3, 1), Decimal("400.00")),
        ],
    )


@pytest.fixture
def contribution():
    return ContributionFactory(reference="SECO-1", currency="CHF", amount=Decimal("1000.00"))


# Grant agreements


def test_signing_an_agreement_commits_the_project_and_numbers_its_tranches_by_date(agreement):
    project = fresh(agreement.project)

    assert project.committed_total == Decimal("1000.00")
    assert list(agreement.tranches.values_list("number", "planned_date", "amount", "condition")) == [
        (1, dt.date(2019, 3, 1), Decimal("400.00"), ""),
        (2, dt.date(2019, 9, 1), Decimal("600.00"), INCEPTION),
    ]
    commitment = Transaction.objects.get(project=project)
    assert (commitment.kind, commitment.amount, commitment.currency, commitment.value_date) == (
        TransactionKind.COMMITMENT,
        Decimal("1000.00"),
        "USD",
        dt.date(2019, 2, 1),
    )
    assert commitment.receiver == agreement.grantee


def test_the_commitment_is_provided_by_the_projects_accountable_partner():
    accountable = ProjectPartnerFactory(role=PartnerRole.ACCOUNTABLE)

    agreement = GrantAgreementFactory(project=accountable.project, amount=Decimal("500.00"))

    assert Transaction.objects.get(project=agreement.project).provider == accountable.organisation


def test_tranches_that_do_not_add_up_to_the_agreement_are_refused():
    project = ProjectFactory(approved_budget=Decimal("5000.00"))

    error = refused(
        grant_agreement_sign,
        project=project,
        reference="GA-1",
        grantee=OrganisationFactory(),
        signed_on=dt.date(2019, 2, 1),
        amount=Decimal("1000.00"),
        tranches=[
            TrancheSpec(dt.date(2019, 3, 1), Decimal("400.00")),
            TrancheSpec(dt.date(2019, 9, 1), Decimal("500")),
        ],
    )

    assert error.message == (
        f"The tranches add up to {shown('USD', '900.00')} but the agreement commits {shown('USD', '1,000.00')}."
    )
    assert error.field == "tranches"
    assert not GrantAgreement.objects.exists()


def test_a_tranche_of_nothing_is_refused_even_when_the_schedule_adds_up():
    error = refused(
        grant_agreement_sign,
        project=ProjectFactory(),
        reference="GA-1",
        grantee=OrganisationFactory(),
        signed_on=dt.date(2019, 2, 1),
        amount=Decimal("1000.00"),
        tranches=[TrancheSpec(dt.date(2019, 3, 1), Decimal("1000.00")), TrancheSpec(dt.date(2019, 9, 1), Decimal(0))],
    )

    assert (error.message, error.field) == ("Tranche 2: The amount must be more than zero.", "tranches.1.amount")


def test_a_commitment_above_the_approved_budget_is_refused():
    project = ProjectFactory(approved_budget=Decimal("250000.00"))

    error = refused(
        grant_agreement_sign,
        project=project,
        reference="GA-1",
        grantee=OrganisationFactory(),
        signed_on=dt.date(2019, 2, 1),
        amount=Decimal("250000.01"),
    )

    assert error.message == f"The commitment cannot exceed the approved budget of {shown('USD', '250,000.00')}."
    assert error.field == "amount"


def test_a_project_signs_only_one_agreement(agreement):
    error = refused(
        grant_agreement_sign,
        project=agreement.project,
        reference="GA-2",
        grantee=OrganisationFactory(),
        signed_on=dt.date(2019, 5, 1),
        amount=Decimal("100.00"),
    )

    assert (error.message, error.field) == ("CP-UGA already has a grant agreement.", None)
    assert fresh(agreement.project).committed_total == Decimal("1000.00")


# Disbursements


def test_a_disbursement_pays_the_grantee_and_moves_the_running_totals(agreement):
    first = agreement.tranches.get(number=1)

    row = disbursement_record(
        project=agreement.project, tranche=first, amount=Decimal("250.00"), value_date=dt.date(2019, 3, 10)
    )

    assert (row.kind, row.amount, row.currency, row.receiver) == (
        TransactionKind.DISBURSEMENT,
        Decimal("250.00"),
        "USD",
        agreement.grantee,
    )
    assert fresh(agreement.project).disbursed_total == Decimal("250.00")
    assert fresh(first).disbursed_total == Decimal("250.00")


def test_a_disbursement_asks_the_database_only_what_it_must(agreement, django_assert_max_num_queries):
    """The row is built from rows just read and locked: their existence and the ledger's check constraints are
    not asked again (the database enforces the constraints on insert), whatever the size of the ledger."""
    first = agreement.tranches.get(number=1)
    project = Project.objects.get(pk=agreement.project_id)

    # Lock and read project, closed-out state, open period, agreement, tranche, accountable partner; the row,
    # its history, the two running totals; the transaction's own statements.
    with django_assert_max_num_queries(13):
        disbursement_record(project=project, tranche=first, amount=Decimal("10.00"), value_date=dt.date(2019, 3, 10))

    assert fresh(first).disbursed_total == Decimal("10.00")


def test_a_copy_read_before_a_payment_and_saved_after_keeps_the_ledgers_totals(agreement, contribution):
    project, first = Project.objects.get(pk=agreement.project_id), agreement.tranches.get(number=1)
    stale_contribution = Contribution.objects.get(pk=contribution.pk)
    disbursement_record(
        project=agreement.project, tranche=first, amount=Decimal("250.00"), value_date=dt.date(2019, 3, 10)
    )
    contribution_receive(contribution=contribution, amount=Decimal("300.00"), value_date=dt.date(2019, 3, 10))

    project.title = "Renamed while the payment was booked"
    project.save()
    first.save()
    stale_contribution.title = "Renamed too"
    stale_contribution.save()

    assert (fresh(project).title, fresh(project).disbursed_total) == (project.title, Decimal("250.00"))
    assert fresh(first).disbursed_total == Decimal("250.00")
    assert (fresh(stale_contribution).title, fresh(stale_contribution).received_total) == (
        "Renamed too",
        Decimal("300.00"),
    )


def test_a_project_is_never_paid_more_than_committed_and_not_yet_disbursed(agreement):
    project = agreement.project
    disbursement_record(project=project, amount=Decimal("600.00"), value_date=dt.date(2019, 3, 10))

    error = refused(disbursement_record, project=project, amount=Decimal("400.01"), value_date=dt.date(2019, 4, 1))

    assert error.message == (
        f"CP-UGA has {shown('USD', '400.00')} committed and not yet disbursed: "
        f"{shown('USD', '400.01')} would overshoot."
    )
    assert error.field == "amount"

    disbursement_record(project=project, amount=Decimal("400.00"), value_date=dt.date(2019, 4, 1))
    assert fresh(project).disbursed_total == fresh(project).committed_total == Decimal("1000.00")


def test_a_project_without_a_commitment_cannot_be_paid():
    project = ProjectFactory(code="CP-KEN")

    error = refused(disbursement_record, project=project, amount=Decimal("1.00"), value_date=dt.date(2019, 4, 1))

    assert error.message == (
        f"CP-KEN has {shown('USD', '0.00')} committed and not yet disbursed: {shown('USD', '1.00')} would overshoot."
    )


def test_a_tranche_is_never_paid_more_than_its_amount(agreement):
    first = agreement.tranches.get(number=1)
    disbursement_record(
        project=agreement.project, tranche=first, amount=Decimal("300.00"), value_date=dt.date(2019, 3, 10)
    )

    error = refused(
        disbursement_record,
        project=agreement.project,
        tranche=first,
        amount=Decimal("150.00"),
        value_date=dt.date(2019, 3, 20),
    )

    assert (error.message, error.field) == (f"Tranche 1 has {shown('USD', '100.00')} left to pay.", "amount")


def test_a_tranche_waiting_for_its_condition_cannot_be_paid_until_the_condition_is_met(agreement):
    second = agreement.tranches.get(number=2)

    error = refused(
        disbursement_record,
        project=agreement.project,
        tranche=second,
        amount=Decimal("100.00"),
        value_date=dt.date(2019, 9, 5),
    )

    assert (error.message, error.field) == (f"Tranche 2 waits for its condition: {INCEPTION}.", "tranche")

    tranche_condition_meet(tranche=second, on=dt.date(2019, 9, 1))
    disbursement_record(
        project=agreement.project, tranche=second, amount=Decimal("100.00"), value_date=dt.date(2019, 9, 5)
    )
    assert fresh(second).disbursed_total == Decimal("100.00")


def test_a_tranche_of_another_project_is_refused(agreement):
    other = GrantAgreementFactory(
        amount=Decimal("500.00"), tranches=[TrancheSpec(dt.date(2019, 3, 1), Decimal("500.00"))]
    )

    error = refused(
        disbursement_record,
        project=agreement.project,
        tranche=other.tranches.get(),
        amount=Decimal("100.00"),
        value_date=dt.date(2019, 3, 10),
    )

    assert (error.message, error.field) == ("That tranche belongs to another project.", "tranche")


def test_an_expenditure_is_reported_by_the_grantee_and_adds_to_what_was_spent(agreement):
    row = expenditure_record(project=agreement.project, amount=Decimal("80.00"), value_date=dt.date(2019, 5, 1))

    assert (row.kind, row.provider) == (TransactionKind.EXPENDITURE, agreement.grantee)
    assert fresh(agreement.project).spent_total == Decimal("80.00")


# Contributions and allocations


def test_a_contribution_receives_what_was_pledged_and_no_more(contribution):
    contribution_receive(contribution=contribution, amount=Decimal("900.00"), value_date=dt.date(2018, 3, 1))

    error = refused(
        contribution_receive, contribution=contribution, amount=Decimal("100.01"), value_date=dt.date(2018, 6, 1)
    )

    assert error.message == (
        f"SECO-1 pledged {shown('CHF', '1,000.00')} and {shown('CHF', '900.00')} is already received: "
        f"{shown('CHF', '100.01')} is too much."
    )
    assert error.field == "amount"

    row = contribution_receive(contribution=contribution, amount=Decimal("100.00"), value_date=dt.date(2018, 6, 1))
    assert (row.kind, row.provider, row.currency) == (TransactionKind.INCOMING_FUNDS, contribution.donor, "CHF")
    assert fresh(contribution).received_total == Decimal("1000.00")


def test_allocations_never_exceed_the_pledge(contribution):
    allocation_set(
        contribution=contribution, project=ProjectFactory(), amount=Decimal("600.00"), allocated_on=dt.date(2019, 1, 1)
    )

    error = refused(
        allocation_set,
        contribution=contribution,
        project=ProjectFactory(),
        amount=Decimal("400.01"),
        allocated_on=dt.date(2019, 1, 1),
    )

    assert (error.message, error.field) == (f"SECO-1 has {shown('CHF', '400.00')} left to allocate.", "amount")


def test_changing_an_allocation_replaces_its_amount_within_the_pledge(contribution):
    first, second = ProjectFactory(), ProjectFactory()
    AllocationFactory(contribution=contribution, project=first, amount=Decimal("600.00"))
    AllocationFactory(contribution=contribution, project=second, amount=Decimal("300.00"))

    error = refused(
        allocation_set,
        contribution=contribution,
        project=first,
        amount=Decimal("700.01"),
        allocated_on=dt.date(2019, 6, 1),
    )
    assert (error.message, error.field) == (f"SECO-1 has {shown('CHF', '700.00')} left to allocate.", "amount")

    allocation_set(contribution=contribution, project=first, amount=Decimal("700.00"), allocated_on=dt.date(2019, 6, 1))
    assert Allocation.objects.filter(contribution=contribution).count() == 2
    assert fresh(contribution).allocated_total == Decimal("1000.00")

    allocation_set(contribution=contribution, project=first, amount=Decimal("100.00"), allocated_on=dt.date(2019, 7, 1))
    assert Allocation.objects.get(project=first).amount == Decimal("100.00")
    assert fresh(contribution).allocated_total == Decimal("400.00")
    assert Allocation.objects.aggregate(total=Sum("amount"))["total"] == Decimal("400.00")


# Amounts and currencies


def _arranged():
    agreement = GrantAgreementFactory(project=ProjectFactory(code="CP-GHA"), amount=Decimal("1000.00"))
    contribution = ContributionFactory(reference="SIDA-1", currency="CHF", amount=Decimal("1000.00"))
    return SimpleNamespace(
        agreement=agreement, project=agreement.project, unsigned=ProjectFactory(), contribution=contribution
    )


AMOUNT_SERVICES = {
    "contribution_receive": lambda a, amount: contribution_receive(
        contribution=a.contribution, amount=amount, value_date=dt.date(2019, 3, 1)
    ),
    "grant_agreement_sign": lambda a, amount: grant_agreement_sign(
        project=a.unsigned,
        reference="GA-NEW",
        grantee=OrganisationFactory(),
        signed_on=dt.date(2019, 3, 1),
        signatures=both_sides(dt.date(2019, 3, 1)),
        amount=amount,
    ),
    "disbursement_record": lambda a, amount: disbursement_record(
        project=a.project, amount=amount, value_date=dt.date(2019, 3, 1)
    ),
    "expenditure_record": lambda a, amount: expenditure_record(
        project=a.project, amount=amount, value_date=dt.date(2019, 3, 1)
    ),
    "allocation_set": lambda a, amount: allocation_set(
        contribution=a.contribution, project=a.project, amount=amount, allocated_on=dt.date(2019, 3, 1)
    ),
}


@pytest.mark.parametrize("service", AMOUNT_SERVICES)
def test_an_amount_of_nothing_or_less_is_refused(service):
    arranged = _arranged()

    for amount in [Decimal(0), Decimal("-5.00")]:
        error = refused(AMOUNT_SERVICES[service], a=arranged, amount=amount)

        assert (error.message, error.field) == ("The amount must be more than zero.", "amount")


CURRENCY_SERVICES = {
    "contribution_receive": (
        "CHF",
        "SIDA-1 keeps its books in CHF; record the amount in CHF.",
        lambda a, currency: contribution_receive(
            contribution=a.contribution, amount=Decimal("10.00"), value_date=dt.date(2019, 3, 1), currency=currency
        ),
    ),
    "disbursement_record": (
        "USD",
        "CP-GHA keeps its books in USD; record the amount in USD.",
        lambda a, currency: disbursement_record(
            project=a.project, amount=Decimal("10.00"), value_date=dt.date(2019, 3, 1), currency=currency
        ),
    ),
    "expenditure_record": (
        "USD",
        "CP-GHA keeps its books in USD; record the amount in USD.",
        lambda a, currency: expenditure_record(
            project=a.project, amount=Decimal("10.00"), value_date=dt.date(2019, 3, 1), currency=currency
        ),
    ),
}


@pytest.mark.parametrize("service", CURRENCY_SERVICES)
def test_an_amount_is_recorded_only_in_the_currency_of_the_books(service):
    arranged = _arranged()
    books, other_books_message, record = CURRENCY_SERVICES[service]

    unknown = refused(record, a=arranged, currency="XYZ")
    other = refused(record, a=arranged, currency="EUR")
    row = record(arranged, currency=books)

    assert (unknown.message, unknown.field) == ("XYZ is not an ISO 4217 currency code in use.", "currency")
    assert (other.message, other.field) == (other_books_message, "currency")
    assert (row.currency, row.amount) == (books, Decimal("10.00"))


# Closed accounting periods


@pytest.fixture
def books():
    """A project committed and paid twice in 2018, two projects not yet signed, and 2019 closed."""
    agreement = GrantAgreementFactory(
        project=ProjectFactory(code="CP-VNM"), amount=Decimal("1000.00"), signed_on=dt.date(2018, 6, 1)
    )
    paid = [
        disbursement_record(project=agreement.project, amount=Decimal("100.00"), value_date=dt.date(2018, 7, 1))
        for _ in range(2)
    ]
    period = AccountingPeriodFactory(name="FY2019", start_date=dt.date(2019, 1, 1), end_date=dt.date(2019, 12, 31))
    accounting_period_close(period=period, closed_by=StaffFactory())
    return SimpleNamespace(
        project=agreement.project,
        unsigned=[ProjectFactory(code="CP-PHL"), ProjectFactory(code="CP-IDN")],
        contribution=ContributionFactory(currency="USD"),
        paid=paid,
    )


DATED_SERVICES = {
    "contribution_receive": lambda b, on: contribution_receive(
        contribution=b.contribution, amount=Decimal("10.00"), value_date=on
    ),
    "grant_agreement_sign": lambda b, on: grant_agreement_sign(
        project=b.unsigned[-1],
        reference=f"GA-{on.isoformat()}",
        grantee=OrganisationFactory(),
        signed_on=on,
        signatures=both_sides(on),
        amount=Decimal("10.00"),
    ),
    "disbursement_record": lambda b, on: disbursement_record(project=b.project, amount=Decimal("10.00"), value_date=on),
    "expenditure_record": lambda b, on: expenditure_record(project=b.project, amount=Decimal("10.00"), value_date=on),
    "transaction_reverse": lambda b, on: transaction_reverse(original=b.paid[-1], value_date=on, reason="Paid twice"),
}


@pytest.mark.parametrize("service", DATED_SERVICES)
def test_nothing_is_recorded_inside_a_closed_period(books, service):
    for on in [dt.date(2019, 1, 1), dt.date(2019, 6, 30), dt.date(2019, 12, 31)]:
        error = refused(DATED_SERVICES[service], b=books, on=on)

        assert (
            error.message == f"The accounting period FY2019 is closed: nothing dated {on.isoformat()} can be recorded."
        )
        assert error.field == "value_date"


@pytest.mark.parametrize("service", DATED_SERVICES)
def test_a_date_outside_the_closed_period_is_accepted(books, service):
    for on in [dt.date(2018, 12, 31), dt.date(2020, 1, 1)]:
        before = Transaction.objects.count()

        DATED_SERVICES[service](books, on)

        assert Transaction.objects.count() == before + 1
        assert Transaction.objects.order_by("-pk").first().value_date == on
        books.unsigned.pop()  # the next date signs another project
        books.paid.pop()  # and reverses another payment


def test_an_open_period_accepts_transactions_and_a_closed_one_cannot_be_closed_again():
    period = AccountingPeriodFactory(name="FY2020", start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 12, 31))
    contribution = ContributionFactory(currency="USD")
    contribution_receive(contribution=contribution, amount=Decimal("10.00"), value_date=dt.date(2020, 5, 1))
    closer = StaffFactory()

    closed = accounting_period_close(period=period, closed_by=closer)

    assert closed.is_closed
    assert closed.closed_by == closer
    error = refused(accounting_period_close, period=period, closed_by=closer)
    assert (error.message, error.field) == ("FY2020 is already closed.", None)


# Ledger rows are never edited or deleted


def test_a_ledger_row_cannot_be_edited_or_deleted_through_the_model(agreement):
    row = Transaction.objects.get(project=agreement.project)

    row.amount = Decimal("1.00")
    with pytest.raises(ValidationError, match=r"Ledger rows are never edited: record a reversal instead\."):
        row.save()
    with pytest.raises(ValidationError, match=r"Ledger rows are never deleted: record a reversal instead\."):
        row.delete()

    assert Transaction.objects.get(pk=row.pk).amount == Decimal("1000.00")


@pytest.mark.postgres
def test_postgresql_refuses_to_edit_or_delete_a_ledger_row(agreement):
    row = Transaction.objects.get(project=agreement.project)

    for sql in [
        "UPDATE grants_transaction SET amount = 1 WHERE id = %s",
        "UPDATE grants_transaction SET description = 'edited' WHERE id = %s",
        "DELETE FROM grants_transaction WHERE id = %s",
    ]:
        with (
            pytest.raises(DatabaseError, match="Ledger rows are never edited or deleted"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [row.pk])

    assert Transaction.objects.filter(pk=row.pk).values_list("amount", "description").get() == (
        Decimal("1000.00"),
        "Grant agreement signed",
    )


@pytest.mark.postgres
def test_postgresql_refuses_a_bulk_update_or_delete_of_ledger_rows(agreement):
    with pytest.raises(DatabaseError, match="never edited or deleted"), transaction.atomic():
        Transaction.objects.all().update(amount=Decimal("1.00"))
    with pytest.raises(DatabaseError, match="never edited or deleted"), transaction.atomic():
        Transaction.objects.all().delete()

    assert Transaction.objects.get().amount == Decimal("1000.00")


# The database's own checks, written around the services


def refused_by_the_database(queryset, **values) -> None:
    before = ledger_state()
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**values)
    assert ledger_state() == before


def test_the_database_refuses_an_over_disbursement_written_around_the_services(agreement):
    project = Project.objects.filter(pk=agreement.project.pk)

    refused_by_the_database(project, disbursed_total=Decimal("1000.01"))
    refused_by_the_database(project, committed_total=Decimal("-1.00"))
    refused_by_the_database(Tranche.objects.filter(agreement=agreement, number=1), disbursed_total=Decimal("400.01"))

    project.update(disbursed_total=Decimal("1000.00"))


def test_the_database_refuses_an_over_allocation_or_overpayment_written_around_the_services(contribution):
    refused_by_the_database(Contribution.objects.filter(pk=contribution.pk), allocated_total=Decimal("1000.01"))
    refused_by_the_database(Contribution.objects.filter(pk=contribution.pk), received_total=Decimal("1000.01"))


def test_the_database_refuses_a_negative_ledger_row_that_reverses_nothing(agreement):
    row = Transaction(
        kind=TransactionKind.DISBURSEMENT,
        value_date=dt.date(2019, 3, 1),
        amount=Decimal("-10.00"),
        currency="USD",
        project=agreement.project,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.bulk_create([row])

    assert Transaction.objects.count() == 1


# Reversals


def test_reversing_a_disbursement_nets_to_zero_and_puts_the_totals_back(agreement):
    first = agreement.tranches.get(number=1)
    paid = disbursement_record(
        project=agreement.project, tranche=first, amount=Decimal("400.00"), value_date=dt.date(2019, 3, 10)
    )
    clerk = StaffFactory()

    reversal = transaction_reverse(
        original=paid, value_date=dt.date(2019, 3, 12), reason=" Paid twice ", recorded_by=clerk
    )

    assert (reversal.kind, reversal.amount, reversal.reverses, reversal.tranche) == (
        TransactionKind.DISBURSEMENT,
        Decimal("-400.00"),
        paid,
        first,
    )
    assert (reversal.description, reversal.recorded_by, reversal.receiver) == (
        "Reversal: Paid twice",
        clerk,
        paid.receiver,
    )
    pair = Transaction.objects.filter(pk__in=[paid.pk, reversal.pk])
    assert pair.aggregate(total=Sum("amount"))["total"] == Decimal(0)
    assert fresh(agreement.project).disbursed_total == Decimal(0)
    assert fresh(first).disbursed_total == Decimal(0)
    assert fresh(first).status_on(dt.date(2019, 3, 12)) == TrancheStatus.DUE


def test_reversing_incoming_funds_puts_the_amount_received_back(contribution):
    received = contribution_receive(contribution=contribution, amount=Decimal("700.00"), value_date=dt.date(2018, 3, 1))

    reversal = transaction_reverse(original=received, value_date=dt.date(2018, 3, 2), reason="Wrong donor")

    assert (reversal.amount, reversal.contribution) == (Decimal("-700.00"), contribution)
    assert Transaction.objects.aggregate(total=Sum("amount"))["total"] == Decimal(0)
    assert fresh(contribution).received_total == Decimal(0)
    contribution_receive(contribution=contribution, amount=Decimal("1000.00"), value_date=dt.date(2018, 3, 3))


def test_reversing_a_commitment_and_an_expenditure_puts_their_totals_back(agreement):
    spent = expenditure_record(project=agreement.project, amount=Decimal("80.00"), value_date=dt.date(2019, 5, 1))
    commitment = Transaction.objects.get(kind=TransactionKind.COMMITMENT)

    transaction_reverse(original=spent, value_date=dt.date(2019, 5, 2), reason="Reported twice")
    transaction_reverse(original=commitment, value_date=dt.date(2019, 5, 2), reason="Agreement cancelled")

    project = fresh(agreement.project)
    assert (project.committed_total, project.spent_total) == (Decimal(0), Decimal(0))
    assert Transaction.objects.aggregate(total=Sum("amount"))["total"] == Decimal(0)


def test_a_reversal_cannot_be_reversed(agreement):
    paid = disbursement_record(project=agreement.project, amount=Decimal("50.00"), value_date=dt.date(2019, 3, 10))
    reversal = transaction_reverse(original=paid, value_date=dt.date(2019, 3, 11), reason="Paid twice")

    error = refused(transaction_reverse, original=reversal, value_date=dt.date(2019, 3, 12), reason="Undo")

    assert (error.message, error.field) == (
        "A reversal cannot itself be reversed; record a new transaction instead.",
        None,
    )


def test_a_row_is_reversed_only_once(agreement):
    paid = disbursement_record(project=agreement.project, amount=Decimal("50.00"), value_date=dt.date(2019, 3, 10))
    transaction_reverse(original=paid, value_date=dt.date(2019, 3, 11), reason="Paid twice")

    error = refused(transaction_reverse, original=paid, value_date=dt.date(2019, 3, 12), reason="Again")

    assert (error.message, error.field) == ("This transaction is already reversed.", None)
    assert fresh(agreement.project).disbursed_total == Decimal(0)


def test_a_commitment_is_not_reversed_below_what_was_disbursed(agreement):
    disbursement_record(project=agreement.project, amount=Decimal("50.00"), value_date=dt.date(2019, 3, 10))
    commitment = Transaction.objects.get(kind=TransactionKind.COMMITMENT)

    error = refused(transaction_reverse, original=commitment, value_date=dt.date(2019, 3, 12), reason="Cancelled")

    assert (error.message, error.field) == (
        "More has been disbursed than would stay committed: reverse disbursements first.",
        "reason",
    )


def test_a_reversal_says_why(agreement):
    commitment = Transaction.objects.get(kind=TransactionKind.COMMITMENT)

    for reason in ["", "   "]:
        error = refused(transaction_reverse, original=commitment, value_date=dt.date(2019, 3, 12), reason=reason)

        assert (error.message, error.field) == ("Say why the transaction is reversed.", "reason")


# Tranche status


def test_a_tranches_status_follows_its_date_its_condition_and_what_was_paid(agreement):
    second = agreement.tranches.get(number=2)  # planned 2019-09-01, waits for the inception report
    project = agreement.project

    with time_machine.travel(dt.datetime(2019, 8, 1, 12, tzinfo=dt.UTC), tick=False):
        assert fresh(second).status == TrancheStatus.PLANNED
    with time_machine.travel(dt.datetime(2019, 9, 2, 12, tzinfo=dt.UTC), tick=False):
        assert fresh(second).status == TrancheStatus.AWAITING_CONDITION
        assert fresh(second).get_status_display() == "Awaiting its condition"

        tranche_condition_meet(tranche=second, on=dt.date(2019, 9, 2))
        assert fresh(second).status == TrancheStatus.DUE

        disbursement_record(project=project, tranche=second, amount=Decimal("200.00"), value_date=dt.date(2019, 9, 2))
        assert fresh(second).status == TrancheStatus.PARTLY_PAID

        disbursement_record(project=project, tranche=second, amount=Decimal("400.00"), value_date=dt.date(2019, 9, 2))
        assert fresh(second).status == TrancheStatus.PAID


def test_a_met_condition_keeps_its_first_date(agreement):
    second = agreement.tranches.get(number=2)

    tranche_condition_meet(tranche=second, on=dt.date(2019, 8, 1))
    tranche_condition_meet(tranche=second, on=dt.date(2019, 8, 20))

    assert fresh(second).condition_met_on == dt.date(2019, 8, 1)
    assert fresh(second).status_on(dt.date(2019, 8, 31)) == TrancheStatus.PLANNED
    assert fresh(second).status_on(dt.date(2019, 9, 1)) == TrancheStatus.DUE


def test_tranches_due_lists_those_whose_date_has_come_whose_condition_is_met_and_not_fully_paid():
    agreement = GrantAgreementFactory(
        amount=Decimal("1000.00"),
        tranches=[
            TrancheSpec(dt.date(2019, 3, 1), Decimal("100.00")),  # 1: paid
            TrancheSpec(dt.date(2019, 4, 1), Decimal("200.00")),  # 2: partly paid
            TrancheSpec(dt.date(2019, 5, 1), Decimal("300.00")),  # 3: due
            TrancheSpec(dt.date(2019, 5, 15), Decimal("150.00"), INCEPTION),  # 4: awaiting its condition
            TrancheSpec(dt.date(2019, 7, 1), Decimal("250.00")),  # 5: planned
        ],
    )
    tranche = {t.number: t for t in agreement.tranches.all()}
    disbursement_record(
        project=agreement.project, tranche=tranche[1], amount=Decimal("100.00"), value_date=dt.date(2019, 3, 2)
    )
    disbursement_record(
        project=agreement.project, tranche=tranche[2], amount=Decimal("50.00"), value_date=dt.date(2019, 4, 2)
    )
    on = dt.date(2019, 6, 1)

    assert [fresh(tranche[n]).status_on(on) for n in range(1, 6)] == [
        TrancheStatus.PAID,
        TrancheStatus.PARTLY_PAID,
        TrancheStatus.DUE,
        TrancheStatus.AWAITING_CONDITION,
        TrancheStatus.PLANNED,
    ]
    assert [t.number for t in tranches_due(on=on)] == [2, 3]

    tranche_condition_meet(tranche=tranche[4], on=dt.date(2019, 5, 20))
    assert [t.number for t in tranches_due(on=on)] == [2, 3, 4]
    assert [t.number for t in tranches_due(on=dt.date(2019, 7, 1))] == [2, 3, 4, 5]
    with time_machine.travel(dt.datetime(2019, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        assert [t.number for t in tranches_due()] == [2, 3, 4]
