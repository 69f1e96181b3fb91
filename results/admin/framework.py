"""The corporate results framework in the admin: outcomes, indicators and portfolio targets.

Staff load the framework from a spreadsheet (CSV or XLSX) and keep it here; every change is in
the history.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from common.admin import CheckedImportExportAdmin, HistoryAdmin

from ..models import Indicator, Outcome, PortfolioTarget
from ..resources import IndicatorResource, OutcomeResource, PortfolioTargetResource


class FrameworkAdmin(HistoryAdmin, CheckedImportExportAdmin):
    """Importing a sheet adds and changes rows, so it takes both permissions."""

    def has_import_permission(self, request):
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}") and request.user.has_perm(
            f"{opts.app_label}.change_{opts.model_name}"
        )

    def get_import_data_kwargs(self, **kwargs):
        """Nothing is written unless every row is valid."""
        return {**super().get_import_data_kwargs(**kwargs), "rollback_on_validation_errors": True}


class IndicatorInline(TranslationTabularInline):
    model = Indicator
    extra = 0
    fields = ["code", "name", "unit", "currency", "counted", "aggregation", "disaggregation", "order"]
    show_change_link = True


@admin.register(Outcome)
class OutcomeAdmin(TranslationAdmin, FrameworkAdmin):
    resource_classes = [OutcomeResource]
    list_display = ["code", "title", "indicator_count", "order"]
    list_editable = ["order"]
    search_fields = ["code", "title"]
    inlines = [IndicatorInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(indicator_total=Count("indicators"))

    @admin.display(description=_("indicators"), ordering="indicator_total")
    def indicator_count(self, obj: Outcome) -> int:
        return obj.indicator_total


class PortfolioTargetInline(admin.TabularInline):
    model = PortfolioTarget
    extra = 0
    fields = ["year", "value", "source"]


@admin.register(Indicator)
class IndicatorAdmin(TranslationAdmin, FrameworkAdmin):
    resource_classes = [IndicatorResource]
    list_display = ["code", "name", "outcome", "unit", "counted", "aggregation", "disaggregation"]
    list_filter = ["unit", "aggregation", "outcome", "counted", "disaggregation"]
    list_select_related = ["outcome"]
    search_fields = ["code", "name"]
    inlines = [PortfolioTargetInline]
    fieldsets = [
        (None, {"fields": ["outcome", "code", "name", "definition", "order"]}),
        (_("How it is measured"), {"fields": ["unit", "currency", "counted", "disaggregation", "ascending"]}),
        (_("How projects' values add up"), {"fields": ["aggregation"]}),
    ]


@admin.register(PortfolioTarget)
class PortfolioTargetAdmin(FrameworkAdmin):
    resource_classes = [PortfolioTargetResource]
    list_display = ["indicator", "year", "value", "source"]
    list_filter = ["year", "indicator__outcome"]
    list_select_related = ["indicator"]
    search_fields = ["indicator__code", "indicator__name", "source"]
    autocomplete_fields = ["indicator"]
