"""Donor reports in the admin: every donor's reports, a request for any donor, and a retry of failed ones."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.permissions import may, requires
from common.uploads import PDF, file_download

from . import selectors, services
from .models import DonorReport, ReportJobStatus
from .views import report_status_response

ISO_DATE = ["%Y-%m-%d"]


class RequestForm(forms.Form):
    donor = forms.ModelChoiceField(selectors.donors(), label=_("Donor"))
    period_start = forms.DateField(
        label=_("From"),
        input_formats=ISO_DATE,
        widget=admin.widgets.AdminDateWidget,
        help_text=_("YYYY-MM-DD, or pick a day from the calendar."),
    )
    period_end = forms.DateField(
        label=_("To"),
        input_formats=ISO_DATE,
        widget=admin.widgets.AdminDateWidget,
        help_text=_(
            "Any period within the donor's agreements, from the first one's start to the last one's end "
            "(since inception included)."
        ),
    )

    currency = forms.CharField(
        label=_("Currency"),
        required=False,
        max_length=3,
        help_text=_("Empty for the donor's own currency; or the partnership's reporting currency."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["donor"].queryset = selectors.donors()

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()


@admin.register(DonorReport)
class DonorReportAdmin(admin.ModelAdmin):
    change_list_template = "admin/donors/donorreport/change_list.html"
    list_display = [
        "donor",
        "period_start",
        "period_end",
        "currency",
        "progress",
        "is_scheduled",
        "requested_at",
        "pages",
        "pdf",
    ]
    list_filter = ["status", "is_scheduled", "donor"]
    list_select_related = ["donor"]
    search_fields = ["donor__name", "donor__short_name"]
    date_hierarchy = "requested_at"
    actions = ["make_again"]
    readonly_fields = [
        "donor", "period_start", "period_end", "currency", "status", "is_scheduled", "requested_by", "requested_at",
        "started_at", "heartbeat_at", "worker", "finished_at", "attempts", "pages", "failure_reason",
    ]  # fmt: skip
    exclude = ["file"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "request/",
                view(requires("donors.request_donorreport")(self.request_view)),
                name="donors_donorreport_request",
            ),
            path(
                "<int:pk>/pdf/", view(requires("donors.view_donorreport")(self.pdf_view)), name="donors_donorreport_pdf"
            ),
            path(
                "<int:pk>/progress/",
                view(requires("donors.view_donorreport")(self.progress_view)),
                name="donors_donorreport_progress",
            ),
            path(
                "<int:pk>/status/",
                view(requires("donors.view_donorreport")(self.status_view)),
                name="donors_donorreport_status",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("PDF"))
    def pdf(self, obj: DonorReport):
        if obj.status != ReportJobStatus.READY:
            return obj.failure_reason[:80] if obj.failure_reason else "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:donors_donorreport_pdf", args=[obj.pk]), _("Download"))

    @admin.display(description=_("status"), ordering="status")
    def progress(self, obj: DonorReport):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:donors_donorreport_progress", args=[obj.pk]), obj.get_status_display()
        )

    def request_view(self, request):
        form = RequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                report = services.report_request(
                    donor=form.cleaned_data["donor"],
                    period_start=form.cleaned_data["period_start"],
                    period_end=form.cleaned_data["period_end"],
                    currency=form.cleaned_data["currency"] or None,
                    user=request.user,
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect("admin:donors_donorreport_progress", pk=report.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Request a donor report"),
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/donors/donorreport/request.html", context, status=400 if form.errors else 200
        )

    def progress_view(self, request, pk: int):
        """One report's status, read from its record each time; the page asks again until it is finished."""
        report = get_object_or_404(DonorReport.objects.select_related("donor", "requested_by"), pk=pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Donor report: %(report)s") % {"report": report},
            "report": report,
        }
        return TemplateResponse(request, "admin/donors/donorreport/progress.html", context)

    def status_view(self, request, pk: int):
        report = get_object_or_404(DonorReport, pk=pk)
        return report_status_response(report, download=reverse("admin:donors_donorreport_pdf", args=[report.pk]))

    def pdf_view(self, request, pk: int):
        report = get_object_or_404(DonorReport, pk=pk, status=ReportJobStatus.READY)
        if not report.file:
            raise Http404
        return file_download(report.file, name=report.filename, content_type=PDF)

    def has_request_permission(self, request) -> bool:
        return may(request.user, "donors.request_donorreport")

    @admin.action(description=_("Make the selected failed reports again"), permissions=["request"])
    def make_again(self, request, queryset):
        failed = services.reports_retry(report_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, _("%(n)d report(s) queued again.") % {"n": len(failed)}, messages.SUCCESS)
