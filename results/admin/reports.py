"""The secretariat's review of progress reports: a queue, a read-only report, and two decisions.

Staff never change what a partner reported: they approve the report (its values count from then
on, and it may release a tranche) or return it with what needs to change. Both go through
`results.services`, which says no with a message when the workflow does not allow the step.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import F
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.errors import DomainError
from common.permissions import may, requires
from common.uploads import file_download

from .. import selectors, services
from ..models import Evidence, ProgressReport, ReportKind, ReportStatus
from ..workflow import Actor, next_steps


class ReviewQueueFilter(admin.SimpleListFilter):
    """Opens on the reports waiting for review; the other statuses are one click away."""

    title = _("status")
    parameter_name = "status"
    EVERY = "all"

    def lookups(self, request, model_admin):
        return [*ReportStatus.choices, (self.EVERY, _("All"))]

    def value(self):
        return super().value() or ReportStatus.SUBMITTED

    def queryset(self, request, queryset):
        if self.value() == self.EVERY:
            return queryset
        return queryset.filter(status=self.value())

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60})
    )


class ReturnForm(forms.Form):
    # Not required here: the service refuses an empty comment with its own message.
    comment = forms.CharField(
        label=_("What needs to change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60, "required": True}),
    )


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    change_form_template = "admin/results/progressreport/change_form.html"
    list_display = ["project_code", "kind", "period", "status", "submitted_at", "due_date"]
    list_filter = [ReviewQueueFilter, "period__kind", "project__facility"]
    list_select_related = ["project", "period"]
    search_fields = ["project__code", "project__title"]
    ordering = [F("submitted_at").asc(nulls_last=True), "pk"]
    actions = ["approve_reports"]
    fields = ["project", "period", "status", "created_by", "submitted_at", "approved_at", "review_comment"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_review_permission(self, request) -> bool:
        return may(request.user, "results.review_progressreport")

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("project", "period__releases_tranche__agreement", "created_by")
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        review = requires("results.review_progressreport")
        return [
            path("<int:pk>/approve/", view(review(self.approve_view)), name="results_progressreport_approve"),
            path("<int:pk>/return/", view(review(self.return_view)), name="results_progressreport_return"),
            path(
                "<int:pk>/evidence/<int:evidence_pk>/",
                view(requires("results.view_evidence")(self.evidence_view)),
                name="results_progressreport_evidence",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("project"), ordering="project__code")
    def project_code(self, obj: ProgressReport) -> str:
        return obj.project.code

    @admin.display(description=_("report"), ordering="period__kind")
    def kind(self, obj: ProgressReport) -> str:
        return obj.period.report_name

    @admin.display(description=_("report due"), ordering="period__due_date")
    def due_date(self, obj: ProgressReport):
        return obj.period.due_date

    def change_view(self, request, object_id, form_url="", extra_context=None):
        report = self.get_object(request, unquote(object_id))
        extra = {}
        if report is not None:
            extra = {
                "title": f"{report.period.report_name} {report}",
                "rows": selectors.report_rows(report) if report.period.kind == ReportKind.PROGRESS else [],
                "statement": (
                    selectors.financial_statement(report) if report.period.kind == ReportKind.FINANCIAL else None
                ),
                "history": selectors.report_history(report),
                "evidence": report.evidence.order_by("uploaded_at", "pk"),
                "tranche": report.period.releases_tranche,
                "can_decide": self.has_review_permission(request) and bool(next_steps(report, Actor.STAFF)),
                "approve_form": ApproveForm(auto_id="id_approve_%s"),
                "return_form": ReturnForm(auto_id="id_return_%s"),
                "approve_url": reverse("admin:results_progressreport_approve", args=[report.pk]),
                "return_url": reverse("admin:results_progressreport_return", args=[report.pk]),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def approve_view(self, request, pk: int):
        return self._decide(request, pk, ApproveForm, services.report_approve, _("%(report)s is approved."))

    def return_view(self, request, pk: int):
        return self._decide(
            request, pk, ReturnForm, services.report_return, _("%(report)s is returned to its partners.")
        )

    def _decide(self, request, pk: int, form_class, decide, done: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        report = get_object_or_404(ProgressReport.objects.select_related("project", "period"), pk=pk)
        form = form_class(request.POST)
        comment = form.cleaned_data["comment"] if form.is_valid() else ""
        try:
            decide(report=report, user=request.user, comment=comment)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return redirect("admin:results_progressreport_change", pk)
        self.message_user(request, done % {"report": report}, messages.SUCCESS)
        return redirect("admin:results_progressreport_changelist")

    @admin.action(description=_("Approve selected reports"), permissions=["review"])
    def approve_reports(self, request, queryset):
        approved = 0
        for report in queryset:
            try:
                services.report_approve(report=report, user=request.user)
            except DomainError as error:
                self.message_user(request, f"{report}: {error.message}", messages.ERROR)
            else:
                approved += 1
        if approved:
            self.message_user(
                request,
                ngettext("%(n)s report approved.", "%(n)s reports approved.", approved) % {"n": approved},
                messages.SUCCESS,
            )

    def evidence_view(self, request, pk: int, evidence_pk: int):
        """Evidence files reach staff through the admin, never through a public media address."""
        evidence = get_object_or_404(Evidence, pk=evidence_pk, report_id=pk)
        return file_download(evidence.file, name=evidence.original_name, content_type=evidence.content_type)
