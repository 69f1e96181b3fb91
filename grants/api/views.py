"""API endpoints of the funding side.

Anyone reads what the public pages show; staff read everything; a partner also reads its own
organisation's projects. Every list takes the same number of queries however many rows it pages.
Secretariat staff also write: reference data, calls, projects and contributions as records, allocations, and the ledger
through its services (receipts, payments, expenditure, reversals), never by editing a row.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ActPermissions, Conflict, FileDownloadMixin, OrderingFilter, file_responses, staff_editable
from common.api_views import StaffEditableViewSet, StaffRecordViewSet
from common.permissions import may
from common.spreadsheets import spreadsheet_response

from .. import services
from ..agreement_pdf import document_response, signed_copy_response
from ..filters import (
    CallFilter,
    ContributionFilter,
    FacilityFilter,
    LedgerSearchFilter,
    ProjectFilter,
    TransactionFilter,
)
from ..models import (
    AccountingPeriod,
    AssessmentCriterion,
    Call,
    CallDocument,
    CallQuestion,
    Contribution,
    DocumentLanguage,
    Facility,
    FundingWindow,
    GrantAgreement,
    Project,
    ProjectPartner,
    Theme,
    Transaction,
)
from ..selectors import visible_calls, visible_contributions, visible_projects, visible_transactions
from ..selectors.agreements import visible_agreements
from ..selectors.closeout import closeout_state
from ..selectors.journal import JournalIncomplete, period_journal
from ..selectors.visibility import own_projects
from .inputs import (
    AgreementInput,
    AllocationInput,
    CallInput,
    CloseInput,
    ContributionInput,
    FacilityInput,
    ProjectInput,
    ReopenInput,
    ReversalInput,
    ThemeInput,
    TransactionInput,
    WindowInput,
)
from .outputs import (
    AgreementOutput,
    AllocationOutput,
    CallOutput,
    CloseoutOutput,
    ContributionOutput,
    FacilityOutput,
    ProjectOutput,
    ThemeOutput,
    TransactionOutput,
    WindowOutput,
)


class CatalogueViewSet(StaffEditableViewSet):
    """Reference data the portfolio is classified by: one in use is refused with 409, never unlinked."""

    def perform_destroy(self, instance) -> None:
        services.catalogue_delete(record=instance)


@staff_editable(WindowOutput)
class WindowViewSet(CatalogueViewSet):
    """The funding windows: Country/City and Global."""

    queryset = FundingWindow.objects.all()
    serializer_class = WindowOutput
    input_serializer = WindowInput
    search_fields = ["code", "name"]
    ordering_fields = ["order", "name"]
    ordering = ["order"]


@staff_editable(FacilityOutput)
class FacilityViewSet(CatalogueViewSet):
    """Facilities, the lines of business inside a window."""

    queryset = Facility.objects.select_related("window")
    serializer_class = FacilityOutput
    input_serializer = FacilityInput
    filterset_class = FacilityFilter
    search_fields = ["code", "name"]
    ordering_fields = ["name", "code"]
    ordering = ["name"]


@staff_editable(ThemeOutput)
class ThemeViewSet(CatalogueViewSet):
    """Themes of the work programme."""

    queryset = Theme.objects.all()
    serializer_class = ThemeOutput
    input_serializer = ThemeInput
    search_fields = ["code", "name"]
    ordering_fields = ["name", "code"]
    ordering = ["name"]


@staff_editable(CallOutput)
class CallViewSet(StaffEditableViewSet):
    """Published calls for proposals; staff see drafts too, and open, change or delete (while unanswered) calls."""

    serializer_class = CallOutput
    input_serializer = CallInput
    filterset_class = CallFilter
    search_fields = ["reference", "title"]
    ordering_fields = ["closes_at", "opens_at", "reference"]
    ordering = ["-closes_at"]

    def get_queryset(self) -> QuerySet[Call]:
        return (
            visible_calls(self.request.user)
            .select_related("facility__window")
            .prefetch_related(
                Prefetch("themes", queryset=Theme.objects.order_by("name")),
                Prefetch("criteria", queryset=AssessmentCriterion.objects.order_by("order", "pk")),
                Prefetch("questions", queryset=CallQuestion.objects.order_by("order", "pk")),
                "eligibility_questions",
                Prefetch("documents", queryset=CallDocument.objects.select_related("call")),
            )
        )


@staff_editable(ProjectOutput, deletable=False)
class ProjectViewSet(StaffRecordViewSet):
    """Public projects, with where they work, with whom, and their money in the project's currency."""

    serializer_class = ProjectOutput
    input_serializer = ProjectInput
    filterset_class = ProjectFilter
    search_fields = ["code", "title"]
    ordering_fields = ["code", "title", "start_date", "end_date", "status", "approved_budget"]
    ordering = ["code"]
    act_permissions = {
        "agreement": "grants.add_grantagreement",
        "publish": "grants.publish_project",
        "unpublish": "grants.publish_project",
        "close": "grants.close_project",
        "reopen": "grants.close_project",
    }

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

    def get_serializer_class(self):
        if self.action in ("agreement_document", "agreement_signed_copy"):
            return AgreementOutput
        if self.action in ("publish", "unpublish"):
            return ProjectOutput
        if self.action in ("closeout", "close", "reopen"):
            return {"closeout": CloseoutOutput, "close": CloseInput, "reopen": ReopenInput}[self.action]
        return AgreementInput if self.action == "agreement" else super().get_serializer_class()

    def _publication(self, service) -> Response:
        project = service(project=self.get_object(), user=self.request.user)
        fresh = self.get_queryset().get(pk=project.pk)
        return Response(ProjectOutput(fresh, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses={200: ProjectOutput})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        """Staff: show the project on the public pages, in the API's public reads and in the IATI files."""
        return self._publication(services.project_publish)

    @extend_schema(request=None, responses={200: ProjectOutput})
    @action(detail=True, methods=["post"])
    def unpublish(self, request: Request, pk: str) -> Response:
        """Staff: withdraw the project from the public; staff, its partners and its donors still see it."""
        return self._publication(services.project_unpublish)

    def _closeout(self, project: Project) -> Response:
        """The closeout of a project: staff who see closeouts, and the project's own partners; 404 to others."""
        user = self.request.user
        if not (may(user, "grants.view_closeout") or own_projects(user).filter(pk=project.pk).exists()):
            raise NotFound(_("%(code)s has no closeout you may see.") % {"code": project.code})
        return Response(CloseoutOutput(closeout_state(project), context=self.get_serializer_context()).data)

    @extend_schema(responses={200: CloseoutOutput})
    @action(detail=True, methods=["get"])
    def closeout(self, request: Request, pk: str) -> Response:
        """The project's closeout checklist, each item met or what is missing, and whether it is closed."""
        return self._closeout(self.get_object())

    @extend_schema(request=CloseInput, responses={200: CloseoutOutput})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """Staff (grants committee): close the project, locking its ledger; refused with the items still unmet."""
        project = self.get_object()
        closing = self.get_serializer(data=request.data)
        closing.is_valid(raise_exception=True)
        closing.close(project)
        return self._closeout(project)

    @extend_schema(request=ReopenInput, responses={200: CloseoutOutput})
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        """Staff (grants committee): reopen a closed project, with the reason; its ledger takes rows again."""
        project = self.get_object()
        reopening = self.get_serializer(data=request.data)
        reopening.is_valid(raise_exception=True)
        reopening.reopen(project)
        return self._closeout(project)

    @extend_schema(methods=["GET"], responses={200: AgreementOutput})
    @extend_schema(methods=["POST"], request=AgreementInput, responses={201: AgreementOutput})
    @action(detail=True, methods=["get", "post"])
    def agreement(self, request: Request, pk: str) -> Response:
        """The project's grant agreement and its tranches; staff sign it with POST, which books the commitment."""
        project = self.get_object()
        context = self.get_serializer_context()
        if request.method == "POST":
            signing = self.get_serializer(data=request.data)
            signing.is_valid(raise_exception=True)
            agreement = signing.sign(project)
            context["document_readable"] = {
                agreement.pk: visible_agreements(request.user).filter(pk=agreement.pk).exists()
            }
            signed = AgreementOutput(agreement, context=context).data
            return Response(signed, status=status.HTTP_201_CREATED)
        agreement = (
            GrantAgreement.objects.select_related("project", "grantee")
            .prefetch_related("tranches", "signatories")
            .filter(project=project)
            .first()
        )
        if agreement is None:
            raise NotFound(_("%(code)s has no grant agreement yet.") % {"code": project.code})
        readable = visible_agreements(request.user).filter(pk=agreement.pk).exists()
        context["document_readable"] = {agreement.pk: readable}
        return Response(AgreementOutput(agreement, context=context).data)

    def _readable_agreement(self) -> GrantAgreement:
        """The project's agreement for staff who view agreements and the grantee's partners; 404 for anyone else."""
        project = self.get_object()
        agreement = visible_agreements(self.request.user).filter(project=project).first()
        if agreement is None:
            raise NotFound(_("There is no agreement document here that you may read."))
        return agreement

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "language",
                str,
                enum=DocumentLanguage.values,
                default="en",
                description="The language of the document.",
            )
        ],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="agreement/document", url_name="agreement-document")
    def agreement_document(self, request: Request, pk: str) -> HttpResponse:
        """The agreement document as a PDF, made now from the agreement's text in that language: staff who view
        agreements and the grantee's partners only."""
        language = request.query_params.get("language", "en")
        if language not in DocumentLanguage.values:
            raise ValidationError({"language": _("Choose en or fr.")})
        agreement = self._readable_agreement()
        try:
            return document_response(agreement, language)
        except Http404:
            raise NotFound(_("There is no agreement text in this language.")) from None

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="agreement/signed-copy", url_name="agreement-signed-copy")
    def agreement_signed_copy(self, request: Request, pk: str):
        """The signed copy of the agreement (PDF), once uploaded: staff who view agreements and the grantee's
        partners only."""
        agreement = self._readable_agreement()
        try:
            return signed_copy_response(agreement)
        except Http404:
            raise NotFound(_("No signed copy is uploaded yet.")) from None


@staff_editable(ContributionOutput, deletable=False)
class ContributionViewSet(StaffRecordViewSet):
    """Donor agreements: who pledged how much, in which currency, for which period."""

    serializer_class = ContributionOutput
    input_serializer = ContributionInput
    filterset_class = ContributionFilter
    search_fields = ["reference", "title", "donor__name", "donor__short_name"]
    ordering_fields = ["reference", "start_date", "end_date", "amount"]
    ordering = ["-start_date"]
    act_permissions = {"allocate": "grants.add_allocation"}

    def get_queryset(self) -> QuerySet[Contribution]:
        return visible_contributions(self.request.user).select_related("donor")

    def get_serializer_class(self):
        return AllocationInput if self.action == "allocate" else super().get_serializer_class()

    @extend_schema(request=AllocationInput, responses={200: AllocationOutput})
    @action(detail=True, methods=["post"])
    def allocate(self, request: Request, pk: str) -> Response:
        """Staff: fund a project from this contribution, or change how much; never beyond what was pledged."""
        allocation = self.get_serializer(data=request.data)
        allocation.is_valid(raise_exception=True)
        row = allocation.allocate(self.get_object())
        return Response(AllocationOutput(row, context=self.get_serializer_context()).data)


class TransactionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The ledger of public projects: commitments, disbursements and expenditure (IATI transaction types).

    Staff record a receipt, a payment or an expenditure with POST, and correct one by reversing it.
    """

    permission_classes = [ActPermissions]
    required_permissions = {"create": "grants.add_transaction", "reverse": "grants.reverse_transaction"}

    serializer_class = TransactionOutput
    filterset_class = TransactionFilter
    filter_backends = [DjangoFilterBackend, LedgerSearchFilter, OrderingFilter]
    # What the search reads (and the API's schema says); `transactions_matching` says how.
    search_fields = ["reference", "description", "project__code", "contribution__reference"]
    ordering_fields = ["value_date", "amount"]
    ordering = ["-value_date"]

    def get_queryset(self) -> QuerySet[Transaction]:
        return visible_transactions(self.request.user).select_related("provider", "receiver", "project", "contribution")

    def get_serializer_class(self):
        if self.action == "create":
            return TransactionInput
        if self.action == "reverse":
            return ReversalInput
        return TransactionOutput

    @extend_schema(request=TransactionInput, responses={201: TransactionOutput})
    def create(self, request: Request, *args, **kwargs) -> Response:
        return super().create(request, *args, **kwargs)

    @extend_schema(request=ReversalInput, responses={201: TransactionOutput})
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str) -> Response:
        """Reverse a transaction with a new row of the opposite amount; the two net to zero."""
        original = self.get_object()
        reversal = self.get_serializer(data=request.data)
        reversal.is_valid(raise_exception=True)
        row = reversal.reverse(original)
        return Response(
            TransactionOutput(row, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


class JournalView(FileDownloadMixin, APIView):
    """Finance: a period's accounting journal for the host's ERP, as CSV (the journal) or XLSX (the journal and
    its totals). A closed period's file is the same each time; an open period's is marked provisional."""

    permission_classes = [ActPermissions]
    read_permissions = {"get": "grants.export_journal"}

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="Id of an accounting period.")],
        responses=file_responses(
            "The journal: one line per ledger row dated in the period, with its accounts and its amount in the "
            "reporting currency.",
            errors={
                403: "You may not export journals.",
                409: "A row of the period has no account mapping, or no exchange rate for its date; the message "
                "says which.",
            },
        ),
    )
    def get(self, request: Request, pk: str) -> HttpResponse:
        period = get_object_or_404(AccountingPeriod, pk=pk)
        try:
            journal = period_journal(period)
        except JournalIncomplete as refusal:
            raise Conflict(refusal.message) from refusal
        file_format = request.accepted_renderer.format
        return spreadsheet_response(journal.filename(file_format), journal.sheets(), file_format, dated=journal.dated)
