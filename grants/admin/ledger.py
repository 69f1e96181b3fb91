"""The ledger in the admin: every change goes through `grants.services`, never a bare save."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from common.admin import (
    CheckedImportExportAdmin,
    ConditionFilter,
    HistoryAdmin,
    KeptValuesFilter,
    MoneyTotalsMixin,
    ReadOnlyMixin,
    SearchedFilterMedia,
    SearchedRelatedFilter,
    next_url,
)
from common.admin_large_lists import LargeListAdminMixin
from common.admin_search import search_words
from common.errors import DomainError
from common.money import format_money
from common.permissions import may, requires
from common.spreadsheets import CONTENT_TYPES, spreadsheet_response
from members.models import Organisation

from .. import services
from ..models import (
    RECORDED_CONDITIONS,
    AccountingPeriod,
    AccountMapping,
    Allocation,
    GrantAgreement,
    GrantBudgetLine,
    Project,
    Tranche,
    TrancheStatus,
    Transaction,
)
from ..resources import LedgerImportResource
from ..selectors import queue
from ..selectors.journal import period_journal
from ..selectors.ledger import TRANCHE_UNPAID
from ..selectors.ledger_search import transactions_matching
from .agreements import AgreementDocumentAdminMixin, SignatoryInline
from .closeout import TrancheCancelAdmin
from .schedule import Schedule, TrancheLines


class ReadOnlyLedgerMixin(ReadOnlyMixin):
    """Ledger rows are recorded by services and corrected by reversal, never edited here."""


class TrancheInline(ReadOnlyLedgerMixin, admin.TabularInline):
    model = Tranche
    extra = 0
    fields = [
        "number",
        "planned_date",
        "amount",
        "release_condition",
        "condition_met_on",
        "disbursed_total",
        "status_label",
    ]
    readonly_fields = fields

    @admin.display(description=_("status"))
    def status_label(self, obj: Tranche) -> str:
        return obj.get_status_display()


class BudgetLineInline(admin.TabularInline):
    """The grant's budget: set at signing, changed only by an approved budget revision."""

    model = GrantBudgetLine
    extra = 0
    can_delete = False
    fields = ["category", "description", "amount"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class SignAgreementForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("Project"), queryset=Project.objects.filter(agreement__isnull=True).order_by("code")
    )
    reference = forms.CharField(label=_("Agreement reference"), max_length=60)
    grantee = forms.ModelChoiceField(label=_("Grantee"), queryset=Organisation.objects.order_by("name"))
    signed_on = forms.DateField(label=_("Signed on"), initial=timezone.localdate)
    amount = forms.DecimalField(label=_("Amount committed"), max_digits=18, decimal_places=2)

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        # Picked by typing (the admin's autocomplete): tens of thousands of projects and organisations at scale.
        for name in ("project", "grantee"):
            field = self.fields[name]
            field.widget = AutocompleteSelect(GrantAgreement._meta.get_field(name), admin_site)
            field.widget.choices = field.choices


@admin.register(GrantAgreement)
class GrantAgreementAdmin(AgreementDocumentAdminMixin, ReadOnlyLedgerMixin, HistoryAdmin):
    list_display = ["reference", "project", "grantee", "signed_on", "committed", "status"]
    list_filter = ["status", "currency", "project__facility"]
    list_select_related = ["project", "grantee"]
    search_fields = ["reference", "project__code", "project__title", "grantee__name"]
    date_hierarchy = "signed_on"
    inlines = [SignatoryInline, TrancheInline, BudgetLineInline]

    @admin.display(description=_("committed"), ordering="amount")
    def committed(self, obj: GrantAgreement) -> str:
        return format_money(obj.amount, obj.currency)

    def has_add_permission(self, request, obj=None):
        return may(request.user, "grants.add_grantagreement")

    def add_view(self, request, form_url="", extra_context=None):
        """Sign an agreement: its commitment and its tranches are recorded together, or not at all."""
        if not self.has_add_permission(request):
            raise PermissionDenied  # this view replaces Django's, which would have asked
        form = SignAgreementForm(
            request.POST or None, initial={"project": request.GET.get("project")}, admin_site=self.admin_site
        )
        lines = TrancheLines(request.POST or None, prefix="tranches")
        if request.method == "POST" and form.is_valid() and lines.is_valid():
            schedule = Schedule(lines)
            try:
                agreement = services.grant_agreement_sign(
                    tranches=schedule.specs, recorded_by=request.user, **form.cleaned_data
                )
            except DomainError as error:
                schedule.show(error, form)
            else:
                self.message_user(
                    request,
                    _("%(agreement)s is recorded with its commitment; it awaits the signatures of both sides.")
                    % {"agreement": agreement},
                    messages.SUCCESS,
                )
                return redirect("admin:grants_grantagreement_change", agreement.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Sign a grant agreement"),
            "form": form,
            "lines": lines,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/grants/grantagreement/sign.html", context)


class TrancheStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [(TrancheStatus.DUE, _("Due")), ("unpaid", _("Not fully paid")), (TrancheStatus.PAID, _("Paid"))]

    def queryset(self, request, queryset):
        if self.value() == TrancheStatus.DUE:
            today = timezone.localdate()
            return queryset.filter(TRANCHE_UNPAID, Tranche.released_by(today), planned_date__lte=today)
        if self.value() == "unpaid":
            return queryset.filter(TRANCHE_UNPAID)
        if self.value() == TrancheStatus.PAID:
            return queryset.exclude(TRANCHE_UNPAID)
        return queryset


class PaymentDateFilter(ConditionFilter):
    title = _("payment date")
    parameter_name = "due"
    SOON, OVERDUE = "soon", "overdue"
    conditions = {
        SOON: (
            format_lazy(_("Left to pay in the next {days} days"), days=queue.DUE_SOON.days),
            lambda: queue.tranches_due_soon(timezone.localdate()),
        ),
        OVERDUE: (_("Free to pay and overdue"), lambda: queue.tranches_overdue(timezone.localdate())),
    }


class ReleaseConditionFilter(ConditionFilter):
    title = _("release condition")
    parameter_name = "condition"
    PENDING = "pending"
    conditions = {
        PENDING: (
            format_lazy(_("Pending, tranche due within {days} days or past its date"), days=queue.DUE_SOON.days),
            lambda: queue.tranche_conditions_pending(timezone.localdate()),
        )
    }


class ConditionMetForm(forms.Form):
    on = forms.DateField(label=_("Condition met on"), initial=timezone.localdate)


class DisbursementForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, min_value=0.01)
    value_date = forms.DateField(label=_("Value date"), initial=timezone.localdate)
    reference = forms.CharField(label=_("Payment reference"), max_length=100, required=False)


@admin.register(Tranche)
class TrancheAdmin(TrancheCancelAdmin, ReadOnlyLedgerMixin, HistoryAdmin):
    list_display = [
        "pay",
        "__str__",
        "planned_date",
        "scheduled",
        "paid",
        "status_label",
        "release_condition",
        "released_by",
    ]
    list_display_links = ["__str__"]
    list_filter = [
        TrancheStatusFilter,
        PaymentDateFilter,
        ReleaseConditionFilter,
        "condition_kind",
        "agreement__project__facility",
    ]
    list_select_related = ["agreement__project", "releasing_period"]
    search_fields = ["agreement__reference", "agreement__project__code", "condition"]
    date_hierarchy = "planned_date"
    actions = ["mark_condition_met"]

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path == reverse("admin:autocomplete") and request.GET.get("field_name") == "releases_tranche":
            queryset = queryset.filter(condition_kind__in=RECORDED_CONDITIONS)  # what a report can release
        return queryset, may_have_duplicates

    def get_urls(self):
        return [
            path(
                "<int:pk>/disburse/",
                self.admin_site.admin_view(requires("grants.add_transaction")(self.disburse_view)),
                name="grants_tranche_disburse",
            ),
            path(
                "<int:pk>/condition-met/",
                self.admin_site.admin_view(requires("grants.change_tranche")(self.condition_met_view)),
                name="grants_tranche_condition_met",
            ),
            *self.cancel_urls(),
            *super().get_urls(),
        ]

    @admin.display(description=_("released by the report"))
    def released_by(self, obj: Tranche) -> str:
        """The report whose approval meets the condition (a reporting period of the results app names the tranche)."""
        period = getattr(obj, "releasing_period", None)
        return f"{period.report_name} · {period}" if period is not None else "—"

    @admin.display(description=_("amount"), ordering="amount")
    def scheduled(self, obj: Tranche) -> str:
        return format_money(obj.amount, obj.agreement.currency)

    @admin.display(description=_("disbursed"), ordering="disbursed_total")
    def paid(self, obj: Tranche) -> str:
        return format_money(obj.disbursed_total, obj.agreement.currency)

    @admin.display(description=_("status"))
    def status_label(self, obj: Tranche) -> str:
        return obj.get_status_display()

    @admin.display(description="")
    def pay(self, obj: Tranche) -> str:
        if obj.status != TrancheStatus.DUE and obj.status != TrancheStatus.PARTLY_PAID:
            return ""
        return format_html(
            '<a class="button" href="{}">{}</a>', reverse("admin:grants_tranche_disburse", args=[obj.pk]), _("Pay")
        )

    def has_release_permission(self, request) -> bool:
        return may(request.user, "grants.change_tranche")

    @admin.action(description=_("Mark the release condition as met today"), permissions=["release"])
    def mark_condition_met(self, request, queryset):
        recorded = skipped = 0
        for tranche in queryset:
            try:
                met = services.tranche_condition_meet(tranche=tranche, on=timezone.localdate())
            except DomainError as error:
                self.message_user(request, f"{tranche}: {error.message}", messages.ERROR)
                return
            if tranche.condition_met_on is None and met.condition_met_on is not None:
                recorded += 1
            elif met.condition_kind not in RECORDED_CONDITIONS:
                skipped += 1
        self.message_user(request, _("Release conditions recorded: %(n)s.") % {"n": recorded}, messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                _("%(n)s of the tranches chosen have no condition to record: none, or a date.") % {"n": skipped},
                messages.WARNING,
            )

    def condition_met_view(self, request, pk: int):
        """Record the day a tranche's release condition was met; the tranche's history keeps who and when."""
        tranche = get_object_or_404(Tranche.objects.select_related("agreement__project"), pk=pk)
        back = next_url(request, default=reverse("admin:grants_tranche_changelist"))
        form = ConditionMetForm(request.POST or None)
        status = 200
        if request.method == "POST" and form.is_valid():
            try:
                met = services.tranche_condition_meet(tranche=tranche, on=form.cleaned_data["on"])
            except DomainError as error:
                form.add_error("on", error.message)
            else:
                self.message_user(request, *_condition_met_message(met, form.cleaned_data["on"]))
                return redirect(back)
        if form.is_bound:
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record that a release condition is met"),
            "tranche": tranche,
            "form": form,
            "next": back,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/grants/tranche/condition_met.html", context, status=status)

    def disburse_view(self, request, pk: int):
        tranche = get_object_or_404(Tranche.objects.select_related("agreement__project"), pk=pk)
        back = next_url(request, default=reverse("admin:grants_tranche_changelist") + f"?status={TrancheStatus.DUE}")
        form = DisbursementForm(request.POST or None, initial={"amount": tranche.remaining})
        if request.method == "POST" and form.is_valid():
            try:
                services.disbursement_record(
                    project=tranche.agreement.project, tranche=tranche, recorded_by=request.user, **form.cleaned_data
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                self.message_user(
                    request,
                    _("Paid %(amount)s against %(tranche)s.")
                    % {
                        "amount": format_money(form.cleaned_data["amount"], tranche.agreement.currency),
                        "tranche": tranche,
                    },
                    messages.SUCCESS,
                )
                return redirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Record a disbursement"),
            "tranche": tranche,
            "form": form,
            "next": back,
            "opts": self.model._meta,
            "remaining": format_money(tranche.remaining, tranche.agreement.currency),
        }
        return TemplateResponse(request, "admin/grants/tranche/disburse.html", context)


def _condition_met_message(tranche: Tranche, asked: dt.date) -> tuple[str, int]:
    if not tranche.condition:
        return _("%(tranche)s has no release condition: nothing to record.") % {"tranche": tranche}, messages.WARNING
    if tranche.condition_met_on != asked:
        return (
            _("The condition of %(tranche)s was already met on %(date)s; that date stays.")
            % {"tranche": tranche, "date": date_format(tranche.condition_met_on)},
            messages.WARNING,
        )
    return (
        _("The condition of %(tranche)s is met on %(date)s.") % {"tranche": tranche, "date": date_format(asked)},
        messages.SUCCESS,
    )


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
    value_date = forms.DateField(label=_("Value date of the reversal"), initial=timezone.localdate)


@admin.register(Transaction)
class TransactionAdmin(
    LargeListAdminMixin,
    SearchedFilterMedia,
    MoneyTotalsMixin,
    ReadOnlyLedgerMixin,
    HistoryAdmin,
    CheckedImportExportAdmin,
):
    resource_classes = [LedgerImportResource]
    list_display = ["value_date", "kind", "money", "project", "contribution", "reference"]
    # Providers are every donor and grantee (20,500 organisations at 50,000 projects): picked by typing.
    list_filter = [
        "kind",
        ("currency", KeptValuesFilter),
        ("provider", SearchedRelatedFilter),
        "project__facility__window",
    ]
    list_select_related = ["project", "contribution"]
    # Fifty rows a page, as the project and application lists: each row's cells and links take about a
    # millisecond to render, and staff narrow the ledger by its filters, search and dates rather than scroll.
    list_per_page = 50
    # What the search reads; `transactions_matching` says how.
    search_fields = ["reference", "description", "project__code", "contribution__reference"]
    date_hierarchy = "value_date"
    actions = ["reverse_transactions"]
    totals_label = _("Net amount of this selection")

    def get_search_results(self, request, queryset, search_term):
        return transactions_matching(queryset, search_words(search_term)), False

    def has_import_permission(self, request):
        return request.user.has_perm("grants.add_transaction")

    @admin.display(description=_("amount"), ordering="amount")
    def money(self, obj: Transaction) -> str:
        return format_money(obj.amount, obj.currency)

    @admin.action(description=_("Reverse the selected transactions"), permissions=["reverse"])
    def reverse_transactions(self, request, queryset):
        form = ReverseForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            reversed_count = 0
            for original in queryset:
                try:
                    services.transaction_reverse(original=original, recorded_by=request.user, **form.cleaned_data)
                    reversed_count += 1
                except DomainError as error:
                    self.message_user(request, f"{original}: {error.message}", messages.ERROR)
            if reversed_count:
                self.message_user(request, _("%(n)s transactions reversed.") % {"n": reversed_count}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reverse transactions"),
            "queryset": queryset,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/grants/transaction/reverse.html", context)

    def has_reverse_permission(self, request) -> bool:
        return may(request.user, "grants.reverse_transaction")


class AllocationForm(forms.ModelForm):
    """Allocates through `allocation_set`, so the contribution is never over-allocated."""

    class Meta:
        model = Allocation
        fields = ["contribution", "project", "amount", "allocated_on", "note"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            self.instance = services.allocation_set(
                contribution=cleaned["contribution"],
                project=cleaned["project"],
                amount=cleaned["amount"],
                allocated_on=cleaned["allocated_on"],
                note=cleaned.get("note", ""),
            )
        except DomainError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned

    def validate_unique(self):
        """`allocation_set` changes the existing allocation of a pair instead of adding one."""

    def save(self, commit=True):
        self.save_m2m = lambda: None
        return self.instance


@admin.register(Allocation)
class AllocationAdmin(MoneyTotalsMixin, HistoryAdmin):
    form = AllocationForm
    list_display = ["contribution", "project", "allocated", "allocated_on", "note"]
    list_filter = ["contribution__donor", "contribution__currency"]
    list_select_related = ["contribution", "project"]
    search_fields = ["contribution__reference", "project__code", "contribution__donor__name"]
    autocomplete_fields = ["contribution", "project"]
    date_hierarchy = "allocated_on"
    totals_currency_field = "contribution__currency"
    totals_label = _("Allocated in this selection")

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Already saved by the form's call to `allocation_set`."""

    @admin.display(description=_("amount"), ordering="amount")
    def allocated(self, obj: Allocation) -> str:
        return format_money(obj.amount, obj.contribution.currency)


@admin.register(AccountingPeriod)
class AccountingPeriodAdmin(HistoryAdmin):
    change_form_template = "admin/grants/accountingperiod/change_form.html"
    list_display = ["name", "start_date", "end_date", "closed_at", "closed_by"]
    list_filter = [("closed_at", admin.EmptyFieldListFilter)]
    list_select_related = ["closed_by"]
    search_fields = ["name"]
    date_hierarchy = "start_date"
    actions = ["close_periods"]

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_closed)

    def get_readonly_fields(self, request, obj=None):
        return ["name", "start_date", "end_date"] if obj and obj.is_closed else []

    def has_close_permission(self, request) -> bool:
        return may(request.user, "grants.close_accountingperiod")

    def get_urls(self):
        return [
            path(
                "<int:pk>/journal/<str:file_format>/",
                self.admin_site.admin_view(requires("grants.export_journal")(self.journal_view)),
                name="grants_accountingperiod_journal",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = dict(extra_context or {})
        if may(request.user, "grants.export_journal") and object_id.isdigit():
            extra["journal_urls"] = {
                label: reverse("admin:grants_accountingperiod_journal", args=[object_id, file_format])
                for file_format, label in (("csv", "CSV"), ("xlsx", "XLSX"))
            }
        return super().change_view(request, object_id, form_url, extra)

    def journal_view(self, request, pk: int, file_format: str):
        """The period's accounting journal as a file for the host's ERP; refused, saying why, if a row lacks an
        account mapping or an exchange rate."""
        if file_format not in CONTENT_TYPES:
            raise Http404
        period = get_object_or_404(AccountingPeriod, pk=pk)
        try:
            journal = period_journal(period)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return redirect("admin:grants_accountingperiod_change", period.pk)
        filename = journal.filename(file_format)
        return spreadsheet_response(filename, journal.sheets(), file_format, dated=journal.dated)

    @admin.action(description=_("Close the selected periods"), permissions=["close"])
    def close_periods(self, request, queryset):
        for period in queryset:
            try:
                services.accounting_period_close(period=period, closed_by=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.WARNING)
        self.message_user(request, _("Periods closed: nothing dated inside them can be recorded."), messages.SUCCESS)


@admin.register(AccountMapping)
class AccountMappingAdmin(HistoryAdmin):
    """Which accounts of the host's books each type of ledger row posts to, in the accounting journal."""

    list_display = ["kind", "window_label", "currency_label", "debit_account", "credit_account", "description"]
    list_filter = ["kind", "window", "currency"]
    list_select_related = ["window"]
    search_fields = ["debit_account", "credit_account", "description"]
    fields = ["kind", "window", "currency", "debit_account", "credit_account", "description"]

    @admin.display(description=_("funding window"), ordering="window__order")
    def window_label(self, obj: AccountMapping) -> str:
        return str(obj.window) if obj.window else _("Any window")

    @admin.display(description=_("currency"), ordering="currency")
    def currency_label(self, obj: AccountMapping) -> str:
        return obj.currency or _("Any currency")
