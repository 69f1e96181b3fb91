"""The demo's grant at the reporting stage: a financial report waiting for the secretariat, and a narrative report
overdue (demo data). Built through the services, in the open financial year, so that approving it in the demo
books its expenditure in the ledger and releases the tranche it names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from devtools.demo.agreements import demo_signatures
from grants.models import (
    BudgetCategory,
    Facility,
    PartnerRole,
    Project,
    ProjectPartner,
    ProjectStatus,
    ReleaseCondition,
)
from grants.services import BudgetLineInput, TrancheSpec, grant_agreement_sign
from members.models import Organisation
from results.models import ExpenditureLine, ProgressReport, ReportKind, ReportStatus, ReportTransition
from results.services import reporting_period_add

CODE = "CUF-UGA-2026"
D = Decimal
BUDGET = [
    (BudgetCategory.STAFF, "120000", "Settlement profiling team"),
    (BudgetCategory.WORKS, "60000", "Community drainage works"),
    (BudgetCategory.EVENTS, "20000", "Settlement forums"),
]
SPENT = {BudgetCategory.STAFF: ("28500", ""), BudgetCategory.WORKS: ("9200", ""), BudgetCategory.EVENTS: ("6100", "")}


@transaction.atomic
def load_demo_reporting() -> None:
    """A grant to Jinja for 2026-2027 owing quarterly reports; a second run changes nothing."""
    if Project.objects.filter(code=CODE).exists():
        return
    jinja = Organisation.objects.get(short_name="Jinja")
    project = Project.objects.create(
        code=CODE,
        title="Jinja settlement upgrading: profiling, drainage and forums",
        summary="Demo data: a grant at the reporting stage.",
        facility=Facility.objects.order_by("pk").first(),
        status=ProjectStatus.IMPLEMENTATION,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2027, 12, 31),
        currency="USD",
        approved_budget=D("200000"),
        is_demo=True,
    )
    ProjectPartner.objects.create(project=project, organisation=jinja, role=PartnerRole.IMPLEMENTING)
    agreement = grant_agreement_sign(
        project=project,
        reference=f"GA-{CODE}",
        grantee=jinja,
        signed_on=dt.date(2026, 1, 15),
        amount=D("200000"),
        tranches=[
            TrancheSpec(dt.date(2026, 1, 20), D("100000")),
            TrancheSpec(
                dt.date(2026, 6, 1),
                D("100000"),
                "Financial report of the first quarter approved",
                kind=ReleaseCondition.REPORT,
            ),
        ],
        budget_lines=[BudgetLineInput(category, D(amount), text) for category, amount, text in BUDGET],
        signatures=demo_signatures(dt.date(2026, 1, 15), jinja.name),
    )
    quarter = {"start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 3, 31), "due_date": dt.date(2026, 4, 30)}
    financial = reporting_period_add(
        project=project,
        kind=ReportKind.FINANCIAL,
        releases_tranche=agreement.tranches.get(number=2),
        **quarter,
    )
    reporting_period_add(project=project, kind=ReportKind.NARRATIVE, **quarter)
    at = timezone.make_aware(dt.datetime(2026, 4, 20, 10))
    report = ProgressReport.objects.create(
        project=project,
        period=financial,
        status=ReportStatus.SUBMITTED,
        narrative="Works started late because of the rains; the forum budget follows the plan.",
        submitted_at=at,
    )
    ReportTransition.objects.create(report=report, from_status=ReportStatus.DRAFT, to_status=ReportStatus.SUBMITTED)
    lines = {line.category: line for line in agreement.budget_lines.all()}
    ExpenditureLine.objects.bulk_create(
        ExpenditureLine(report=report, budget_line=lines[category], amount=D(amount), comment=comment)
        for category, (amount, comment) in SPENT.items()
    )
