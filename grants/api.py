"""Read-only API of the funding side: windows, facilities, themes, calls, projects, contributions, transactions.

Anyone reads what the public pages show; staff read everything; a partner also reads its own
organisation's projects. Every list takes the same number of queries however many rows it pages.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from common.api import money_field
from members.models import Organisation, OrganisationRole, Role, User

from .filters import CallFilter, ContributionFilter, FacilityFilter, ProjectFilter, TransactionFilter
from .models import (
    Call,
    Contribution,
    Facility,
    FundingWindow,
    Project,
    ProjectPartner,
    Theme,
    Transaction,
)
from .selectors import active_contributions, public_projects, public_transactions


def visible_projects(user: User) -> QuerySet[Project]:
    if user.is_staff:
        return Project.objects.all()
    if not user.is_authenticated:
        return public_projects()
    own_organisations = OrganisationRole.objects.filter(user=user, role=Role.PARTNER).values("organisation_id")
    own = ProjectPartner.objects.filter(organisation_id__in=own_organisations).values("project_id")
    return Project.objects.filter(Q(is_public=True) | Q(pk__in=own))


def visible_transactions(user: User) -> QuerySet[Transaction]:
    if user.is_staff:
        return Transaction.objects.all()
    if not user.is_authenticated:
        return public_transactions()
    return Transaction.objects.filter(project__in=visible_projects(user))


def visible_contributions(user: User) -> QuerySet[Contribution]:
    return Contribution.objects.all() if user.is_staff else active_contributions()


def visible_calls(user: User) -> QuerySet[Call]:
    return Call.objects.all() if user.is_staff else Call.objects.filter(is_published=True)


class OrganisationRef(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name", "short_name"]


class WindowOutput(serializers.ModelSerializer):
    class Meta:
        model = FundingWindow
        fields = ["id", "code", "name", "description", "order"]


class WindowRef(serializers.ModelSerializer):
    class Meta:
        model = FundingWindow
        fields = ["id", "code", "name"]


class FacilityOutput(serializers.ModelSerializer):
    window = WindowRef(read_only=True)

    class Meta:
        model = Facility
        fields = ["id", "code", "name", "description", "is_competitive", "window"]


class FacilityRef(serializers.ModelSerializer):
    class Meta:
        model = Facility
        fields = ["id", "code", "name"]


class ThemeOutput(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "code", "name", "description", "start_year", "end_year"]


class ThemeRef(serializers.ModelSerializer):
    class Meta:
        model = Theme
        fields = ["id", "code", "name"]


class CallOutput(serializers.ModelSerializer):
    facility = FacilityRef(read_only=True)
    window = WindowRef(source="facility.window", read_only=True)
    themes = ThemeRef(many=True, read_only=True)
    eligible_countries = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="ISO 3166-1 alpha-2 codes; empty: every country."
    )
    eligible_kinds = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="Organisation kinds; empty: every kind."
    )
    is_open = serializers.BooleanField(read_only=True, help_text="Open for applications now.")
    ceiling = money_field(help_text="Largest grant, in `currency`.")
    envelope = money_field(help_text="Total of the call, in `currency`.")
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "facility",
            "window",
            "themes",
            "eligible_countries",
            "eligible_kinds",
            "opens_at",
            "closes_at",
            "time_zone",
            "is_open",
            "currency",
            "ceiling",
            "envelope",
            "web_url",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_web_url(self, call: Call) -> str | None:
        """The public page; none for a call that is not published."""
        if not call.is_published:
            return None
        return self.context["request"].build_absolute_uri(call.get_absolute_url())


class ProjectCountryOutput(serializers.Serializer):
    code = serializers.CharField(source="country.code", help_text="ISO 3166-1 alpha-2.")
    name = serializers.CharField(source="country.name")
    percentage = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="Share of the project.")


class CityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    country = serializers.CharField(source="country.code", help_text="ISO 3166-1 alpha-2.")


class ProjectPartnerOutput(serializers.ModelSerializer):
    organisation = OrganisationRef(read_only=True)
    role_name = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = ProjectPartner
        fields = ["organisation", "role", "role_name"]


class ProjectOutput(serializers.ModelSerializer):
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    facility = FacilityRef(read_only=True)
    window = WindowRef(source="facility.window", read_only=True)
    themes = ThemeRef(many=True, read_only=True)
    countries = ProjectCountryOutput(many=True, read_only=True)
    cities = CityOutput(many=True, read_only=True)
    partners = ProjectPartnerOutput(many=True, read_only=True)
    approved_budget = money_field()
    co_financing = money_field()
    leveraged_investment = money_field()
    committed = money_field(source="committed_total")
    disbursed = money_field(source="disbursed_total")
    spent = money_field(source="spent_total")
    web_url = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "code",
            "title",
            "summary",
            "status",
            "status_name",
            "facility",
            "window",
            "themes",
            "countries",
            "cities",
            "partners",
            "start_date",
            "end_date",
            "currency",
            "approved_budget",
            "co_financing",
            "leveraged_investment",
            "committed",
            "disbursed",
            "spent",
            "is_public",
            "web_url",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_web_url(self, project: Project) -> str | None:
        """The public page; none for a project that is not public."""
        if not project.is_public:
            return None
        return self.context["request"].build_absolute_uri(project.get_absolute_url())


class ContributionOutput(serializers.ModelSerializer):
    donor = OrganisationRef(read_only=True)
    amount = money_field(help_text="Amount pledged, in `currency`.")

    class Meta:
        model = Contribution
        fields = ["id", "donor", "reference", "title", "amount", "currency", "start_date", "end_date", "status"]


class ProjectRef(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "code", "title"]


class ContributionRef(serializers.ModelSerializer):
    class Meta:
        model = Contribution
        fields = ["id", "reference"]


class TransactionOutput(serializers.ModelSerializer):
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)
    amount = money_field(help_text="In `currency`; negative only on a row that reverses another.")
    provider = OrganisationRef(read_only=True, allow_null=True)
    receiver = OrganisationRef(read_only=True, allow_null=True)
    project = ProjectRef(read_only=True, allow_null=True)
    contribution = ContributionRef(read_only=True, allow_null=True)
    reverses = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the transaction this one reverses."
    )

    class Meta:
        model = Transaction
        fields = [
            "id",
            "kind",
            "kind_name",
            "value_date",
            "amount",
            "currency",
            "provider",
            "receiver",
            "reference",
            "description",
            "project",
            "contribution",
            "reverses",
        ]


class WindowViewSet(viewsets.ReadOnlyModelViewSet):
    """The funding windows: Country/City and Global."""

    queryset = FundingWindow.objects.all()
    serializer_class = WindowOutput
    search_fields = ["code", "name"]
    ordering_fields = ["order", "name"]
    ordering = ["order"]


class FacilityViewSet(viewsets.ReadOnlyModelViewSet):
    """Facilities, the lines of business inside a window."""

    queryset = Facility.objects.select_related("window")
    serializer_class = FacilityOutput
    filterset_class = FacilityFilter
    search_fields = ["code", "name"]
    ordering_fields = ["name", "code"]
    ordering = ["name"]


class ThemeViewSet(viewsets.ReadOnlyModelViewSet):
    """Themes of the work programme."""

    queryset = Theme.objects.all()
    serializer_class = ThemeOutput
    search_fields = ["code", "name"]
    ordering_fields = ["name", "code"]
    ordering = ["name"]


class CallViewSet(viewsets.ReadOnlyModelViewSet):
    """Published calls for proposals."""

    serializer_class = CallOutput
    filterset_class = CallFilter
    search_fields = ["reference", "title"]
    ordering_fields = ["closes_at", "opens_at", "reference"]
    ordering = ["-closes_at"]

    def get_queryset(self) -> QuerySet[Call]:
        return (
            visible_calls(self.request.user)
            .select_related("facility__window")
            .prefetch_related(Prefetch("themes", queryset=Theme.objects.order_by("name")))
        )


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """Public projects, with where they work, with whom, and their money in the project's currency."""

    serializer_class = ProjectOutput
    filterset_class = ProjectFilter
    search_fields = ["code", "title"]
    ordering_fields = ["code", "title", "start_date", "end_date", "status", "approved_budget"]
    ordering = ["code"]

    def get_queryset(self) -> QuerySet[Project]:
        partners = ProjectPartner.objects.select_related("organisation").order_by("role", "organisation__name")
        return (
            visible_projects(self.request.user)
            .select_related("facility__window")
            .prefetch_related(
                Prefetch("themes", queryset=Theme.objects.order_by("name")),
                "countries",
                "cities",
                Prefetch("partners", queryset=partners),
            )
        )


class ContributionViewSet(viewsets.ReadOnlyModelViewSet):
    """Donor agreements: who pledged how much, in which currency, for which period."""

    serializer_class = ContributionOutput
    filterset_class = ContributionFilter
    search_fields = ["reference", "title", "donor__name", "donor__short_name"]
    ordering_fields = ["reference", "start_date", "end_date", "amount"]
    ordering = ["-start_date"]

    def get_queryset(self) -> QuerySet[Contribution]:
        return visible_contributions(self.request.user).select_related("donor")


class TransactionViewSet(viewsets.ReadOnlyModelViewSet):
    """The ledger of public projects: commitments, disbursements and expenditure (IATI transaction types)."""

    serializer_class = TransactionOutput
    filterset_class = TransactionFilter
    search_fields = ["reference", "description"]
    ordering_fields = ["value_date", "amount"]
    ordering = ["-value_date"]

    def get_queryset(self) -> QuerySet[Transaction]:
        return visible_transactions(self.request.user).select_related("provider", "receiver", "project", "contribution")
