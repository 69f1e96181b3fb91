"""A grant's budget lines: set at signing, adding up to the commitment; an award takes the application's budget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction

from grants.models import GrantAgreement, GrantBudgetLine, Transaction
from grants.services import BudgetLineInput, LedgerError, TrancheSpec, application_approve, grant_agreement_sign
from tests.factories import (
    ApplicationFactory,
    BudgetLineFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    ProjectFactory,
    StaffFactory,
    both_sides,
    reviewed,
)

pytestmark = pytest.mark.django_db


def sign(project, lines):
    return grant_agreement_sign(
        project=project,
        reference="GA-1",
        grantee=OrganisationFactory(),
        signed_on=dt.date(2019, 2, 1),
        signatures=both_sides(dt.date(2019, 2, 1)),
        amount=Decimal("100000.00"),
        budget_lines=lines,
    )


def test_signing_keeps_the_budget_lines_in_their_order():
    agreement = sign(
        ProjectFactory(),
        [BudgetLineInput("staff", Decimal("60000.00"), "Project team"), BudgetLineInput("works", Decimal("40000.00"))],
    )

    lines = list(agreement.budget_lines.values_list("category", "description", "amount"))
    assert lines == [("staff", "Project team", Decimal("60000.00")), ("works", "", Decimal("40000.00"))]


def test_lines_that_do_not_add_up_to_the_commitment_are_refused_and_nothing_is_signed():
    with pytest.raises(LedgerError) as refusal:
        sign(ProjectFactory(), [BudgetLineInput("staff", Decimal("60000.00"))])

    assert refusal.value.message == (
        "The budget lines add up to USD\xa060,000.00 but the agreement commits USD\xa0100,000.00."
    )
    assert refusal.value.field == "budget_lines"
    assert not GrantAgreement.objects.exists() and not Transaction.objects.exists()


def test_a_negative_line_is_refused_by_the_service_and_by_the_database():
    with pytest.raises(LedgerError) as refusal:
        sign(
            ProjectFactory(), [BudgetLineInput("staff", Decimal("-1.00")), BudgetLineInput("works", Decimal("100001"))]
        )
    assert refusal.value.field == "budget_lines.0.amount"

    agreement = GrantAgreementFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        GrantBudgetLine.objects.create(agreement=agreement, category="staff", amount=Decimal("-1.00"))


def test_an_award_takes_the_applications_budget_when_it_covers_the_amount_awarded():
    application = reviewed(ApplicationFactory(complete=True, status="in_review"))
    application.budget_lines.all().delete()
    BudgetLineFactory(application=application, category="staff", amount=Decimal("50000.00"))
    BudgetLineFactory(application=application, category="events", amount=application.requested_amount - 50000)

    with time_machine.travel(dt.datetime(2030, 5, 20, 12, tzinfo=dt.UTC), tick=False):
        project = application_approve(
            application=application,
            user=StaffFactory(),
            grant_reference="CA-2030-1",
            signed_on=dt.date(2030, 6, 1),
            tranches=[TrancheSpec(dt.date(2030, 6, 1), percentage=Decimal(100))],
        )

    lines = project.agreement.budget_lines.values_list("category", "amount")
    assert list(lines) == [("staff", Decimal("50000.00")), ("events", application.requested_amount - 50000)]
