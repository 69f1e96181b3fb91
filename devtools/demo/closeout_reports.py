"""The demo's closed grant, its reporting side (demo data): its final narrative and financial reports approved,
then the grant closed. Its ledger comes with the demo portfolio (`devtools.demo.closeout`)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from common.records import ensure
from devtools.demo.closeout import CODE
from grants.models import Closeout, CloseoutStatus, Project
from grants.services import project_close
from results.models import ProgressReport, ReportingPeriod, ReportKind, ReportStatus, ReportTransition


def load_demo_closeout_reports() -> None:
    """A second run changes nothing."""
    project = Project.objects.filter(code=CODE).first()
    if project is None:
        return
    for kind in (ReportKind.NARRATIVE, ReportKind.FINANCIAL):
        period = ensure(
            ReportingPeriod,
            {"project": project, "kind": kind, "start_date": project.start_date},
            {"end_date": project.end_date, "due_date": dt.date(2021, 8, 31), "is_final": True},
        )
        if ProgressReport.objects.filter(period=period).exists():
            continue
        at = timezone.make_aware(dt.datetime(2021, 9, 15, 12))
        report = ProgressReport.objects.create(
            project=project,
            period=period,
            status=ReportStatus.APPROVED,
            narrative="Illustrative final report loaded with the demo portfolio.",
            submitted_at=at,
            approved_at=at,
        )
        for frm, to in ((ReportStatus.DRAFT, ReportStatus.SUBMITTED), (ReportStatus.SUBMITTED, ReportStatus.APPROVED)):
            ReportTransition.objects.create(report=report, from_status=frm, to_status=to)
    if not Closeout.objects.filter(project=project, status=CloseoutStatus.CLOSED).exists():
        project_close(project=project, by=None, actual_end=dt.date(2021, 9, 30), comment="Demo data")
