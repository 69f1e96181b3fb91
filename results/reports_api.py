"""Reports of every kind through the API: a project's partners start the report of a period, save its
narrative and values (a financial report: its expenditure by budget line), and submit it once the period has
ended; staff approve it or return it with a comment.

Every change goes through the services the portal uses: values are parsed and checked the same
way, all of them or none are saved, and a refusal names the value at fault (`values.<id>`, where
the id is the row's `indicator_period`). Only a project's partners and staff see its reports;
any other id answers 404.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import OWN_ROW, ActPermissions, ChoiceLabel
from grants.api import ProjectRef

from . import selectors, services
from .api import IndicatorRef, PeriodOutput, measure_field
from .filters import ReportFilter
from .models import Evidence, IndicatorPeriod, ProgressReport, ReportKind


class ReportedValueOutput(serializers.Serializer):
    value = measure_field(allow_null=True)
    comment = serializers.CharField()
    splits = serializers.SerializerMethodField()
    places = serializers.SerializerMethodField()

    def get_splits(self, reported) -> dict[str, str]:
        """Parts of the value per category (sex), as decimal strings."""
        return {split.category: str(split.value) for split in reported.splits.all()}

    def get_places(self, reported) -> list[str]:
        """The cities or countries named as reached."""
        return [str(place) for place in reported.places.all()]


class ReportRowOutput(serializers.Serializer):
    indicator_period = serializers.IntegerField(source="pk", help_text="Send a value for this row under this id.")
    name = serializers.CharField(source="project_indicator.name")
    indicator = IndicatorRef(source="project_indicator.indicator", read_only=True)
    target = measure_field(source="target_value", allow_null=True)
    reported = ReportedValueOutput(read_only=True, allow_null=True, help_text="What the report says; null if nothing.")


class ReportOutput(serializers.ModelSerializer):
    project = ProjectRef(read_only=True)
    period = PeriodOutput(read_only=True)
    kind = serializers.ChoiceField(
        source="period.kind", choices=ReportKind.choices, read_only=True, help_text="What the report accounts for."
    )
    is_final = serializers.BooleanField(source="period.is_final", read_only=True, help_text="The grant's final report.")
    due_date = serializers.DateField(source="period.due_date", read_only=True)
    status_name = ChoiceLabel("status")

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "project",
            "period",
            "kind",
            "is_final",
            "due_date",
            "status",
            "status_name",
            "narrative",
            "review_comment",
            "submitted_at",
            "approved_at",
            "updated_at",
        ]


class EvidenceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="In bytes.")
    description = serializers.CharField()


class EvidenceInput(serializers.Serializer):
    file = serializers.FileField(help_text="A PDF, XLSX, DOCX, PNG or JPEG file, within the size limit.")
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=250)


class ExpenditureOutput(serializers.Serializer):
    budget_line = serializers.IntegerField(source="line.pk", help_text="Send the amount for this line under this id.")
    category = serializers.CharField(source="line.category")
    description = serializers.CharField(source="line.description")
    budget = serializers.DecimalField(source="line.amount", max_digits=18, decimal_places=2)
    spent_before = serializers.DecimalField(
        source="before", max_digits=18, decimal_places=2, help_text="In approved earlier financial reports."
    )
    amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, allow_null=True, help_text="Spent in this period; null if not answered yet."
    )
    cumulative = serializers.DecimalField(max_digits=18, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=18, decimal_places=2, help_text="Negative when over budget.")
    comment = serializers.CharField()


class ReportDetailOutput(ReportOutput):
    rows = serializers.SerializerMethodField()
    expenditure = serializers.SerializerMethodField()
    currency = serializers.CharField(source="project.currency", read_only=True)
    evidence = EvidenceOutput(many=True, read_only=True, help_text="Files backing the report.")

    class Meta(ReportOutput.Meta):
        fields = [*ReportOutput.Meta.fields, "rows", "expenditure", "currency", "evidence"]

    @extend_schema_field(ExpenditureOutput(many=True))
    def get_expenditure(self, report: ProgressReport) -> list[dict]:
        """A financial report's budget lines with what was spent, in the grant's currency (empty for other kinds)."""
        if report.period.kind != ReportKind.FINANCIAL:
            return []
        return ExpenditureOutput(selectors.financial_statement(report).rows, many=True).data

    @extend_schema_field(ReportRowOutput(many=True))
    def get_rows(self, report: ProgressReport) -> list[dict]:
        """The indicators the report answers, with their targets and the values given so far."""
        if report.period.kind != ReportKind.PROGRESS:
            return []
        rows: list[IndicatorPeriod] = selectors.report_rows(report)
        return ReportRowOutput(rows, many=True, context=self.context).data


@extend_schema_field(OpenApiTypes.INT)
class _ReportablePeriodField(serializers.PrimaryKeyRelatedField):
    """A reporting period of one of the caller's projects: any other id is unknown."""

    def get_queryset(self):
        return selectors.reportable_periods(self.context["request"].user)


class ReportStartInput(serializers.Serializer):
    period = _ReportablePeriodField(help_text="Id of a reporting period of one of your projects.")


class ValueInput(serializers.Serializer):
    indicator_period = serializers.IntegerField(help_text="A row of the report (its `indicator_period`).")
    value = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40, help_text='As typed, e.g. "1,250" or "37.5".'
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    splits = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=40),
        required=False,
        default=dict,
        help_text='Parts of the value for a disaggregated indicator: {"women": "…", "men": "…"}.',
    )
    cities = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list, help_text="Ids of cities reached."
    )
    countries = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False, default=list, help_text="ISO codes reached."
    )


class SpentInput(serializers.Serializer):
    budget_line = serializers.IntegerField(help_text="A budget line of the grant (its `budget_line`).")
    amount = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=40, help_text='Spent in the period, e.g. "1,250.50".'
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=500, help_text="Required when over budget."
    )


def _api_field(form_field: str) -> str:
    """`value-12` → `values.12`; `value-12-women` → `values.12.splits.women`; `spent-3` → `expenditure.3` (the
    portal's names → the API's)."""
    parts = form_field.split("-")
    if parts[0] == "spent" and len(parts) == 2:
        return f"expenditure.{parts[1]}"
    if parts[0] != "value" or len(parts) < 2:
        return form_field
    return ".".join(["values", parts[1], *(["splits", parts[2]] if len(parts) > 2 else [])])


def _named(refusal: services.ReportInvalid) -> serializers.ValidationError:
    """A refusal of the services, with each message under the API's name of its field."""
    fields = {_api_field(name): messages for name, messages in refusal.errors.items()}
    return serializers.ValidationError({"non_field_errors": [refusal.message], **fields})


class ReportSaveInput(serializers.Serializer):
    """The narrative (kept when left out) and values for some or all of the rows."""

    narrative = serializers.CharField(required=False, allow_blank=True, max_length=50_000)
    values = ValueInput(many=True, required=False)
    expenditure = SpentInput(many=True, required=False, help_text="A financial report's lines.")

    def save_report(self, report: ProgressReport) -> ProgressReport:
        data = self.validated_data
        values = {
            given["indicator_period"]: services.ValueInput(
                value=given["value"],
                comment=given["comment"],
                splits=given["splits"],
                city_ids=given["cities"],
                countries=given["countries"],
            )
            for given in data.get("values", [])
        }
        try:
            return services.report_save(
                report=report,
                user=self.context["request"].user,
                narrative=data.get("narrative", report.narrative),
                values=values,
                expenditure={
                    given["budget_line"]: services.ExpenditureInput(amount=given["amount"], comment=given["comment"])
                    for given in data.get("expenditure", [])
                },
            )
        except services.ReportInvalid as refusal:
            raise _named(refusal) from refusal


class DecisionInput(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5_000, help_text="Required to return a report."
    )


class ReportViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Progress reports on your projects' indicators, one per reporting period (staff: every report)."""

    permission_classes = [permissions.IsAuthenticated, ActPermissions]
    required_permissions = {
        "create": None,  # for a period of the partner's own projects (the input's field)
        **dict.fromkeys(["partial_update", "submit", "evidence"], OWN_ROW),
        "approve": "results.review_progressreport",
        "send_back": "results.review_progressreport",
    }
    filterset_class = ReportFilter
    ordering_fields = ["updated_at", "submitted_at"]
    ordering = ["-updated_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ProgressReport]:
        return (
            selectors.visible_reports(self.request.user)
            .select_related("project", "period")
            .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("pk")))
        )

    def get_serializer_class(self):
        return {
            "retrieve": ReportDetailOutput,
            "create": ReportStartInput,
            "partial_update": ReportSaveInput,
            "approve": DecisionInput,
            "send_back": DecisionInput,
            "evidence": EvidenceInput,
        }.get(self.action, ReportOutput)

    def is_own(self, user, report: ProgressReport) -> bool:
        """A report is written, submitted and backed with evidence by its project's partners."""
        return services.is_reporter(user, report.project)

    def _answer(self, report: ProgressReport, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=report.pk)
        return Response(ReportDetailOutput(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=ReportStartInput, responses={201: ReportDetailOutput})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Start the report of a period (or get the one already started)."""
        start = self.get_serializer(data=request.data)
        start.is_valid(raise_exception=True)
        report = services.report_start(period=start.validated_data["period"], user=request.user)
        return self._answer(report, status.HTTP_201_CREATED)

    @extend_schema(request=ReportSaveInput, responses={200: ReportDetailOutput})
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        """Save a draft or returned report: all the values sent, or none if one is refused."""
        report = self.get_object()
        draft = self.get_serializer(data=request.data)
        draft.is_valid(raise_exception=True)
        return self._answer(draft.save_report(report))

    @extend_schema(request=None, responses={200: ReportDetailOutput})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        """Submit the report for review, once its period has ended; what is missing is said field by field."""
        try:
            report = services.report_submit(report=self.get_object(), user=request.user)
        except services.ReportInvalid as refusal:
            raise _named(refusal) from refusal
        return self._answer(report)

    @extend_schema(request={"multipart/form-data": EvidenceInput}, responses={201: EvidenceOutput})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def evidence(self, request: Request, pk: str) -> Response:
        """Add a file backing your draft or returned report (multipart form data), checked by its content."""
        report = self.get_object()
        upload = self.get_serializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        added = services.evidence_add(
            report=report, user=request.user, upload=data["file"], description=data["description"]
        )
        return Response(EvidenceOutput(added).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionInput, responses={200: ReportDetailOutput})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        """Staff: approve a submitted report; its values count from now on and it may release a tranche."""
        decision = self.get_serializer(data=request.data)
        decision.is_valid(raise_exception=True)
        report = services.report_approve(report=self.get_object(), user=request.user, **decision.validated_data)
        return self._answer(report)

    @extend_schema(request=DecisionInput, responses={200: ReportDetailOutput})
    @action(detail=True, methods=["post"], url_path="return")
    def send_back(self, request: Request, pk: str) -> Response:
        """Staff: return a submitted report to its partners, saying what to fix."""
        decision = self.get_serializer(data=request.data)
        decision.is_valid(raise_exception=True)
        report = services.report_return(report=self.get_object(), user=request.user, **decision.validated_data)
        return self._answer(report)
