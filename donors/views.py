"""Donor pages: the dashboard, the funded projects, CSV downloads and donor reports.

Every view loads the donor through `selectors.donor_for`, so a donor user reaches only the
donors it acts for: any other id answers 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.charts import bar_chart
from common.currency_choice import CurrencyChoice, choose_currency
from common.dates import date_span
from common.errors import DomainError
from common.filtering import active_filter_count
from common.money import format_money
from common.paging import KeyedPaginator, rows_between
from common.spreadsheets import csv_response
from common.uploads import PDF, file_download
from grants.map_pages import map_context, map_filter_form
from grants.models import Project
from grants.selectors import project_money
from grants.selectors.updates import updates_on
from members.models import Organisation, User
from results.selectors import project_results
from results.views import charted_progress

from . import selectors, services, spreadsheets
from .filters import DonorProjectFilter
from .models import DonorReport, ReportJobStatus


def _donor(request: HttpRequest, pk: int) -> Organisation:
    try:
        return selectors.donor_for(request.user, pk)
    except Organisation.DoesNotExist:
        raise Http404 from None


def _currency(request: HttpRequest, donor: Organisation) -> CurrencyChoice:
    """The donor's own currency, or the partnership's reporting currency when asked (`?currency=USD`); the choice
    is kept in the session for the donor's other pages and files."""
    return choose_currency(request, selectors.donor_currencies(donor), remember=f"donor-currency-{donor.pk}")


def _refused_file(choice: CurrencyChoice) -> HttpResponse:
    return HttpResponse(
        _("Figures are not offered in “%(code)s”. Choose one of %(offered)s.")
        % {"code": choice.refused, "offered": ", ".join(choice.offered)},
        status=400,
        content_type="text/plain; charset=utf-8",
    )


def donor_landing(user: User) -> str | None:
    """After logging in, a donor user lands on the donor pages."""
    return reverse("donors:landing") if selectors.acts_for_a_donor(user) else None


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """A donor user goes straight to its dashboard; staff choose a donor."""
    donors = list(selectors.donors_of(request.user))
    every = selectors.sees_every_donor(request.user)
    if len(donors) == 1 and not every:
        return redirect("donors:dashboard", pk=donors[0].pk)
    if not donors and not every:
        raise Http404
    return render(request, "donors/landing.html", {"donors": donors})


def _short(label: str, length: int) -> str:
    """A bar's label cut to fit under it, with an ellipsis to show it was cut (the table gives it whole)."""
    return label if len(label) <= length else label[: length - 1].rstrip() + "…"


def _charted_breakdowns(figures: selectors.DonorFigures) -> list[tuple[str, selectors.ShareBreakdown, object]]:
    """Each non-empty breakdown with a chart of its disbursements (the largest twelve rows)."""
    currency = figures.totals.currency
    charted = []
    for dimension, breakdown in figures.breakdowns.items():
        if breakdown.rows:
            rows = breakdown.charted
            # About 55 characters fit under the chart side by side: more bars, shorter labels.
            length = max(4, min(14, 55 // len(rows)))
            points = [(_short(row.label, length), row.disbursed) for row in rows]
            chart = bar_chart(points, text=lambda value: format_money(value, currency, whole=True))
            charted.append((dimension, breakdown, chart))
    return charted


class ReportRequestForm(forms.Form):
    period_start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), required=False)

    def __init__(self, *args, currencies: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = [(code, code) for code in currencies]


def _default_period() -> dict:
    start, end = selectors.last_quarter(timezone.localdate())
    return {"period_start": start, "period_end": end}


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    donor = _donor(request, pk)
    choice = _currency(request, donor)
    map_form = map_filter_form(request, years=selectors.donor_map_years(donor))
    refused = map_form.is_bound and not map_form.is_valid()
    where = (
        {"map_form": map_form}
        if refused
        else map_context(lambda: selectors.donor_map(donor, map_form.choice, quote=choice.currency), map_form)
    )
    figures = selectors.donor_figures(donor, quote=choice.currency)
    projects = rows_between(selectors.donor_project_list(donor).order_by("-start_date", "code"), 0, 10)
    context = {
        "donor": donor,
        "choice": choice,
        "figures": figures,
        "breakdowns": _charted_breakdowns(figures),
        "projects": projects,
        "results": [
            (outcome.outcome, [charted_progress(item) for item in outcome.indicators])
            for outcome in selectors.donor_results(donor)
        ],
        "reports": selectors.donor_reports(donor)[:5],
        "report_form": ReportRequestForm(
            initial={**_default_period(), "currency": choice.currency}, currencies=choice.offered
        ),
        "updates": updates_on(selectors.funded_projects(donor)),
        **where,
    }
    return render(request, "donors/dashboard.html", context, status=400 if refused else choice.status)


@login_required
def project_list(request: HttpRequest, pk: int) -> HttpResponse:
    donor = _donor(request, pk)
    projects = selectors.donor_project_list(donor).order_by("-start_date", "code")
    filterset = DonorProjectFilter(request.GET or None, queryset=projects, donor=donor)
    if filterset.is_bound and not filterset.is_valid():
        # A value outside the donor's own portfolio (another donor's contribution, say) finds nothing.
        raise Http404
    rows = filterset.qs
    choice = _currency(request, donor)
    if request.GET.get("format") == "csv":
        if choice.refused:
            return _refused_file(choice)
        converted = selectors.donor_projects_converted(rows, quote=choice.currency)
        return csv_response(f"projects-{donor.pk}.csv", *spreadsheets.projects_table(converted, choice.currency))
    page = KeyedPaginator(rows, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    csv_query = query.copy()
    csv_query.pop("format", None)
    csv_query.update({"currency": choice.currency, "format": "csv"})
    return render(
        request,
        "donors/project_list.html",
        {
            "donor": donor,
            "choice": choice,
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
            "csv_query": csv_query.urlencode(),
            "active_filters": active_filter_count(request.GET, besides=("currency",)),
        },
        status=choice.status,
    )


@login_required
def breakdown_csv(request: HttpRequest, pk: int, dimension: str) -> HttpResponse:
    donor = _donor(request, pk)
    if dimension not in selectors.DIMENSIONS:
        raise Http404
    choice = _currency(request, donor)
    if choice.refused:
        return _refused_file(choice)
    breakdown = selectors.donor_figures(donor, quote=choice.currency).breakdowns[dimension]
    return csv_response(f"{dimension}-{donor.pk}.csv", *spreadsheets.breakdown_table(breakdown))


@login_required
def contributions_csv(request: HttpRequest, pk: int) -> HttpResponse:
    donor = _donor(request, pk)
    choice = _currency(request, donor)
    if choice.refused:
        return _refused_file(choice)
    figures = selectors.donor_figures(donor, quote=choice.currency)
    return csv_response(f"contributions-{donor.pk}.csv", *spreadsheets.contributions_table(figures))


@login_required
def results_csv(request: HttpRequest, pk: int) -> HttpResponse:
    donor = _donor(request, pk)
    return csv_response(f"results-{donor.pk}.csv", *spreadsheets.results_table(selectors.donor_results(donor)))


@login_required
def project_detail(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    donor = _donor(request, pk)
    try:
        project = selectors.donor_project(donor, code)
    except Project.DoesNotExist:
        raise Http404 from None
    results = project_results(project)
    context = {
        "donor": donor,
        "project": project,
        "money": project_money(project),
        "results": results,
        "results_section": {"results": results},
        "allocations": project.donor_allocations,
    }
    return render(request, "donors/project_detail.html", context)


@login_required
def reports(request: HttpRequest, pk: int) -> HttpResponse:
    donor = _donor(request, pk)
    choice = _currency(request, donor)
    form = ReportRequestForm(
        request.POST or None, initial={**_default_period(), "currency": choice.currency}, currencies=choice.offered
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_request(
                donor=donor,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                currency=form.cleaned_data["currency"] or None,
                user=request.user,
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Your report of %(period)s is requested: its status below shows when it is ready.")
                % {"period": date_span(report.period_start, report.period_end)},
            )
            return redirect("donors:reports", pk=donor.pk)
    page = Paginator(selectors.donor_reports(donor), 20).get_page(request.GET.get("page"))
    status = 400 if form.errors else 200
    return render(request, "donors/reports.html", {"donor": donor, "form": form, "page": page}, status=status)


def _report(request: HttpRequest, pk: int, report_id: int) -> DonorReport:
    donor = _donor(request, pk)
    try:
        return selectors.donor_report(donor, report_id)
    except DonorReport.DoesNotExist:
        raise Http404 from None


def report_status_response(report: DonorReport, *, download: str) -> JsonResponse:
    """A report's status as its record says now, for the pages that follow it; never cached."""
    response = JsonResponse(
        {
            "id": report.pk,
            "status": report.status,
            "label": report.get_status_display(),
            "finished": report.is_finished,
            "failure_reason": report.failure_reason,
            "download": download if report.status == ReportJobStatus.READY else None,
        }
    )
    add_never_cache_headers(response)
    return response


@login_required
def report_status(request: HttpRequest, pk: int, report_id: int) -> JsonResponse:
    report = _report(request, pk, report_id)
    return report_status_response(report, download=reverse("donors:report-pdf", args=[pk, report.pk]))


@login_required
def report_pdf(request: HttpRequest, pk: int, report_id: int) -> FileResponse:
    report = _report(request, pk, report_id)
    if report.status != "ready" or not report.file:
        raise Http404
    return file_download(report.file, name=report.filename, content_type=PDF)
