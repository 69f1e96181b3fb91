"""Report data arranged the way partners and staff produce it: through the results services."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.files.uploadedfile import SimpleUploadedFile

from grants.models import Project
from members.models import Role, User
from results.models import Evidence, IndicatorPeriod, ProgressReport, ProjectIndicator, ReportingPeriod
from results.services import (
    ValueInput,
    report_approve,
    report_return,
    report_save,
    report_start,
    report_submit,
)
from tests.factories import PDF, OrganisationFactory, PartnerUserFactory, ProjectPartnerFactory, StaffFactory

NARRATIVE = "Two settlement forums met monthly; the city adopted its upgrading strategy."

Values = Mapping[ProjectIndicator, ValueInput | str | int]


def reporter_of(project: Project) -> User:
    """A partner user of an organisation implementing the project (the first one, made if needed)."""
    existing = (
        User.objects.filter(
            organisation_roles__role=Role.PARTNER,
            organisation_roles__organisation__project_roles__project=project,
        )
        .order_by("pk")
        .first()
    )
    if existing is not None:
        return existing
    organisation = OrganisationFactory()
    ProjectPartnerFactory(project=project, organisation=organisation)
    return PartnerUserFactory(organisation=organisation)


def secretariat() -> User:
    return StaffFactory(email="results.officer@example.org")


def row(project_indicator: ProjectIndicator, period: ReportingPeriod) -> IndicatorPeriod:
    return IndicatorPeriod.objects.get(project_indicator=project_indicator, period=period)


def inputs(period: ReportingPeriod, values: Values) -> dict[int, ValueInput]:
    """The form's values keyed by indicator-period id; plain text or numbers become the value typed."""
    rows = dict(
        IndicatorPeriod.objects.filter(period=period, project_indicator__in=list(values)).values_list(
            "project_indicator_id", "pk"
        )
    )
    return {
        rows[project_indicator.pk]: given if isinstance(given, ValueInput) else ValueInput(value=str(given))
        for project_indicator, given in values.items()
    }


def draft(
    period: ReportingPeriod, values: Values, *, by: User | None = None, narrative: str = NARRATIVE
) -> ProgressReport:
    """The period's report, started and saved with `values` by a partner of the project."""
    by = by or reporter_of(period.project)
    report = report_start(period=period, user=by)
    return report_save(report=report, user=by, narrative=narrative, values=inputs(period, values))


def submitted(period: ReportingPeriod, values: Values, *, by: User | None = None) -> ProgressReport:
    by = by or reporter_of(period.project)
    return report_submit(report=draft(period, values, by=by), user=by)


def approved(period: ReportingPeriod, values: Values, *, by: User | None = None) -> ProgressReport:
    return report_approve(report=submitted(period, values, by=by), user=secretariat())


def returned(period: ReportingPeriod, values: Values, *, comment: str = "Add the forum minutes.") -> ProgressReport:
    return report_return(report=submitted(period, values), user=secretariat(), comment=comment)


def evidence(report: ProgressReport, *, by: User) -> Evidence:
    """A PDF backing the report, stored as the report's partner uploaded it (whatever the report's status)."""
    return Evidence.objects.create(
        report=report,
        file=SimpleUploadedFile("minutes.pdf", PDF),
        original_name="minutes.pdf",
        content_type="application/pdf",
        size=len(PDF),
        uploaded_by=by,
    )
