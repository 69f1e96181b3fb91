"""Amendments through the API: list and read them (staff: all; a partner: its organisations' agreements'),
request one, withdraw one's own request, and decide (the committee). Every change goes through the services
the portal and the admin use, so the API refuses what they refuse, with the field at fault."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import OWN_ROW, ActPermissions, ChoiceLabel, money_field
from common.money import MONEY_DIGITS, MONEY_PLACES
from common.permissions import may
from members.models import Role
from members.selectors import organisations_of

from .. import services
from ..models import Amendment, AmendmentKind, GrantAgreement, SignatorySide
from ..selectors.amendments import visible_amendments
from ..services import amendments as amending
from .applications import BudgetLineInput, BudgetLineOutput
from .inputs import TrancheInput


class AmendmentTrancheOutput(serializers.Serializer):
    planned_date = serializers.DateField()
    amount = money_field()
    condition_kind = serializers.CharField()
    condition = serializers.CharField()
    release_on = serializers.DateField(allow_null=True)


class TransitionOutput(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    at = serializers.DateTimeField()
    comment = serializers.CharField()


class AmendmentSignatoryOutput(serializers.Serializer):
    side = serializers.CharField()
    name = serializers.CharField()
    title = serializers.CharField()
    signed_on = serializers.DateField()


class AmendmentOutput(serializers.ModelSerializer):
    agreement = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    project = serializers.CharField(source="agreement.project.code", read_only=True)
    kind_name = ChoiceLabel("kind")
    status_name = ChoiceLabel("status")
    additional_amount = money_field(allow_null=True, help_text="A cost extension's, in the agreement's currency.")
    budget_lines = BudgetLineOutput(many=True, read_only=True)
    tranches = AmendmentTrancheOutput(many=True, read_only=True)
    transitions = TransitionOutput(many=True, read_only=True)
    signatories = AmendmentSignatoryOutput(many=True, read_only=True)
    signed_on = serializers.DateField(
        read_only=True, allow_null=True, help_text="The day both sides had signed the approved amendment."
    )
    awaiting_signature_of = serializers.SerializerMethodField(
        help_text="The sides whose signature an approved amendment awaits: partner, secretariat."
    )

    class Meta:
        model = Amendment
        fields = [
            "id",
            "agreement",
            "project",
            "number",
            "kind",
            "kind_name",
            "status",
            "status_name",
            "reason",
            "by_partner",
            "requested_at",
            "new_end_date",
            "additional_amount",
            "currency",
            "budget_lines",
            "tranches",
            "decided_at",
            "decision_reason",
            "signatories",
            "signed_on",
            "awaiting_signature_of",
            "transitions",
        ]

    def get_awaiting_signature_of(self, amendment: Amendment) -> list[str]:
        if not amendment.awaits_signatures:
            return []
        signed = {signatory.side for signatory in amendment.signatories.all()}
        return [side for side in SignatorySide.values if side not in signed]


@extend_schema_field(OpenApiTypes.INT)
class _AgreementField(serializers.PrimaryKeyRelatedField):
    """An agreement the caller may amend: any other id is unknown, as one that does not exist."""

    def get_queryset(self):
        user = self.context["request"].user
        if may(user, "grants.add_amendment"):
            return GrantAgreement.objects.all()
        return GrantAgreement.objects.filter(grantee__in=organisations_of(user=user, role=Role.PARTNER))


class AmendmentInput(serializers.Serializer):
    """A request: a budget revision gives `budget_lines` adding up to the current amount; a no-cost extension its
    `new_end_date`; a cost extension its `additional_amount`, the `tranches` paying it and `budget_lines` adding up
    to the new amount."""

    agreement = _AgreementField(help_text="Id of the grant agreement.")
    kind = serializers.ChoiceField(choices=AmendmentKind.choices)
    reason = serializers.CharField(max_length=4000)
    new_end_date = serializers.DateField(required=False, allow_null=True, default=None)
    additional_amount = serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, coerce_to_string=True, required=False, allow_null=True
    )
    budget_lines = BudgetLineInput(many=True, required=False, default=list)
    tranches = TrancheInput(many=True, required=False, default=list)

    def create(self, validated_data: dict) -> Amendment:
        terms = amending.AmendmentTerms(
            kind=validated_data["kind"],
            reason=validated_data["reason"],
            new_end_date=validated_data.get("new_end_date"),
            additional_amount=validated_data.get("additional_amount"),
            budget_lines=[services.BudgetLineInput(**line) for line in validated_data["budget_lines"]],
            tranches=[services.TrancheSpec(**tranche) for tranche in validated_data["tranches"]],
        )
        return amending.amendment_request(
            agreement=validated_data["agreement"], user=self.context["request"].user, terms=terms
        )


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)


class SignatureInput(serializers.Serializer):
    """Who signed the approved amendment for one side, and when (from the signed letter)."""

    side = serializers.ChoiceField(choices=SignatorySide.choices)
    name = serializers.CharField(max_length=140)
    title = serializers.CharField(max_length=140, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    signed_on = serializers.DateField()


class AmendmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Amendments of grant agreements: staff read all of them, a partner those of its organisations' agreements."""

    permission_classes = [permissions.IsAuthenticated, ActPermissions]
    required_permissions = {
        "create": None,  # the grantee's partners, or staff who request amendments: the agreement field and service
        "withdraw": OWN_ROW,
        "approve": "grants.decide_amendment",
        "decline": "grants.decide_amendment",
        "signatures": "grants.sign_grantagreement",
    }
    ordering = ["-requested_at"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Amendment]:
        return visible_amendments(self.request.user)

    def get_serializer_class(self):
        inputs = {
            "create": AmendmentInput,
            "withdraw": ReasonInput,
            "approve": ReasonInput,
            "decline": ReasonInput,
            "signatures": SignatureInput,
        }
        return inputs.get(self.action, AmendmentOutput)

    def is_own(self, user, amendment: Amendment) -> bool:
        """A request is withdrawn by whoever made it, or for a partner's request by the grantee's partners."""
        return amendment.requested_by_id == user.pk or (
            amendment.by_partner and amending.is_grantee_partner(user, amendment.agreement)
        )

    def _answer(self, amendment: Amendment, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=amendment.pk)
        return Response(AmendmentOutput(fresh, context=self.get_serializer_context()).data, status=code)

    def _reason(self, request: Request) -> str:
        reason = self.get_serializer(data=request.data)
        reason.is_valid(raise_exception=True)
        return reason.validated_data["reason"]

    @extend_schema(request=AmendmentInput, responses={201: AmendmentOutput})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Request an amendment of an agreement your organisation holds (or, staff, of any)."""
        draft = self.get_serializer(data=request.data)
        draft.is_valid(raise_exception=True)
        return self._answer(draft.save(), status.HTTP_201_CREATED)

    @extend_schema(request=ReasonInput, responses={200: AmendmentOutput})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        """Withdraw your request before it is decided."""
        amendment = self.get_object()
        return self._answer(
            amending.amendment_withdraw(amendment=amendment, user=request.user, reason=self._reason(request))
        )

    @extend_schema(request=ReasonInput, responses={200: AmendmentOutput})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """The committee: approve and apply the amendment (never one you requested)."""
        amendment = self.get_object()
        return self._answer(
            amending.amendment_approve(amendment=amendment, user=request.user, comment=self._reason(request))
        )

    @extend_schema(request=ReasonInput, responses={200: AmendmentOutput})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        """The committee: decline the amendment, saying why (the partner is told)."""
        amendment = self.get_object()
        return self._answer(
            amending.amendment_decline(amendment=amendment, user=request.user, reason=self._reason(request))
        )

    @extend_schema(request=SignatureInput, responses={200: AmendmentOutput})
    @action(detail=True, methods=["post"])
    def signatures(self, request: Request, pk: str) -> Response:
        """The secretariat: record a signature of the approved amendment for one side; once both sides have
        signed, the tranches it added may be paid."""
        amendment = self.get_object()
        signature = self.get_serializer(data=request.data)
        signature.is_valid(raise_exception=True)
        services.amendment_signature_record(amendment=amendment, recorded_by=request.user, **signature.validated_data)
        return self._answer(amendment)
