"""Results pages: the public portfolio results, the project page's results section, and partner reporting."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.charts import BarChart, bar_chart
from common.errors import DomainError
from common.filtering import active_filter_count
from common.permissions import may
from common.uploads import file_download
from grants.models import Project
from grants.sections import PageSection
from grants.selectors import public_projects
from members.models import Role
from members.selectors import organisations_of

from . import selectors, services
from .forms import (
    EvidenceForm,
    ScopeForm,
    attach_errors,
    attach_spent_errors,
    rows_from_post,
    rows_from_saved,
    spent_from_post,
    spent_from_saved,
)
from .models import Evidence, ProgressReport, ReportingPeriod, ReportKind
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
    outcomes = selectors.portfolio_progress(scope=scope, projects=public_projects())
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


def _load(request: HttpRequest, pk: int) -> ProgressReport:
    try:
        return selectors.reporter_report(request.user, pk)
    except ProgressReport.DoesNotExist:
        raise Http404 from None


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A report of any kind: its values (progress), its expenditure by budget line (financial), its narrative."""
    report = _load(request, pk)
    kind = report.period.kind
    rows = selectors.report_rows(report) if kind == ReportKind.PROGRESS else []
    statement = selectors.financial_statement(report) if kind == ReportKind.FINANCIAL else None
    context = {
        "report": report,
        "history": selectors.report_history(report),
        "project_cities": report.project.cities.order_by("name"),
        "project_countries": report.project.countries.order_by("country"),
        "evidence_form": EvidenceForm(),
        "statement": statement,
        "spent": spent_from_saved(statement) if statement else [],
    }
    if not report.is_editable:
        return render(request, "results/portal/report_readonly.html", {**context, "rows": rows_from_saved(rows)})
    if request.method != "POST":
        return render(request, "results/portal/report_form.html", {**context, "rows": rows_from_saved(rows)})
    shown, values = rows_from_post(rows, request.POST)
    spent, expenditure = spent_from_post(statement, request.POST) if statement else ([], {})
    narrative = request.POST.get("narrative", "")

    def form_again(invalid: services.ReportInvalid, message: str, status: int) -> HttpResponse:
        attach_errors(shown, invalid.errors)
        attach_spent_errors(spent, invalid.errors)
        messages.error(request, message)
        report.narrative = narrative
        context.update(
            rows=shown,
            spent=spent,
            narrative_errors=invalid.errors.get("narrative", []),
            report_errors=[*invalid.errors.get("expenditure", []), *invalid.errors.get("evidence", [])],
        )
        return render(request, "results/portal/report_form.html", context, status=status)

    try:
        services.report_save(
            report=report, user=request.user, narrative=narrative, values=values, expenditure=expenditure
        )
    except services.ReportInvalid as invalid:
        return form_again(invalid, invalid.message, status=400)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("results:report", pk=report.pk)
    if request.POST.get("action") != "submit":
        messages.success(request, _("Draft saved."))
        return redirect("results:report", pk=report.pk)
    try:
        services.report_submit(report=report, user=request.user)
    except services.ReportInvalid as invalid:
        if statement:
            context["statement"] = selectors.financial_statement(report)
            spent[:] = spent_from_saved(context["statement"])
        return form_again(invalid, _("Draft saved. %(reason)s") % {"reason": invalid.message}, status=200)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("results:report", pk=report.pk)
    messages.success(request, _("Your report is submitted. The secretariat will review it."))
    return redirect("results:report", pk=report.pk)


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    report = _load(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return redirect("results:report", pk=report.pk)
    try:
        services.evidence_add(
            report=report,
            user=request.user,
            upload=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("File added."))
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
