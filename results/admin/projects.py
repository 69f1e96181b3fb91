"""Each project's results framework in the admin: its results, indicators, reporting periods and targets.

Saving an indicator or a period gives every indicator of the project a row in every period,
through the same service the partners' pages use, so targets can be set straight away.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import CountedListMixin, HistoryAdmin
from common.errors import DomainError
from common.permissions import requires
from grants.models import RECORDED_CONDITIONS, Project, Tranche
from members.models import Organisation

from .. import selectors, services
from ..models import IndicatorPeriod, ProjectIndicator, ProjectResult, ReportedValue, ReportingPeriod, ReportStatus
from ..requirements import reporting_requirements_plan


def _has_values(project_indicators) -> bool:
    return ReportedValue.objects.filter(indicator_period__project_indicator__in=project_indicators).exists()


class ProjectIndicatorForm(forms.ModelForm):
    """Checks the rules the database would otherwise refuse with an error page."""

    class Meta:
        model = ProjectIndicator
        fields = ["result", "indicator", "title", "baseline_value", "baseline_date", "baseline_comment", "order"]

    def clean(self):
        cleaned = super().clean()
        result, indicator = cleaned.get("result"), cleaned.get("indicator")
        if result is None or indicator is None:
            return cleaned
        existing = self.instance.pk is not None
        if existing and result.project_id != self.instance.project_id:
            self.add_error("result", _("An indicator stays with its project: choose a result of the same project."))
        measured = ProjectIndicator.objects.filter(project_id=result.project_id, indicator=indicator)
        if measured.exclude(pk=self.instance.pk).exists():
            self.add_error("indicator", _("The project already measures this corporate indicator."))
        if existing and "indicator" in self.changed_data and _has_values([self.instance]):
            self.add_error("indicator", _("Values were reported on this indicator: it cannot become another one."))
        return cleaned


class ProjectIndicatorFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [form for form in self.forms if form.has_changed() or form.instance.pk]
        deleted = [form.instance for form in kept if self._should_delete_form(form) and form.instance.pk]
        if deleted and _has_values(deleted):
            raise ValidationError(_("Values were reported on an indicator marked for deletion: it cannot be deleted."))
        chosen = [form.cleaned_data.get("indicator") for form in kept if not self._should_delete_form(form)]
        chosen = [indicator for indicator in chosen if indicator is not None]
        if len(chosen) != len(set(chosen)):
            raise ValidationError(_("Each corporate indicator is measured once per project."))


class ProjectIndicatorInline(admin.TabularInline):
    model = ProjectIndicator
    form = ProjectIndicatorForm
    formset = ProjectIndicatorFormSet
    extra = 0
    fields = ["indicator", "title", "baseline_value", "baseline_date", "baseline_comment", "order"]
    autocomplete_fields = ["indicator"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("indicator", "project")


@admin.register(ProjectResult)
class ProjectResultAdmin(CountedListMixin, HistoryAdmin):
    list_display = ["project", "title", "outcome", "type", "indicator_count"]
    list_filter = ["outcome", "type"]
    list_select_related = ["project", "outcome"]
    search_fields = ["project__code", "project__title", "title"]
    autocomplete_fields = ["project"]
    inlines = [ProjectIndicatorInline]
    fields = ["project", "outcome", "title", "description", "type", "order"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(indicator_total=Count("indicators"))

    def get_readonly_fields(self, request, obj=None):
        return ["project"] if obj else []

    def get_actions(self, request):
        """A result is deleted one at a time, so that one with reported values can be refused."""
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _has_values(obj.indicators.all()):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("indicators"), ordering="indicator_total")
    def indicator_count(self, obj: ProjectResult) -> int:
        return obj.indicator_total

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.indicator_periods_ensure(project_id=form.instance.project_id)


@admin.register(ProjectIndicator)
class ProjectIndicatorAdmin(HistoryAdmin):
    form = ProjectIndicatorForm
    list_display = ["project", "indicator", "result", "baseline_value", "baseline_date"]
    list_filter = ["indicator__outcome", "indicator"]
    list_select_related = ["project", "indicator", "result__project"]
    search_fields = ["project__code", "indicator__code", "indicator__name", "title"]
    autocomplete_fields = ["result", "indicator"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _has_values([obj]):
            return False
        return super().has_delete_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.indicator_periods_ensure(project_id=form.instance.project_id)


class ReportFilter(admin.SimpleListFilter):
    title = _("report")
    parameter_name = "report"
    NONE = "none"

    def lookups(self, request, model_admin):
        return [(self.NONE, _("Not started")), *ReportStatus.choices]

    def queryset(self, request, queryset):
        if self.value() == self.NONE:
            return queryset.filter(report__isnull=True)
        if self.value() in ReportStatus.values:
            return queryset.filter(report__status=self.value())
        return queryset


SOON = dt.timedelta(days=30)


class DueFilter(admin.SimpleListFilter):
    title = _("report due")
    parameter_name = "due"
    OVERDUE = "overdue"

    def lookups(self, request, model_admin):
        return [(self.OVERDUE, _("Overdue")), ("soon", _("In the next 30 days")), ("later", _("Later"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == self.OVERDUE:
            return queryset.filter(selectors.periods_overdue(today))
        if self.value() == "soon":
            return queryset.filter(due_date__gte=today, due_date__lte=today + SOON)
        if self.value() == "later":
            return queryset.filter(due_date__gt=today + SOON)
        return queryset


class PartnerFilter(admin.SimpleListFilter):
    """The periods of one implementing partner's projects, as the work queue's list of partners links to."""

    title = _("implementing partner")
    parameter_name = "partner"

    def lookups(self, request, model_admin):
        # Only the partner asked for: a choice per organisation would list hundreds.
        value = self.value()
        if value is None:
            return []
        if not value.isdigit():
            raise IncorrectLookupParameters
        name = Organisation.objects.filter(pk=value).values_list("name", flat=True).first()
        return [(value, name or _("Unknown organisation"))]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(selectors.periods_of_partner(int(self.value())))


class ReportingPeriodForm(forms.ModelForm):
    class Meta:
        model = ReportingPeriod
        fields = ["project", "kind", "is_final", "start_date", "end_date", "due_date", "releases_tranche"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tranche = self.fields.get("releases_tranche")
        if tranche is not None:
            tranches = (
                Tranche.objects.filter(condition_kind__in=RECORDED_CONDITIONS)
                .select_related("agreement")
                .order_by("agreement__reference", "number")
            )
            if self.instance.project_id:
                tranches = tranches.filter(agreement__project_id=self.instance.project_id)
            tranche.queryset = tranches


class IndicatorPeriodInline(admin.TabularInline):
    """The targets of the period: one row per indicator of the project, made by the service."""

    model = IndicatorPeriod
    fields = ["indicator", "target_value", "target_comment"]
    readonly_fields = ["indicator"]
    extra = 0
    can_delete = False
    verbose_name = _("target")
    verbose_name_plural = _("targets")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("period", "project_indicator__project", "project_indicator__indicator")
            .order_by("project_indicator__result__order", "project_indicator__order", "project_indicator__pk")
        )

    @admin.display(description=_("indicator"))
    def indicator(self, obj: IndicatorPeriod) -> str:
        return f"{obj.project_indicator.indicator.code} · {obj.project_indicator.name}"


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    form = ReportingPeriodForm
    list_display = ["project", "kind", "start_date", "end_date", "due_date", "report_status", "releases_tranche"]
    list_filter = [DueFilter, ReportFilter, PartnerFilter, "kind", "is_final"]
    list_select_related = ["project", "report", "releases_tranche__agreement"]
    search_fields = ["project__code", "project__title"]
    date_hierarchy = "due_date"
    # Picked by typing: a select of every tranche a report can release is tens of thousands of options.
    autocomplete_fields = ["project", "releases_tranche"]
    inlines = [IndicatorPeriodInline]
    fields = ["project", "kind", "is_final", "start_date", "end_date", "due_date", "releases_tranche"]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "plan/<int:project_pk>/",
                view(requires("results.add_reportingperiod")(self.plan_view)),
                name="results_reportingperiod_plan",
            ),
            path(
                "overdue/",
                view(requires("results.view_reportingperiod")(self.overdue_view)),
                name="results_reportingperiod_overdue",
            ),
            *super().get_urls(),
        ]

    def plan_view(self, request, project_pk: int):
        """Plan the standard reporting requirements of a project (from its record page); adds only what is missing."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        project = get_object_or_404(Project, pk=project_pk)
        try:
            added = reporting_requirements_plan(project=project)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            if added:
                message = ngettext("%(n)s report is now owed.", "%(n)s reports are now owed.", len(added)) % {
                    "n": len(added)
                }
            else:
                message = _("Every standard report is already owed: nothing was added.")
            self.message_user(request, message, messages.SUCCESS)
        return redirect(reverse("admin:grants_project_record", args=[project.pk]))

    def overdue_view(self, request):
        """Overdue reports grouped by the partner owing them, with the days overdue."""
        today = timezone.localdate()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Overdue reports by partner"),
            "groups": selectors.overdue_by_partner(today=today),
            "today": today,
        }
        return TemplateResponse(request, "admin/results/overdue.html", context)

    def get_readonly_fields(self, request, obj=None):
        """Once a report is started on a period, the period it covers is fixed."""
        if obj is None:
            return []
        if getattr(obj, "report", None) is not None:
            return ["project", "kind", "start_date", "end_date"]
        return ["project"]

    @admin.display(description=_("report"), ordering="report__status")
    def report_status(self, obj: ReportingPeriod) -> str:
        report = getattr(obj, "report", None)
        return report.get_status_display() if report is not None else _("Not started")

    def save_model(self, request, obj, form, change) -> None:
        """Through the service, which also gives every indicator of the project a row in the period."""
        services.reporting_period_save(period=obj)
