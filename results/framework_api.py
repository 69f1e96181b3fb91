"""A project's results framework through the API: anyone who sees the project reads it; secretariat
staff define its results with their indicators, plan its reporting periods and set their targets."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ActPermissions
from grants.models import Project
from grants.selectors import visible_projects

from . import selectors, services
from .api import ProjectResultsOutput
from .models import VALUE_DIGITS, VALUE_PLACES, Indicator, Outcome, ReportingPeriod, ResultType

PROJECT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Id of a project.")
PERIOD_ID = OpenApiParameter("period", int, OpenApiParameter.PATH, description="Id of one of its reporting periods.")


def measure_input(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES, coerce_to_string=True, min_value=0, **kwargs
    )


class IndicatorSpecInput(serializers.Serializer):
    indicator = serializers.PrimaryKeyRelatedField(queryset=Indicator.objects.all(), help_text="A corporate indicator.")
    baseline_value = measure_input(required=False, allow_null=True)
    baseline_date = serializers.DateField(required=False, allow_null=True, help_text="When the baseline was measured.")
    title = serializers.CharField(
        max_length=250, required=False, allow_blank=True, default="", help_text="The project's own wording, if any."
    )


class ResultInput(serializers.Serializer):
    outcome = serializers.PrimaryKeyRelatedField(queryset=Outcome.objects.all(), help_text="A corporate outcome.")
    title = serializers.CharField(max_length=250)
    type = serializers.ChoiceField(choices=ResultType.choices, default=ResultType.OUTCOME)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=20_000)
    indicators = IndicatorSpecInput(many=True, required=False, default=list)

    def define(self, project: Project) -> None:
        data = self.validated_data
        services.project_result_define(
            project=project,
            outcome=data["outcome"],
            title=data["title"],
            type=data["type"],
            description=data["description"],
            indicators=[services.IndicatorSpec(**spec) for spec in data["indicators"]],
        )


class TargetInput(serializers.Serializer):
    project_indicator = serializers.IntegerField(help_text="Id of one of the project's indicators.")
    target = measure_input(allow_null=True)


class TargetsInput(serializers.Serializer):
    targets = TargetInput(many=True)

    def targets_by_indicator(self) -> dict:
        return {row["project_indicator"]: row["target"] for row in self.validated_data["targets"]}


class PeriodInput(TargetsInput):
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    due_date = serializers.DateField(help_text="When the progress report is due; on or after the end.")
    targets = TargetInput(many=True, required=False, default=list)

    def plan(self, project: Project) -> None:
        data = self.validated_data
        services.reporting_period_plan(
            project=project,
            start_date=data["start_date"],
            end_date=data["end_date"],
            due_date=data["due_date"],
            targets=self.targets_by_indicator(),
        )


def _framework(project: Project, answer: int = status.HTTP_200_OK) -> Response:
    results = selectors.project_results(project)
    return Response(ProjectResultsOutput({"project": project, "results": results}).data, status=answer)


class ProjectResultsView(APIView):
    """A project's results: its indicators with the target and the approved actual of each period."""

    permission_classes = [ActPermissions]
    required_permissions = {"post": "results.add_projectresult"}

    @extend_schema(parameters=[PROJECT_ID], responses=ProjectResultsOutput)
    def get(self, request: Request, pk: str) -> Response:
        return _framework(get_object_or_404(visible_projects(request.user), pk=pk))

    @extend_schema(parameters=[PROJECT_ID], request=ResultInput, responses={201: ProjectResultsOutput})
    def post(self, request: Request, pk: str) -> Response:
        """Staff: add a result under a corporate outcome, with the corporate indicators that measure it."""
        project = get_object_or_404(visible_projects(request.user), pk=pk)
        result = ResultInput(data=request.data)
        result.is_valid(raise_exception=True)
        result.define(project)
        return _framework(project, status.HTTP_201_CREATED)


class ProjectPeriodsView(APIView):
    permission_classes = [ActPermissions]
    required_permissions = {"post": "results.add_reportingperiod"}

    @extend_schema(parameters=[PROJECT_ID], request=PeriodInput, responses={201: ProjectResultsOutput})
    def post(self, request: Request, pk: str) -> Response:
        """Staff: plan a reporting period of the project, with its indicators' targets."""
        project = get_object_or_404(visible_projects(request.user), pk=pk)
        period = PeriodInput(data=request.data)
        period.is_valid(raise_exception=True)
        period.plan(project)
        return _framework(project, status.HTTP_201_CREATED)


class PeriodTargetsView(APIView):
    permission_classes = [ActPermissions]
    required_permissions = {"put": "results.change_indicatorperiod"}

    @extend_schema(parameters=[PROJECT_ID, PERIOD_ID], request=TargetsInput, responses=ProjectResultsOutput)
    def put(self, request: Request, pk: str, period: str) -> Response:
        """Staff: set the targets of a period; indicators left out keep theirs."""
        project = get_object_or_404(visible_projects(request.user), pk=pk)
        reporting_period = get_object_or_404(ReportingPeriod.objects.filter(project=project), pk=period)
        targets = TargetsInput(data=request.data)
        targets.is_valid(raise_exception=True)
        services.period_targets_set(period=reporting_period, targets=targets.targets_by_indicator())
        return _framework(project)
