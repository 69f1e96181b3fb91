"""The demo shows a grant at the reporting stage: a financial report to review, a narrative report overdue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from devtools.demo.reporting import CODE
from grants.models import Transaction, TransactionKind
from results.models import ReportingPeriod, ReportStatus
from results.selectors import financial_statement, overdue_by_partner
from results.services import report_approve
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_the_demo_grant_has_a_financial_report_to_review_and_an_overdue_narrative_report():
    call_command("load_demo")

    periods = {p.kind: p for p in ReportingPeriod.objects.filter(project__code=CODE).select_related("report")}
    report = periods["financial"].report
    assert report.status == ReportStatus.SUBMITTED
    assert financial_statement(report).amount == Decimal("43800")
    overdue = {
        (group.organisation.short_name, item.period.kind)
        for group in overdue_by_partner(today=dt.date(2026, 6, 30))
        for item in group.requirements
    }
    assert ("Jinja", "narrative") in overdue

    report_approve(report=report, user=StaffFactory())

    assert Transaction.objects.get(kind=TransactionKind.EXPENDITURE, project__code=CODE).amount == Decimal("43800")
    assert (
        periods["financial"]
        .releases_tranche.__class__.objects.get(pk=periods["financial"].releases_tranche_id)
        .condition_met_on
    )
