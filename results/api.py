"""API of the results framework: corporate indicators with their targets, a project's
results with targets and approved actuals per period, and portfolio progress.

Only values of approved progress reports appear; drafts, submitted and returned reports never do.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django_countries import countries
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import CheckedModelSerializer, staff_editable
from common.api_views import StaffEditableViewSet
from grants.api import ProjectRef
from grants.models import Facility, FundingWindow, Theme

from . import selectors
from .filters import IndicatorFilter
from .models import VALUE_PLACES, Indicator, Outcome, PortfolioTarget


def measure_field(**kwargs) -> serializers.DecimalField:
    """A measured value as a decimal string ("43.00"), in the indicator's unit."""
    return serializers.DecimalField(
        max_digits=None, decimal_places=VALUE_PLACES, coerce_to_string=True, read_only=True, **kwargs
    )


class OutcomeRef(serializers.ModelSerializer):
    class Meta:
        model = Outcome
        fields = ["id", "code", "title"]


class IndicatorRef(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["id", "code", "name", "unit", "currency", "aggregation"]


class PortfolioTargetOutput(serializers.ModelSerializer):
    value = measure_field()

    class Meta:
        model = PortfolioTarget
        fields = ["year", "value", "source"]


class IndicatorOutput(serializers.ModelSerializer):
    outcome = OutcomeRef(read_only=True)
    targets = PortfolioTargetOutput(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "name",
            "definition",
            "outcome",
            "unit",
            "currency",
            "counted",
            "aggregation",
            "disaggregation",
            "ascending",
            "targets",
        ]


class PeriodOutput(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class PeriodValueOutput(serializers.Serializer):
    period = serializers.IntegerField(source="period.pk", help_text="Id of the reporting period.")
    start_date = serializers.DateField(source="period.start_date")
    end_date = serializers.DateField(source="period.end_date")
    target = measure_field(allow_null=True)
    actual = measure_field(allow_null=True, help_text="From the period's approved report; null until approved.")


class ProjectIndicatorOutput(serializers.Serializer):
    id = serializers.IntegerField(source="project_indicator.pk")
    name = serializers.CharField(source="project_indicator.name")
    indicator = IndicatorRef(source="project_indicator.indicator", read_only=True)
    baseline_value = measure_field(source="project_indicator.baseline_value", allow_null=True)
    baseline_date = serializers.DateField(source="project_indicator.baseline_date", allow_null=True)
    target = measure_field(allow_null=True, help_text="Over all periods, by the indicator's aggregation.")
    achieved = measure_field(allow_null=True, help_text="Over all approved periods, by the indicator's aggregation.")
    percent = serializers.IntegerField(allow_null=True, help_text="Achieved as a percentage of the target.")
    places = serializers.ListField(child=serializers.CharField(), help_text="Cities or countries named as reached.")
    periods = PeriodValueOutput(source="cells", many=True)


class ProjectResultOutput(serializers.Serializer):
    id = serializers.IntegerField(source="result.pk")
    title = serializers.CharField(source="result.title")
    description = serializers.CharField(source="result.description")
    type = serializers.IntegerField(source="result.type", help_text="IATI result type code.")
    outcome = OutcomeRef(source="result.outcome", read_only=True)
    indicators = ProjectIndicatorOutput(source="rows", many=True)


class ProjectResultsOutput(serializers.Serializer):
    project = ProjectRef(read_only=True)
    periods = PeriodOutput(source="results.periods", many=True)
    results = ProjectResultOutput(source="results.blocks", many=True)


class ScopeInput(serializers.Serializer):
    """A slice of the portfolio; every parameter left out means all of it."""

    window = serializers.PrimaryKeyRelatedField(
        queryset=FundingWindow.objects.all(), required=False, allow_null=True, help_text="Id of a window."
    )
    facility = serializers.PrimaryKeyRelatedField(
        queryset=Facility.objects.all(), required=False, allow_null=True, help_text="Id of a facility."
    )
    theme = serializers.PrimaryKeyRelatedField(
        queryset=Theme.objects.all(), required=False, allow_null=True, help_text="Id of a theme."
    )
    country = serializers.ChoiceField(
        choices=list(countries), required=False, allow_blank=True, help_text="ISO 3166-1 alpha-2 code."
    )
    donor = serializers.PrimaryKeyRelatedField(
        queryset=selectors.donors(), required=False, allow_null=True, help_text="Id of a donor."
    )

    def scope(self) -> selectors.Scope:
        data = self.validated_data
        return selectors.Scope(
            window=getattr(data.get("window"), "pk", None),
            facility=getattr(data.get("facility"), "pk", None),
            theme=getattr(data.get("theme"), "pk", None),
            country=data.get("country") or "",
            donor=getattr(data.get("donor"), "pk", None),
        )


class YearPointOutput(serializers.Serializer):
    year = serializers.IntegerField()
    in_year = measure_field()
    to_date = measure_field()


class IndicatorProgressOutput(serializers.Serializer):
    indicator = IndicatorRef(read_only=True)
    target = PortfolioTargetOutput(allow_null=True, read_only=True, help_text="The latest portfolio target.")
    achieved = measure_field()
    percent = serializers.IntegerField(allow_null=True, help_text="Achieved as a percentage of the target.")
    trend = YearPointOutput(many=True, help_text="Per year: reached that year, and to date.")
    splits = serializers.DictField(child=measure_field(), help_text="Totals per category of a disaggregation (sex).")


class OutcomeProgressOutput(serializers.Serializer):
    outcome = OutcomeRef(read_only=True)
    indicators = IndicatorProgressOutput(many=True)


class PortfolioProgressOutput(serializers.Serializer):
    outcomes = OutcomeProgressOutput(many=True)


class IndicatorInput(CheckedModelSerializer):
    output_serializer = IndicatorOutput

    class Meta:
        model = Indicator
        fields = [
            "outcome",
            "code",
            "name",
            "definition",
            "unit",
            "currency",
            "counted",
            "aggregation",
            "disaggregation",
            "ascending",
            "order",
        ]


@staff_editable(IndicatorOutput)
class IndicatorViewSet(StaffEditableViewSet):
    """Corporate indicators of the results framework, with their portfolio targets."""

    serializer_class = IndicatorOutput
    input_serializer = IndicatorInput
    filterset_class = IndicatorFilter
    search_fields = ["code", "name"]
    ordering_fields = ["code", "order"]
    ordering = ["code"]

    def get_queryset(self) -> QuerySet[Indicator]:
        return Indicator.objects.select_related("outcome").prefetch_related(
            Prefetch("targets", queryset=PortfolioTarget.objects.order_by("year"))
        )


class PortfolioProgressView(APIView):
    """Progress of the public portfolio on every corporate indicator, for the whole or a slice of it."""

    @extend_schema(parameters=[ScopeInput], responses=PortfolioProgressOutput)
    def get(self, request: Request) -> Response:
        scope = ScopeInput(data=request.query_params)
        scope.is_valid(raise_exception=True)
        outcomes = selectors.portfolio_progress(scope=scope.scope(), public=True)
        return Response(PortfolioProgressOutput({"outcomes": outcomes}).data)
