"""Payment requests and runs through the API: a partner asks for a released tranche and follows its requests;
programme officers check them, finance officers approve them and read the payment runs and their files.

Every change goes through the services the portal and the admin use. A partner never sees another
organisation's request: its id answers 404. Each operation says the permission it needs.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import OWN_ROW, ActPermissions, money_field
from common.money import MONEY_DIGITS, MONEY_PLACES
from members.models import BankAccount, Role
from members.selectors import organisations_of

from .. import payment_files, services
from ..models import PaymentRequest, PaymentRequestStatus, PaymentRun, Tranche
from ..selectors.payments import visible_payment_requests, visible_payment_runs

CHECK, APPROVE = "grants.check_paymentrequest", "grants.approve_paymentrequest"


class PaymentRequestOutput(serializers.ModelSerializer):
    amount = money_field()
    project = serializers.CharField(source="tranche.agreement.project.code", read_only=True)
    agreement = serializers.CharField(source="tranche.agreement.reference", read_only=True)
    tranche = serializers.IntegerField(source="tranche.number", read_only=True)
    bank_account = serializers.CharField(source="bank_account.masked_number", read_only=True)
    run = serializers.CharField(source="run.reference", read_only=True, default=None)

    class Meta:
        model = PaymentRequest
        fields = [
            "id",
            "number",
            "project",
            "agreement",
            "tranche",
            "amount",
            "currency",
            "bank_account",
            "status",
            "note",
            "reason",
            "requested_at",
            "checked_at",
            "approved_at",
            "run",
            "paid_on",
        ]


@extend_schema_field(OpenApiTypes.INT)
class _OwnTrancheField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        user = self.context["request"].user
        return Tranche.objects.filter(agreement__grantee__in=organisations_of(user=user, role=Role.PARTNER))


@extend_schema_field(OpenApiTypes.INT)
class _OwnAccountField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        user = self.context["request"].user
        return BankAccount.objects.filter(organisation__in=organisations_of(user=user, role=Role.PARTNER))


class PaymentRequestInput(serializers.Serializer):
    tranche = _OwnTrancheField(help_text="A tranche of a grant your organisation receives (its id).")
    amount = serializers.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    bank_account = _OwnAccountField(help_text="A verified account of your organisation, in the grant's currency.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=250)


class RefusalInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2_000, help_text="Why: the partner reads it.")


class PaymentRequestViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Payment requests: a partner's own organisations' (staff who view payment requests: all of them)."""

    permission_classes = [permissions.IsAuthenticated, ActPermissions]
    required_permissions = {
        "create": None,  # for a tranche of a grant the partner's organisation receives (the input's field)
        "withdraw": OWN_ROW,
        "check": CHECK,
        "approve": APPROVE,
        # At the check a programme officer returns or declines; after it, a finance officer (the service says).
        "return_": (CHECK, APPROVE),
        "decline": (CHECK, APPROVE),
    }
    filterset_fields = ["status", "currency"]
    ordering_fields = ["requested_at", "amount"]
    ordering = ["-requested_at"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[PaymentRequest]:
        return visible_payment_requests(self.request.user)

    def get_serializer_class(self):
        return {
            "create": PaymentRequestInput,
            "return_": RefusalInput,
            "decline": RefusalInput,
        }.get(self.action, PaymentRequestOutput)

    def is_own(self, user, payment: PaymentRequest) -> bool:
        return organisations_of(user=user, role=Role.PARTNER).filter(pk=payment.tranche.agreement.grantee_id).exists()

    def _answer(self, payment: PaymentRequest, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=payment.pk)
        return Response(PaymentRequestOutput(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=PaymentRequestInput, responses={201: PaymentRequestOutput})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Partners: ask to be paid (part of) a released tranche of your organisation's grant, into a verified
        account. Refused when the tranche is not released, the amount is more than it has left (less open
        requests), or the account is not verified."""
        asked = self.get_serializer(data=request.data)
        asked.is_valid(raise_exception=True)
        payment = services.payment_request_create(requested_by=request.user, **asked.validated_data)
        return self._answer(payment, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PaymentRequestOutput})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        """Partners: withdraw your request while nobody has checked it."""
        return self._answer(services.payment_request_withdraw(request=self.get_object(), by=request.user))

    @extend_schema(request=None, responses={200: PaymentRequestOutput})
    @action(detail=True, methods=["post"])
    def check(self, request: Request, pk: str) -> Response:
        """Needs grants.check_paymentrequest (programme officers): the request fits the project."""
        return self._answer(services.payment_request_check(request=self.get_object(), by=request.user))

    @extend_schema(request=None, responses={200: PaymentRequestOutput})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """Needs grants.approve_paymentrequest (finance officers), and not the person who checked it: records the
        disbursement in the ledger, dated today."""
        return self._answer(services.payment_request_approve(request=self.get_object(), by=request.user))

    def _refuse(self, request: Request, to: str) -> Response:
        reason = self.get_serializer(data=request.data)
        reason.is_valid(raise_exception=True)
        payment = services.payment_request_refuse(
            request=self.get_object(), by=request.user, to=to, reason=reason.validated_data["reason"]
        )
        return self._answer(payment)

    @extend_schema(request=RefusalInput, responses={200: PaymentRequestOutput})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: Request, pk: str) -> Response:
        """Needs grants.check_paymentrequest before the check, grants.approve_paymentrequest after it: return the
        request to the partner, saying why."""
        return self._refuse(request, PaymentRequestStatus.RETURNED)

    @extend_schema(request=RefusalInput, responses={200: PaymentRequestOutput})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        """Needs grants.check_paymentrequest before the check, grants.approve_paymentrequest after it: decline the
        request, saying why."""
        return self._refuse(request, PaymentRequestStatus.DECLINED)


class PaymentRunOutput(serializers.ModelSerializer):
    requests = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)

    class Meta:
        model = PaymentRun
        fields = ["id", "reference", "status", "created_at", "sent_at", "value_date", "confirmed_at", "requests"]


class PaymentRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Payment runs, for staff who view them (grants.view_paymentrun), with their files for the treasury."""

    permission_classes = [permissions.IsAuthenticated, ActPermissions]
    serializer_class = PaymentRunOutput
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[PaymentRun]:
        return visible_payment_runs(self.request.user).prefetch_related("requests")

    def _file(self, kind: str) -> HttpResponse:
        return payment_files.run_file_response(self.get_object(), kind)

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="file.csv", url_name="csv")
    def csv(self, request: Request, pk: str) -> HttpResponse:
        """Needs grants.view_paymentrun: the run as CSV (payee, IBAN or account, BIC, bank, amount, currency,
        reference, request number)."""
        return self._file("csv")

    @extend_schema(
        responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY}
    )
    @action(detail=True, methods=["get"], url_path="file.xlsx", url_name="xlsx")
    def xlsx(self, request: Request, pk: str) -> HttpResponse:
        """Needs grants.view_paymentrun: the run as a spreadsheet, the same columns as the CSV."""
        return self._file("xlsx")

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="file.xml", url_name="xml")
    def xml(self, request: Request, pk: str) -> HttpResponse:
        """Needs grants.view_paymentrun: the run's euro payments to IBANs as an ISO 20022 pain.001.001.09 credit
        transfer (other payments are in the CSV and XLSX only); 400 when it has none."""
        return self._file("xml")
