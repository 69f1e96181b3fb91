"""What secretariat staff send to the API to change the funding side.

Reference data and the project and contribution records are checked by the models' own rules;
ledger rows are never edited: a receipt, a disbursement or an expenditure is recorded by the
ledger services (which keep every money invariant under concurrent requests) and corrected by a
reversal. A commitment is made by signing the project's grant agreement.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_countries import countries
from rest_framework import serializers

from common.api import CheckedModelSerializer
from common.money import MONEY_DIGITS, MONEY_PLACES
from members.models import Organisation, OrganisationKind

from .. import services
from ..models import (
    Allocation,
    Call,
    Contribution,
    Facility,
    FundingWindow,
    GrantAgreement,
    Project,
    ReleaseCondition,
    Theme,
    Tranche,
    Transaction,
    TransactionKind,
)
from .outputs import (
    CallOutput,
    ContributionOutput,
    FacilityOutput,
    ProjectOutput,
    ThemeOutput,
    TransactionOutput,
    WindowOutput,
)


class WindowInput(CheckedModelSerializer):
    output_serializer = WindowOutput

    class Meta:
        model = FundingWindow
        fields = ["code", "name", "description", "order"]


class FacilityInput(CheckedModelSerializer):
    output_serializer = FacilityOutput

    class Meta:
        model = Facility
        fields = ["window", "code", "name", "description", "is_competitive"]


class ThemeInput(CheckedModelSerializer):
    output_serializer = ThemeOutput

    class Meta:
        model = Theme
        fields = ["code", "name", "description", "start_year", "end_year"]


class CallInput(CheckedModelSerializer):
    """A call for proposals; its questions and assessment criteria are set in the admin."""

    output_serializer = CallOutput
    eligible_countries = serializers.ListField(
        child=serializers.ChoiceField(choices=[code for code, _ in countries]),
        required=False,
        help_text="ISO 3166-1 alpha-2 codes; empty: every country.",
    )
    eligible_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=OrganisationKind.choices),
        required=False,
        help_text="Organisation kinds; empty: every kind.",
    )

    class Meta:
        model = Call
        fields = [
            "reference",
            "title",
            "description",
            "facility",
            "themes",
            "eligible_countries",
            "eligible_kinds",
            "opens_at",
            "closes_at",
            "time_zone",
            "currency",
            "ceiling",
            "envelope",
            "reviews_required",
            "kind",
            "full_proposals_close_at",
            "invitation_only",
            "is_published",
        ]


class ProjectInput(CheckedModelSerializer):
    output_serializer = ProjectOutput

    class Meta:
        model = Project
        fields = [
            "code",
            "title",
            "summary",
            "status",
            "facility",
            "themes",
            "start_date",
            "end_date",
            "currency",
            "approved_budget",
            "co_financing",
            "leveraged_investment",
        ]


class ContributionInput(CheckedModelSerializer):
    output_serializer = ContributionOutput

    class Meta:
        model = Contribution
        fields = [
            "donor",
            "reference",
            "title",
            "description",
            "amount",
            "currency",
            "start_date",
            "end_date",
            "status",
            "contract_partner",
            "earmarked_window",
            "earmarked_facility",
        ]


RECORDABLE = {
    TransactionKind.INCOMING_FUNDS: "contribution",
    TransactionKind.DISBURSEMENT: "project",
    TransactionKind.EXPENDITURE: "project",
}


class TransactionInput(serializers.Serializer):
    """A receipt from a donor (kind 1, against `contribution`), or a payment to (3) or expenditure of (4) a
    `project`. The currency, when given, must be that of the books it goes in."""

    kind = serializers.ChoiceField(choices=[(int(kind), kind.label) for kind in RECORDABLE])
    value_date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, coerce_to_string=True)
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    contribution = serializers.PrimaryKeyRelatedField(queryset=Contribution.objects.all(), required=False)
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all(), required=False)
    tranche = serializers.PrimaryKeyRelatedField(
        queryset=Tranche.objects.all(), required=False, allow_null=True, help_text="The tranche a payment settles."
    )
    receiver = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        required=False,
        allow_null=True,
        help_text="Who is paid; the project's accountable partner when left out.",
    )
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=250, required=False, allow_blank=True, default="")

    def validate(self, data: dict) -> dict:
        needed = RECORDABLE[TransactionKind(data["kind"])]
        if data.get(needed) is None:
            raise serializers.ValidationError({needed: ["This kind of transaction needs it."]})
        other = "project" if needed == "contribution" else "contribution"
        if data.get(other) is not None:
            raise serializers.ValidationError({other: ["This kind of transaction does not take it."]})
        if data["kind"] != TransactionKind.DISBURSEMENT and (data.get("tranche") or data.get("receiver")):
            field = "tranche" if data.get("tranche") else "receiver"
            raise serializers.ValidationError({field: ["Only a disbursement takes it."]})
        return data

    def create(self, validated_data: dict) -> Transaction:
        data, user = validated_data, self.context["request"].user
        common = {
            "amount": data["amount"],
            "value_date": data["value_date"],
            "currency": data.get("currency") or None,
            "reference": data["reference"],
            "description": data["description"],
            "recorded_by": user,
        }
        kind = data["kind"]
        if kind == TransactionKind.INCOMING_FUNDS:
            return services.contribution_receive(contribution=data["contribution"], **common)
        if kind == TransactionKind.DISBURSEMENT:
            return services.disbursement_record(
                project=data["project"], tranche=data.get("tranche"), receiver=data.get("receiver"), **common
            )
        return services.expenditure_record(project=data["project"], **common)

    def to_representation(self, instance: Transaction):
        return TransactionOutput(instance, context=self.context).data


class ReversalInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="Why the transaction is reversed; shown on the reversal.")
    value_date = serializers.DateField(required=False, help_text="Date of the reversal; today when left out.")

    def reverse(self, original: Transaction) -> Transaction:
        value_date: dt.date = self.validated_data.get("value_date") or timezone.localdate()
        return services.transaction_reverse(
            original=original,
            value_date=value_date,
            reason=self.validated_data["reason"],
            recorded_by=self.context["request"].user,
        )


class AllocationInput(serializers.Serializer):
    """How much of the contribution funds `project`: a new allocation, or the new amount of an existing one."""

    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all())
    amount = serializers.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        coerce_to_string=True,
        help_text="In the contribution's currency; replaces what was allocated to the project before.",
    )
    allocated_on = serializers.DateField(required=False, help_text="Today when left out.")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    def allocate(self, contribution: Contribution) -> Allocation:
        data = self.validated_data
        return services.allocation_set(
            contribution=contribution,
            project=data["project"],
            amount=data["amount"],
            allocated_on=data.get("allocated_on") or timezone.localdate(),
            note=data["note"],
        )


class TrancheInput(serializers.Serializer):
    """One tranche of the schedule: an amount or a percentage of the agreement, and what releases it."""

    planned_date = serializers.DateField(help_text="When it falls due.")
    amount = serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, coerce_to_string=True, required=False
    )
    percentage = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, help_text="Instead of `amount`: a share of the agreement."
    )
    kind = serializers.ChoiceField(
        choices=ReleaseCondition.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="What releases it besides its date; left out: none, or `other` when `condition` says what.",
    )
    condition = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Which report or document, or what must happen.",
    )
    release_on = serializers.DateField(required=False, help_text="The date of a `date` condition.")


class AgreementInput(serializers.Serializer):
    """The grant agreement that commits the fund to the project (IATI commitment), with its tranches."""

    reference = serializers.CharField(max_length=60)
    grantee = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    signed_on = serializers.DateField()
    amount = serializers.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        coerce_to_string=True,
        help_text="In the project's currency; at most its approved budget.",
    )
    tranches = TrancheInput(many=True, required=False, help_text="Planned payments; they add up to `amount`.")

    def sign(self, project: Project) -> GrantAgreement:
        data = self.validated_data
        return services.grant_agreement_sign(
            project=project,
            reference=data["reference"],
            grantee=data["grantee"],
            signed_on=data["signed_on"],
            amount=data["amount"],
            tranches=[services.TrancheSpec(**tranche) for tranche in data.get("tranches", [])],
            recorded_by=self.context["request"].user,
        )


class CloseInput(serializers.Serializer):
    """Close a project whose checklist is all met; refused (400) with the items still unmet."""

    actual_end = serializers.DateField(
        required=False, help_text="The day the project actually ended; today if left out."
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")

    def close(self, project: Project):
        return services.project_close(
            project=project,
            by=self.context["request"].user,
            actual_end=self.validated_data.get("actual_end"),
            comment=self.validated_data["comment"],
        )


class ReopenInput(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the project is reopened; kept in the closeout's log.")

    def reopen(self, project: Project):
        return services.project_reopen(
            project=project, by=self.context["request"].user, reason=self.validated_data["reason"]
        )
