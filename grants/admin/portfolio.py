from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from modeltranslation.admin import TranslationAdmin

from common.admin import (
    CheckedImportExportAdmin,
    ChoicesInUseFilter,
    ConditionFilter,
    CountedListMixin,
    HistoryAdmin,
    MoneyTotalsMixin,
    RecordPageMixin,
)
from common.admin_large_lists import LargeListAdminMixin
from common.countries import country_name
from common.errors import DomainError
from common.money import format_money
from common.permissions import may, requires

from .. import services
from ..models import (
    City,
    Contribution,
    ContributionPhase,
    ExchangeRate,
    Facility,
    FundingWindow,
    PledgeInstalment,
    Project,
    ProjectCountry,
    ProjectPartner,
    ProjectStatus,
    Theme,
    pledge_schedule_error,
)
from ..resources import ContributionResource, ExchangeRateResource, ProjectResource
from ..sections import staff_record
from ..selectors import contribution_figures, contribution_record, project_record, queue
from ..selectors.messages import secretariat_projects
from .closeout import ProjectCloseoutAdmin
from .messages import ConversationMixin


class CatalogueAdmin(admin.ModelAdmin):
    """Deletes through `services.catalogue_delete`, one record or a selection: a record in use is refused,
    with what uses it, on the confirmation page, and nothing is unlinked."""

    delete_confirmation_template = "admin/in_use/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/in_use/delete_selected_confirmation.html"

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        refusals = [refusal for record in objs if (refusal := services.catalogue_delete_refusal(record))]
        return deleted, counts, perms_needed, refusals or protected

    def delete_model(self, request, obj) -> None:
        services.catalogue_delete(record=obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset) -> None:
        for record in queryset:
            services.catalogue_delete(record=record)


class FacilityInline(admin.TabularInline):
    model = Facility
    extra = 0
    fields = ["name", "code", "is_competitive"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(FundingWindow)
class FundingWindowAdmin(CountedListMixin, CatalogueAdmin):
    list_display = ["name", "code", "facility_count", "order"]
    list_editable = ["order"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [FacilityInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(facility_total=Count("facilities"))

    @admin.display(description=_("facilities"), ordering="facility_total")
    def facility_count(self, obj: FundingWindow) -> int:
        return obj.facility_total


@admin.register(Facility)
class FacilityAdmin(CountedListMixin, CatalogueAdmin):
    list_display = ["name", "window", "is_competitive", "project_count"]
    list_filter = ["window", "is_competitive"]
    list_select_related = ["window"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
    autocomplete_fields = ["window"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_total=Count("projects"))

    @admin.display(description=_("projects"), ordering="project_total")
    def project_count(self, obj: Facility) -> int:
        return obj.project_total


@admin.register(Theme)
class ThemeAdmin(CountedListMixin, CatalogueAdmin):
    list_display = ["name", "code", "start_year", "end_year", "project_count"]
    list_filter = ["start_year"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_total=Count("projects"))

    @admin.display(description=_("projects"), ordering="project_total")
    def project_count(self, obj: Theme) -> int:
        return obj.project_total


@admin.register(City)
class CityAdmin(CatalogueAdmin):
    list_display = ["name", "country", "confirmed", "proposed_by", "latitude", "longitude", "project_count"]
    list_filter = ["confirmed", "position_source", ("country", ChoicesInUseFilter)]
    readonly_fields = ["position_source"]
    list_select_related = ["proposed_by"]
    autocomplete_fields = ["proposed_by"]  # every donor and grantee: picked by typing
    search_fields = ["name"]
    ordering = ["country", "name"]  # the model's own is dropped by the count's GROUP BY
    actions = ["confirm"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_total=Count("projects"))

    def save_model(self, request, obj, form, change) -> None:
        # Coordinates typed here are kept; a city renamed is looked up in the gazetteer again.
        services.city_position_edited(city=obj, changed=form.changed_data)
        super().save_model(request, obj, form, change)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path == reverse("admin:autocomplete"):  # a project names confirmed cities only
            queryset = queryset.filter(confirmed=True)
        return queryset, may_have_duplicates

    @admin.action(description=_("Confirm the selected proposed cities"), permissions=["change"])
    def confirm(self, request, queryset):
        try:
            confirmed = services.city_confirm(cities=list(queryset), user=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(
                request,
                ngettext("%(n)s city confirmed.", "%(n)s cities confirmed.", confirmed) % {"n": confirmed},
                messages.SUCCESS,
            )

    @admin.display(description=_("projects"), ordering="project_total")
    def project_count(self, obj: City) -> int:
        return obj.project_total


class ContributionPhaseInline(admin.TabularInline):
    model = ContributionPhase
    extra = 0
    fields = ["number", "start_date", "end_date", "status"]


class PledgeScheduleFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors) or self.instance.amount is None:
            return
        kept = [form.cleaned_data for form in self.forms if form.cleaned_data and not self._should_delete_form(form)]
        scheduled = sum((row["amount"] for row in kept), Decimal(0)) if kept else None
        contribution = self.instance
        if error := pledge_schedule_error(
            pledged=contribution.amount, scheduled=scheduled, currency=contribution.currency
        ):
            raise forms.ValidationError(error)


class PledgeInstalmentInline(admin.TabularInline):
    model = PledgeInstalment
    formset = PledgeScheduleFormSet
    extra = 0
    fields = ["due_date", "amount"]


@admin.register(Contribution)
class ContributionAdmin(RecordPageMixin, MoneyTotalsMixin, HistoryAdmin, CheckedImportExportAdmin):
    resource_classes = [ContributionResource]
    record_template = "admin/grants/record/contribution.html"
    list_display = ["reference", "title", "donor", "pledged", "received", "allocated", "start_date", "status"]
    list_filter = ["status", "currency", "donor", "earmarked_window", "is_demo"]
    list_select_related = ["donor"]
    search_fields = ["reference", "title", "donor__name", "donor__short_name"]
    autocomplete_fields = ["donor", "contract_partner", "earmarked_window", "earmarked_facility"]
    date_hierarchy = "start_date"
    inlines = [ContributionPhaseInline, PledgeInstalmentInline]
    totals_label = _("Pledged in this selection")
    fieldsets = [
        (None, {"fields": ["donor", "reference", "title", "description", "status"]}),
        (_("Money"), {"fields": ["amount", "currency", "budget_inclusive_of_partners", "figures"]}),
        (_("Period"), {"fields": ["start_date", "end_date"]}),
        (_("Partners and earmarking"), {"fields": ["contract_partner", "earmarked_window", "earmarked_facility"]}),
        (_("Record"), {"fields": ["is_demo"]}),
    ]
    readonly_fields = ["figures"]

    def record_context(self, request, obj: Contribution) -> dict:
        return {"record": contribution_record(obj)}

    @admin.display(description=_("pledged"), ordering="amount")
    def pledged(self, obj: Contribution) -> str:
        return format_money(obj.amount, obj.currency)

    @admin.display(description=_("received"), ordering="received_total")
    def received(self, obj: Contribution) -> str:
        return format_money(obj.received_total, obj.currency)

    @admin.display(description=_("allocated"), ordering="allocated_total")
    def allocated(self, obj: Contribution) -> str:
        return format_money(obj.allocated_total, obj.currency)

    @admin.display(description=_("where the money stands"))
    def figures(self, obj: Contribution) -> str:
        if obj.pk is None:
            return "—"
        return render_to_string("admin/grants/contribution/figures.html", {"f": contribution_figures([obj])[0]})


@admin.register(ContributionPhase)
class ContributionPhaseAdmin(admin.ModelAdmin):
    list_display = ["contribution", "number", "start_date", "end_date", "status"]
    list_filter = ["status"]
    list_select_related = ["contribution"]
    search_fields = ["contribution__reference", "contribution__title"]
    autocomplete_fields = ["contribution"]
    date_hierarchy = "start_date"


class ProjectCountryInline(admin.TabularInline):
    model = ProjectCountry
    extra = 0


class ProjectPartnerInline(admin.TabularInline):
    model = ProjectPartner
    extra = 0
    autocomplete_fields = ["organisation"]


class CloseoutFilter(ConditionFilter):
    title = _("closeout")
    parameter_name = "closeout"
    WAITING = "waiting"
    conditions = {WAITING: (_("Past their end, not closed"), lambda: queue.projects_to_close(timezone.localdate()))}


@admin.register(Project)
class ProjectAdmin(
    LargeListAdminMixin,
    ConversationMixin,
    ProjectCloseoutAdmin,
    RecordPageMixin,
    MoneyTotalsMixin,
    TranslationAdmin,
    HistoryAdmin,
    CheckedImportExportAdmin,
):
    resource_classes = [ProjectResource]
    record_template = "admin/grants/record/project.html"
    change_list_template = "admin/grants/project/change_list.html"  # with links to the IATI import and file
    change_form_template = "admin/grants/project/change_form.html"  # with the publish button
    list_display = ["code", "title", "facility", "country_list", "status", "start_date", "budget", "is_public"]
    list_filter = [
        "status",
        CloseoutFilter,
        "facility__window",
        "facility",
        "themes",
        ("countries__country", ChoicesInUseFilter),
        "is_public",
        "is_demo",
    ]
    list_select_related = ["facility"]
    # Fifty rows a page, as the application list: every row's cells and links take about a millisecond to render,
    # and staff narrow the list by its filters and search rather than scroll a hundred rows.
    list_per_page = 50
    search_fields = ["code", "title", "partners__organisation__name", "cities__name"]
    autocomplete_fields = ["facility", "themes", "cities"]
    date_hierarchy = "start_date"
    walk_drill_down = False  # 50,000 projects: Django's reads of the drill-down cost less (LargeListAdminMixin)
    inlines = [ProjectCountryInline, ProjectPartnerInline]
    totals_amount_field = "approved_budget"
    totals_label = _("Approved budgets in this selection")
    actions = ["publish", "unpublish"]
    # Published only by the publish act (`services.project_publish`), never by editing the record.
    readonly_fields = ["is_public", "published_at", "published_by"]
    fieldsets = [
        (None, {"fields": ["code", "title", "summary", "status"]}),
        (_("Publication"), {"fields": ["is_public", "published_at", "published_by"]}),
        (_("Classification"), {"fields": ["facility", "themes", "cities"]}),
        (_("Period"), {"fields": ["start_date", "end_date"]}),
        (_("Money"), {"fields": ["currency", "approved_budget", "co_financing", "leveraged_investment"]}),
        (_("Record"), {"fields": ["is_demo"]}),
    ]

    def get_queryset(self, request):
        # No DISTINCT here: the changelist adds it itself when a filter or search joins a many-valued relation
        # (themes, countries, partners, cities); on every list it made each count read all 50,000 projects twice.
        return super().get_queryset(request).prefetch_related("countries")

    def get_readonly_fields(self, request, obj=None):
        """A project is closed and reopened by its closeout (`services.project_close`), never by editing it."""
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.status == ProjectStatus.CLOSED:
            return [*fields, "status"]
        return fields

    def record_context(self, request, obj: Project) -> dict:
        """The acts the page offers are those the user may take: each is checked again where it posts."""
        record = project_record(obj)
        return {
            "record": record,
            "sections": staff_record.of(record.project),
            "may_pay": may(request.user, "grants.add_transaction"),
            "may_meet_conditions": may(request.user, "grants.change_tranche"),
            "may_sign": may(request.user, "grants.add_grantagreement"),
            "closeout_url": reverse("admin:grants_project_closeout", args=[obj.pk]),
            **self._publish_button(request, obj.pk),
            **self.conversation_context(request, obj),
        }

    def conversation_records(self, request):
        return secretariat_projects(request.user)

    def conversation_back(self, record: Project) -> str:
        return reverse("admin:grants_project_record", args=[record.pk])

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "cities":  # a proposal counts in no project until the secretariat confirms it
            kwargs["queryset"] = City.objects.filter(confirmed=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("countries"))
    def country_list(self, obj: Project) -> str:
        return ", ".join(country_name(row.country) for row in obj.countries.all())

    @admin.display(description=_("approved budget"), ordering="approved_budget")
    def budget(self, obj: Project) -> str:
        return format_money(obj.approved_budget, obj.currency)

    def get_urls(self):
        publish = requires("grants.publish_project")(self.publish_view)
        return [
            path("<int:pk>/publish/", self.admin_site.admin_view(require_POST(publish)), name="grants_project_publish"),
            *self.closeout_urls(),
            *self.conversation_urls(),
            *super().get_urls(),
        ]

    def _publish_button(self, request, pk) -> dict:
        if not self.has_publish_permission(request):
            return {}
        return {"publish_url": reverse("admin:grants_project_publish", args=[pk])}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {**(extra_context or {}), **self._publish_button(request, object_id)}
        return super().change_view(request, object_id, form_url, extra)

    def publish_view(self, request, pk: int):
        """The publish button of a project's page: publish it, or withdraw it when `withdraw` is sent."""
        project = get_object_or_404(Project, pk=pk)
        withdraw = "withdraw" in request.POST
        service = services.project_unpublish if withdraw else services.project_publish
        service(project=project, user=request.user)
        done = _("%(code)s is withdrawn from the public.") if withdraw else _("%(code)s is published.")
        self.message_user(request, done % {"code": project.code}, messages.SUCCESS)
        return redirect("admin:grants_project_record", pk)

    def has_publish_permission(self, request) -> bool:
        return may(request.user, "grants.publish_project")

    def _publication(self, request, queryset, service, done: str) -> None:
        changed = 0
        for project in queryset:
            was = project.is_public
            try:
                changed += service(project=project, user=request.user).is_public != was
            except DomainError as error:
                self.message_user(request, f"{project.code}: {error.message}", messages.ERROR)
        self.message_user(request, done % {"n": changed}, messages.SUCCESS)

    @admin.action(description=_("Publish on the public portfolio, the API and IATI"), permissions=["publish"])
    def publish(self, request, queryset):
        self._publication(request, queryset, services.project_publish, _("Projects published: %(n)s."))

    @admin.action(description=_("Withdraw from the public portfolio"), permissions=["publish"])
    def unpublish(self, request, queryset):
        self._publication(
            request, queryset, services.project_unpublish, _("Projects withdrawn from the public: %(n)s.")
        )


@admin.register(ProjectCountry)
class ProjectCountryAdmin(admin.ModelAdmin):
    list_display = ["project", "country", "percentage"]
    list_filter = [("country", ChoicesInUseFilter)]
    list_select_related = ["project"]
    search_fields = ["project__code", "project__title"]
    autocomplete_fields = ["project"]


@admin.register(ProjectPartner)
class ProjectPartnerAdmin(admin.ModelAdmin):
    list_display = ["project", "organisation", "role"]
    list_filter = ["role"]
    list_select_related = ["project", "organisation"]
    search_fields = ["project__code", "project__title", "organisation__name"]
    autocomplete_fields = ["project", "organisation"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(HistoryAdmin, CheckedImportExportAdmin):
    resource_classes = [ExchangeRateResource]
    list_display = ["date", "currency", "quote_currency", "rate", "source"]
    list_filter = ["currency", "quote_currency", "source"]
    search_fields = ["currency", "quote_currency", "source"]
    date_hierarchy = "date"
