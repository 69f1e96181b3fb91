"""A report's form: a draft kept as the partner types, evidence files beside it, and a refused submission that keeps
everything typed.

Everything works as plain form posts (saving the draft also attaches a chosen file or removes one, so nothing typed
is lost without JavaScript); static/js/draft-form.js, shared with the application form, adds saving as one types
(to `report_autosave`, which answers JSON), uploads and removals without a page reload.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.drafts import answer, saved_at, wants_json
from common.errors import DomainError

from . import selectors, services
from .forms import (
    EvidenceForm,
    SpentEntry,
    ValueRow,
    attach_errors,
    attach_spent_errors,
    error_summary,
    rows_from_post,
    rows_from_saved,
    spent_from_post,
    spent_from_saved,
)
from .models import Evidence, ProgressReport, ReportKind


def _load(request: HttpRequest, pk: int) -> ProgressReport:
    try:
        return selectors.reporter_report(request.user, pk)
    except ProgressReport.DoesNotExist:
        raise Http404 from None


@dataclass
class Typed:
    """What the report's form holds: to show again as typed, and to hand to the service."""

    report: ProgressReport
    rows: list[ValueRow]
    spent: list[SpentEntry]
    narrative: str
    values: dict = field(default_factory=dict)
    expenditure: dict = field(default_factory=dict)

    @classmethod
    def saved(cls, report: ProgressReport) -> Typed:
        statement = selectors.financial_statement(report) if report.period.kind == ReportKind.FINANCIAL else None
        rows = selectors.report_rows(report) if report.period.kind == ReportKind.PROGRESS else []
        return cls(report, rows_from_saved(rows), spent_from_saved(statement) if statement else [], report.narrative)

    @classmethod
    def posted(cls, report: ProgressReport, request: HttpRequest) -> Typed:
        kind = report.period.kind
        rows, values = ([], {})
        if kind == ReportKind.PROGRESS:
            rows, values = rows_from_post(selectors.report_rows(report), request.POST)
        statement = selectors.financial_statement(report) if kind == ReportKind.FINANCIAL else None
        spent, expenditure = spent_from_post(statement, request.POST) if statement else ([], {})
        return cls(report, rows, spent, request.POST.get("narrative", ""), values, expenditure)

    def save(self, user) -> None:
        """The one door of every save from the portal, as one types or by the Save button: `report_save`."""
        services.report_save(
            report=self.report,
            user=user,
            narrative=self.narrative,
            values=self.values,
            expenditure=self.expenditure,
            keep_valid=True,
        )


def _context(report: ProgressReport, typed: Typed, errors: dict | None = None) -> dict:
    errors = errors or {}
    attach_errors(typed.rows, errors)
    attach_spent_errors(typed.spent, errors)
    report.narrative = typed.narrative
    statement = selectors.financial_statement(report) if report.period.kind == ReportKind.FINANCIAL else None
    return {
        "report": report,
        "rows": typed.rows,
        "spent": typed.spent,
        "statement": statement,
        "history": selectors.report_history(report),
        "project_cities": report.project.cities.order_by("name"),
        "project_countries": report.project.countries.order_by("country"),
        "evidence_form": EvidenceForm(report=report),
        "narrative_errors": errors.get("narrative", []),
        "report_errors": [*errors.get("expenditure", []), *errors.get("evidence", [])],
        "errors": error_summary(errors, typed.rows, typed.spent),
    }


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A report of any kind: its values (progress), its expenditure by budget line (financial), its narrative."""
    report = _load(request, pk)
    if not report.is_editable or request.method != "POST":
        template = "results/portal/report_form.html" if report.is_editable else "results/portal/report_readonly.html"
        return render(request, template, _context(report, Typed.saved(report)))
    typed = Typed.posted(report, request)
    try:
        typed.save(request.user)
    except services.ReportPartlySaved as refused:
        _files(request, report)
        messages.error(request, refused.message)
        return _form_again(request, report, typed, refused.errors, status=400)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("results:report", pk=report.pk)
    refused_file = _files(request, report)
    if refused_file:
        return _form_again(request, report, typed, {"file": [refused_file]}, status=400)
    if request.POST.get("action") == "submit":
        return _submit(request, report, typed)
    messages.success(request, _("Draft saved."))
    anchor = "#evidence" if {"upload", "remove_file"} & set(request.POST) else ""
    return redirect(reverse("results:report", args=[report.pk]) + anchor)


def _files(request: HttpRequest, report: ProgressReport) -> str:
    """Attach the file the plain form chose, or remove the one it names; why not, if refused."""
    form = EvidenceForm(request.POST, request.FILES, report=report)
    try:
        if form.given():
            if not form.is_valid():
                raise services.ResultsError(form.problem())
            added = _add(request, report, form)
            messages.success(request, _("%(name)s is attached.") % {"name": added.original_name})
        if request.POST.get("remove_file"):
            removed = report.evidence.filter(pk=_number(request.POST["remove_file"])).first()
            if removed is None:
                raise Http404
            services.evidence_remove(evidence=removed, user=request.user)
            messages.success(request, _("%(name)s is removed.") % {"name": removed.original_name})
    except DomainError as error:
        messages.error(request, _("The draft is saved, but not the file: %(reason)s") % {"reason": error.message})
        return error.message
    return ""


def _add(request: HttpRequest, report: ProgressReport, form: EvidenceForm) -> Evidence:
    return services.evidence_add(
        report=report,
        user=request.user,
        upload=form.cleaned_data["file"],
        description=form.cleaned_data["description"],
        replaces=form.cleaned_data["replaces"],
    )


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _submit(request: HttpRequest, report: ProgressReport, typed: Typed) -> HttpResponse:
    try:
        services.report_submit(report=report, user=request.user)
    except services.ReportInvalid as invalid:
        messages.error(request, _("Draft saved. %(reason)s") % {"reason": invalid.message})
        return _form_again(request, report, Typed.saved(_load(request, report.pk)), invalid.errors, status=200)
    except DomainError as error:
        messages.error(request, _("Draft saved. %(reason)s") % {"reason": error.message})
        return redirect("results:report", pk=report.pk)
    messages.success(request, _("Your report is submitted. The secretariat will review it."))
    return redirect("results:report", pk=report.pk)


def _form_again(request: HttpRequest, report: ProgressReport, typed: Typed, errors: dict, status: int) -> HttpResponse:
    report = _load(request, report.pk)  # the files as they are now
    return render(request, "results/portal/report_form.html", _context(report, typed, errors), status=status)


@login_required
@require_POST
def report_autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """Save the draft as the partner types (and as the page is left): never a submission, always a JSON answer."""
    report = _load(request, pk)
    try:
        Typed.posted(report, request).save(request.user)
    except services.ReportPartlySaved as refused:
        problems = " ".join(message for _anchor, message in error_summary(refused.errors, *_shown(report, request)))
        message = _("Saved, except: %(problems)s") % {"problems": problems}
        return JsonResponse({"saved": False, "message": message, "errors": refused.errors}, status=400)
    except DomainError as error:
        return JsonResponse(
            {"saved": False, "message": _("Not saved: %(reason)s") % {"reason": error.message}}, status=409
        )
    return JsonResponse({"saved": True, "message": saved_at()})


def _shown(report: ProgressReport, request: HttpRequest) -> tuple[list[ValueRow], list[SpentEntry]]:
    typed = Typed.posted(report, request)
    return typed.rows, typed.spent


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file alone (the page's script sends it as soon as it is chosen), perhaps in place of another; the
    form is left as typed."""
    report = _load(request, pk)
    to = reverse("results:report", args=[pk]) + "#evidence"
    form = EvidenceForm(request.POST, request.FILES, report=report)
    try:
        if not form.is_valid():
            raise services.ResultsError(form.problem())
        replaced = form.cleaned_data["replaces"] and form.cleaned_data["replaces"].pk  # before it goes
        added = _add(request, report, form)
    except DomainError as error:
        return answer(request, error.message, to=to, refused=True)
    message = _("%(name)s is attached.") % {"name": added.original_name}
    row = {"file": _file_row(request, added), "option": _file_option(added)} if wants_json(request) else {}
    return answer(request, message, to=to, replaced=f"evidence-{replaced}" if replaced else "", **row)


@login_required
@require_POST
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        evidence = selectors.reporter_evidence(request.user, pk)
    except Evidence.DoesNotExist:
        raise Http404 from None
    to = reverse("results:report", args=[evidence.report_id]) + "#evidence"
    try:
        services.evidence_remove(evidence=evidence, user=request.user)
    except DomainError as error:
        return answer(request, error.message, to=to, refused=True)
    return answer(request, _("%(name)s is removed.") % {"name": evidence.original_name}, to=to)


def _file_row(request: HttpRequest, evidence: Evidence) -> str:
    context = {"item": evidence, "report": evidence.report}
    return render(request, "results/portal/_evidence_row.html", context).content.decode()


def _file_option(evidence: Evidence) -> str:
    return format_html('<option value="{}" data-row="evidence-{}">{}</option>', evidence.pk, evidence.pk, evidence)
