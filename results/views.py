"""Results pages: the public portfolio results, the project page's results section, and partner reporting."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.charts import BarChart, bar_chart
from common.errors import DomainError
from common.filtering import active_filter_count
from common.permissions import may
from common.uploads import file_download
from grants.models import Project
from grants.sections import PageSection
from members.models import Role
from members.selectors import organisations_of

from . import selectors, services
from .forms import (
    ScopeForm,
)
from .models import Evidence, ReportingPeriod
from .templatetags.results import format_measure


@dataclass(frozen=True)
class ChartedProgress:
    progress: selectors.IndicatorProgress
    chart: BarChart | None


def charted_progress(progress: selectors.IndicatorProgress) -> ChartedProgress:
    if not progress.has_data:
        return ChartedProgress(progress, None)
    indicator = progress.indicator
    chart = bar_chart(
        [(str(point.year), point.to_date) for point in progress.trend],
        target=progress.target.value if progress.target else None,
        text=lambda value: format_measure(value, indicator),
    )
    return ChartedProgress(progress, chart)


def portfolio(request: HttpRequest) -> HttpResponse:
    form = ScopeForm(request.GET or None)
    scope = form.scope()
    outcomes = selectors.public_progress(scope=scope)
    charted = [(outcome.outcome, [charted_progress(item) for item in outcome.indicators]) for outcome in outcomes]
    context = {"form": form, "scope": scope, "outcomes": charted, "active_filters": active_filter_count(request.GET)}
    return render(request, "results/portfolio.html", context)


def project_results_section(project: Project) -> PageSection | None:
    """The results section of a public project page (registered with grants in AppConfig.ready)."""
    results = selectors.project_results(project)
    if results.is_empty:
        return None
    return PageSection("results/includes/project_results.html", {"results": results})


def project_record_section(project: Project) -> PageSection:
    """Results against targets and the progress reports, on the staff's record of a project (registered with
    grants in AppConfig.ready); each period's report is read with the results."""
    today = timezone.localdate()
    return PageSection(
        "admin/results/record/results.html",
        {
            "results": selectors.project_results(project),
            "requirements": selectors.requirements_of(project, today=today),
        },
    )


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    projects = list(selectors.reporter_projects(request.user)[:100])
    return render(request, "results/portal/reports.html", {"projects": projects, "today": timezone.localdate()})


@login_required
@require_POST
def report_start(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        period = selectors.reporter_period(request.user, pk)
    except ReportingPeriod.DoesNotExist:
        raise Http404 from None
    try:
        report = services.report_start(period=period, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("results:reports")
    return redirect("results:report", pk=report.pk)


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = Evidence.objects.select_related("report")
    if not may(request.user, "results.view_evidence"):
        projects = Project.objects.filter(
            partners__organisation__in=organisations_of(user=request.user, role=Role.PARTNER)
        )
        evidence = evidence.filter(Q(report__project__in=projects))
    try:
        item = evidence.get(pk=pk)
    except Evidence.DoesNotExist:
        raise Http404 from None
    return file_download(item.file, name=item.original_name, content_type=item.content_type)
