from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin as BaseTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from common.admin import CheckedImportExportAdmin, ChoicesInUseFilter, CountedListMixin, ReadOnlyMixin
from common.errors import DomainError
from common.permissions import may

from .models import (
    BankAccount,
    Constituency,
    GoverningBody,
    Invitation,
    Membership,
    Organisation,
    OrganisationRole,
    Seat,
    SeatTerm,
    User,
)
from .resources import MembershipResource, OrganisationResource
from .selectors import token_expiry
from .services import BANK_DETAILS, bank_account_save, bank_account_verify


class OrganisationRoleInline(admin.TabularInline):
    model = OrganisationRole
    extra = 0
    autocomplete_fields = ["organisation", "user"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "organisation_roles__role"]
    search_fields = ["email", "full_name"]
    readonly_fields = ["last_login", "date_joined"]
    date_hierarchy = "date_joined"
    inlines = [OrganisationRoleInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "language"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]

    def get_queryset(self, request):
        return super().get_queryset(request).distinct()


@admin.register(Constituency)
class ConstituencyAdmin(CountedListMixin, admin.ModelAdmin):
    list_display = ["name", "code", "current_members", "order"]
    list_editable = ["order"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}

    def get_queryset(self, request):
        today = timezone.localdate()
        current = Q(memberships__since__lte=today) & (
            Q(memberships__until__isnull=True) | Q(memberships__until__gte=today)
        )
        return super().get_queryset(request).annotate(current_member_count=Count("memberships", filter=current))

    @admin.display(description=_("current members"), ordering="current_member_count")
    def current_members(self, obj: Constituency) -> int:
        return obj.current_member_count


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["constituency", "kind", "since", "until"]


class CurrentMemberFilter(admin.SimpleListFilter):
    title = _("membership")
    parameter_name = "member"

    def lookups(self, request, model_admin):
        return [("current", _("Current member")), ("never", _("Never a member"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        current = Q(memberships__since__lte=today) & (
            Q(memberships__until__isnull=True) | Q(memberships__until__gte=today)
        )
        if self.value() == "current":
            return queryset.filter(current).distinct()
        if self.value() == "never":
            return queryset.filter(memberships__isnull=True)
        return queryset


class InvitationInline(admin.TabularInline):
    """Who was invited to act for the organisation, by whom, and whether they joined: a record, not edited here."""

    model = Invitation
    extra = 0
    fields = ["email", "invited_by", "created_at", "sent_at", "accepted_at", "accepted_by"]
    readonly_fields = fields
    ordering = ["-created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("invited_by", "accepted_by")


class BankAccountInline(admin.StackedInline):
    """Where the organisation's grants are paid; a finance officer verifies an account before it is paid."""

    model = BankAccount
    extra = 0
    can_delete = False
    fields = [
        ("account_holder", "bank_name", "bank_country"),
        ("iban", "account_number", "bic"),
        ("currency", "is_active"),
        ("verified_at", "verified_by", "entered_by"),
    ]
    readonly_fields = ["verified_at", "verified_by", "entered_by"]


@admin.register(Organisation)
class OrganisationAdmin(CountedListMixin, CheckedImportExportAdmin):
    resource_classes = [OrganisationResource]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "short_name", "kind", "country", "iati_identifier", "membership_count", "is_demo"]
    list_filter = ["kind", CurrentMemberFilter, "memberships__constituency", ("country", ChoicesInUseFilter), "is_demo"]
    search_fields = ["name", "short_name", "iati_identifier", "registration_number"]
    inlines = [MembershipInline, OrganisationRoleInline, InvitationInline, BankAccountInline]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["name", "short_name", "kind", "country"]}),
        (_("Identifiers"), {"fields": ["iati_identifier", "registration_number", "website"]}),
        (_("Donor"), {"fields": ["reporting_currency"]}),
        (_("Record"), {"fields": ["is_demo"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(membership_total=Count("memberships"))

    @admin.display(description=_("memberships"), ordering="membership_total")
    def membership_count(self, obj: Organisation) -> int:
        return obj.membership_total

    def save_formset(self, request, form, formset, change):
        """Bank accounts are saved by `bank_account_save`: a new or changed one waits to be verified again."""
        if formset.model is not BankAccount:
            return super().save_formset(request, form, formset, change)
        for account_form in formset.forms:
            if not account_form.has_changed():
                continue
            account = account_form.instance if account_form.instance.pk else None
            fields = {name: account_form.cleaned_data[name] for name in (*BANK_DETAILS, "is_active")}
            bank_account_save(organisation=form.instance, account=account, by=request.user, **fields)
        return None


class VerifiedFilter(admin.SimpleListFilter):
    title = _("verified")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("no", _("Waiting to be verified")), ("yes", _("Verified"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(verified_at__isnull=True, is_active=True)
        if self.value() == "yes":
            return queryset.filter(verified_at__isnull=False)
        return queryset


@admin.register(BankAccount)
class BankAccountAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Accounts are entered by partners in the portal or by staff on the organisation's page; a finance officer
    verifies them here, against the bank's letter."""

    list_display = ["organisation", "account_holder", "bank_name", "number", "bic", "currency", "is_active", "verified"]
    list_filter = [VerifiedFilter, "currency", "is_active"]
    list_select_related = ["organisation", "verified_by", "entered_by"]
    search_fields = ["organisation__name", "account_holder", "iban", "account_number", "bank_name"]
    actions = ["verify_accounts"]

    @admin.display(description=_("verified"), boolean=True, ordering="verified_at")
    def verified(self, obj: BankAccount) -> bool:
        return obj.is_verified

    def has_verify_permission(self, request) -> bool:
        return may(request.user, "members.verify_bankaccount")

    @admin.action(
        description=_("Verify the selected accounts (checked against the bank's letter)"), permissions=["verify"]
    )
    def verify_accounts(self, request, queryset):
        verified = 0
        for account in queryset:
            try:
                bank_account_verify(account=account, by=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                verified += 1
        if verified:
            self.message_user(request, _("Accounts verified: %(n)s.") % {"n": verified}, messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(CheckedImportExportAdmin):
    resource_classes = [MembershipResource]
    list_display = ["organisation", "constituency", "kind", "since", "until"]
    list_filter = ["constituency", "kind"]
    list_select_related = ["organisation", "constituency"]
    search_fields = ["organisation__name", "organisation__short_name"]
    autocomplete_fields = ["organisation", "constituency"]
    date_hierarchy = "since"


class SeatInline(admin.TabularInline):
    model = Seat
    extra = 0
    autocomplete_fields = ["constituency"]


@admin.register(GoverningBody)
class GoverningBodyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "seat_count", "seats_defined"]
    search_fields = ["name"]
    inlines = [SeatInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(seat_total=Count("seats"))

    @admin.display(description=_("seats defined"), ordering="seat_total")
    def seats_defined(self, obj: GoverningBody) -> int:
        return obj.seat_total


class SeatTermInline(admin.TabularInline):
    model = SeatTerm
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(Seat)
class SeatAdmin(admin.ModelAdmin):
    list_display = ["__str__", "body", "number", "constituency"]
    list_filter = ["body", "constituency"]
    list_select_related = ["body", "constituency"]
    search_fields = ["body__name", "constituency__name", "terms__organisation__name"]
    autocomplete_fields = ["constituency"]
    inlines = [SeatTermInline]


@admin.register(SeatTerm)
class SeatTermAdmin(admin.ModelAdmin):
    list_display = ["seat", "organisation", "representative", "start_date", "end_date"]
    list_filter = ["seat__body", "seat__constituency"]
    list_select_related = ["seat__body", "organisation"]
    search_fields = ["organisation__name", "representative"]
    autocomplete_fields = ["seat", "organisation"]
    date_hierarchy = "start_date"


@admin.register(OrganisationRole)
class OrganisationRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "user__full_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    date_hierarchy = "created_at"


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(BaseTokenAdmin):
    """Anyone's API token, revoked by deleting it: a staff member needs the "delete token" permission, not
    superuser status. Keys are not shown: only their owner sees a key, once, when it is made."""

    list_display = ["user", "key_ends", "created", "expires"]
    list_select_related = ["user"]

    @admin.display(description=_("key ends with"))
    def key_ends(self, token) -> str:
        return f"…{token.key[-4:]}"

    @admin.display(description=_("expires"))
    def expires(self, token):
        return token_expiry(token=token)
