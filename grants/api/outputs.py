"""What the API answers about the funding side: windows, facilities, themes, calls, projects,
contributions and transactions, with amounts as decimal strings beside their currency."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api import ChoiceLabel, money_field
from members.models import Organisation

from ..models import (
    AgreementSignatory,
    Allocation,
    AssessmentCriterion,
    Call,
    CallDocument,
    CallQuestion,
    Contribution,
    EligibilityQuestion,
    Facility,
    FundingWindow,
    GrantAgreement,
    Project,
    ProjectPartner,
    Theme,
    Tranche,
    TrancheStatus,
    Transaction,
)


def public_page(serializer: serializers.Serializer, record, *, shown: bool) -> str | None:
    """The full address of a record's page on the site, for a record the public sees."""
    return serializer.context["request"].build_absolute_uri(record.get_absolute_url()) if shown else None


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


class CriterionOutput(serializers.ModelSerializer):
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=True, read_only=True)

    class Meta:
        model = AssessmentCriterion
        fields = ["name", "stage", "description", "weight"]


class QuestionOutput(serializers.ModelSerializer):
    options = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The answers a choice question accepts."
    )

    class Meta:
        model = CallQuestion
        fields = ["id", "stage", "key", "label", "help_text", "kind", "options", "required"]


class EligibilityQuestionOutput(serializers.ModelSerializer):
    class Meta:
        model = EligibilityQuestion
        fields = ["id", "text", "help_text", "qualifying_answer", "why_not"]


class CallDocumentOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = CallDocument
        fields = ["id", "title", "kind", "original_name", "content_type", "size", "url"]

    def get_url(self, document: CallDocument) -> str:
        """Its download, for whoever may see the call."""
        path = reverse("grants:call-document", args=[document.call.reference, document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


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
    criteria = CriterionOutput(many=True, read_only=True, help_text="How proposals are assessed, and their weights.")
    questions = QuestionOutput(
        many=True, read_only=True, help_text="The call's own questions; an application answers them by `id`."
    )
    eligibility_questions = EligibilityQuestionOutput(
        many=True,
        read_only=True,
        help_text="Yes/no questions; a starting application answers them (`eligibility`) with the qualifying answer.",
    )
    documents = CallDocumentOutput(many=True, read_only=True, help_text="Terms of reference, templates, guidance.")
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
            "reviews_required",
            "kind",
            "full_proposals_close_at",
            "invitation_only",
            "eligibility_questions",
            "documents",
            "criteria",
            "questions",
            "web_url",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_web_url(self, call: Call) -> str | None:
        """The public page; none for a call that is not published."""
        return public_page(self, call, shown=call.is_published)


class ProjectCountryOutput(serializers.Serializer):
    code = serializers.CharField(source="country.code", help_text="ISO 3166-1 alpha-2.")
    name = serializers.CharField(source="country.name")
    percentage = serializers.DecimalField(max_digits=5, decimal_places=2, help_text="Share of the project.")


class CityOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    country = serializers.CharField(source="country.code", help_text="ISO 3166-1 alpha-2.")
    # Numbers, as in GeoJSON: a position is no amount of money.
    latitude = serializers.FloatField(allow_null=True, help_text="Degrees north (WGS 84); null while unknown.")
    longitude = serializers.FloatField(allow_null=True, help_text="Degrees east (WGS 84); null while unknown.")


class ProjectPartnerOutput(serializers.ModelSerializer):
    organisation = OrganisationRef(read_only=True)
    role_name = ChoiceLabel("role")

    class Meta:
        model = ProjectPartner
        fields = ["organisation", "role", "role_name"]


class ProjectOutput(serializers.ModelSerializer):
    status_name = ChoiceLabel("status")
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
            "published_at",
            "web_url",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_web_url(self, project: Project) -> str | None:
        """The public page; none for a project that is not public."""
        return public_page(self, project, shown=project.is_public)


class ContributionOutput(serializers.ModelSerializer):
    donor = OrganisationRef(read_only=True)
    amount = money_field(help_text="Amount pledged, in `currency`.")

    class Meta:
        model = Contribution
        fields = [
            "id",
            "donor",
            "reference",
            "title",
            "amount",
            "currency",
            "start_date",
            "end_date",
            "status",
        ]


class ProjectRef(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["id", "code", "title"]


class ContributionRef(serializers.ModelSerializer):
    class Meta:
        model = Contribution
        fields = ["id", "reference"]


class TransactionOutput(serializers.ModelSerializer):
    kind_name = ChoiceLabel("kind")
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


class AllocationOutput(serializers.ModelSerializer):
    contribution = ContributionRef(read_only=True)
    project = ProjectRef(read_only=True)
    amount = money_field(help_text="In the contribution's currency.")
    currency = serializers.CharField(source="contribution.currency", read_only=True)

    class Meta:
        model = Allocation
        fields = ["id", "contribution", "project", "amount", "currency", "allocated_on", "note"]


class TrancheOutput(serializers.ModelSerializer):
    amount = money_field(help_text="In the agreement's currency.")
    disbursed_total = money_field(help_text="Paid against this tranche so far.")
    cancelled_amount = money_field(help_text="Cancelled of what was left to pay (a decommitment).")
    status = serializers.ChoiceField(choices=TrancheStatus.choices, read_only=True)

    class Meta:
        model = Tranche
        fields = [
            "number",
            "planned_date",
            "amount",
            "condition_kind",
            "condition",
            "condition_met_on",
            "disbursed_total",
            "cancelled_amount",
            "status",
        ]


class SignatoryOutput(serializers.ModelSerializer):
    class Meta:
        model = AgreementSignatory
        fields = ["side", "name", "title", "signed_on"]


class AgreementDocumentLinks(serializers.Serializer):
    en = serializers.URLField(help_text="The agreement document in English (PDF).")
    fr = serializers.URLField(help_text="The agreement document in French (PDF).")
    signed_copy = serializers.URLField(allow_null=True, help_text="The signed copy (PDF), once uploaded.")


class AgreementOutput(serializers.ModelSerializer):
    """The agreement; its signatories and documents only for those who may read the document (staff who view
    agreements, the grantee's partners): empty and null for anyone else."""

    project = ProjectRef(read_only=True)
    grantee = OrganisationRef(read_only=True)
    amount = money_field(help_text="Amount committed, in `currency`.")
    tranches = TrancheOutput(many=True, read_only=True)
    is_fully_signed = serializers.BooleanField(
        read_only=True, help_text="Signed by both sides: only then is money paid under it."
    )
    signatories = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()

    class Meta:
        model = GrantAgreement
        fields = [
            "id",
            "project",
            "reference",
            "grantee",
            "signed_on",
            "amount",
            "currency",
            "status",
            "is_fully_signed",
            "signatories",
            "documents",
            "tranches",
        ]

    def _may_read_document(self, agreement: GrantAgreement) -> bool:
        return bool(self.context.get("document_readable", {}).get(agreement.pk))

    @extend_schema_field(SignatoryOutput(many=True))
    def get_signatories(self, agreement: GrantAgreement) -> list:
        if not self._may_read_document(agreement):
            return []
        return SignatoryOutput(agreement.signatories.all(), many=True).data

    @extend_schema_field(AgreementDocumentLinks(allow_null=True))
    def get_documents(self, agreement: GrantAgreement) -> dict | None:
        if not self._may_read_document(agreement):
            return None
        request = self.context["request"]
        document = reverse("api:project-agreement-document", args=[agreement.project_id])
        signed_copy = reverse("api:project-agreement-signed-copy", args=[agreement.project_id])
        return {
            "en": request.build_absolute_uri(f"{document}?language=en"),
            "fr": request.build_absolute_uri(f"{document}?language=fr"),
            "signed_copy": request.build_absolute_uri(signed_copy) if agreement.signed_copy else None,
        }


class ChecklistItemOutput(serializers.Serializer):
    key = serializers.CharField(
        help_text="final_narrative, final_financial, results_final, tranches, balance or evaluation."
    )
    label = serializers.CharField()
    met = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField(), help_text="What is missing, in words.")
    owner = serializers.ChoiceField(choices=["partner", "secretariat"], help_text="Who must act.")


class CloseoutOutput(serializers.Serializer):
    """A project's closeout: its checklist now, and whether it is closed (its ledger locked)."""

    project = serializers.CharField(source="project.code")
    status = serializers.SerializerMethodField()
    is_ready = serializers.BooleanField(help_text="Every item met: the project can be closed.")
    items = ChecklistItemOutput(many=True)
    currency = serializers.CharField()
    unspent = money_field(help_text="Disbursed less reported spent.")
    written_off = money_field()
    to_settle = money_field(help_text="Unspent and neither refunded nor written off.")
    actual_end_date = serializers.DateField(source="project.actual_end_date", allow_null=True)
    closed_at = serializers.DateTimeField(source="closeout.closed_at", allow_null=True, default=None)
    reopened_at = serializers.DateTimeField(source="closeout.reopened_at", allow_null=True, default=None)
    reopen_reason = serializers.CharField(source="closeout.reopen_reason", default="")

    def get_status(self, state) -> str:
        return "closed" if state.is_closed else "open"
