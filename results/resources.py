"""Spreadsheet import and export (CSV, XLSX) of the corporate results framework.

Rows are matched by code (and by indicator code and year for targets), so loading the same
sheet twice updates the framework instead of adding it again. A column left out of a sheet
keeps what is stored.
"""

from __future__ import annotations

from import_export import fields

from common.import_widgets import ForeignKeyWidget
from common.resources import CheckedModelResource

from .models import Indicator, Outcome, PortfolioTarget


class OutcomeResource(CheckedModelResource):
    class Meta:
        model = Outcome
        import_id_fields = ["code"]
        fields = ["code", "title", "description", "order"]
        skip_unchanged = True


class IndicatorResource(CheckedModelResource):
    outcome = fields.Field(column_name="outcome", attribute="outcome", widget=ForeignKeyWidget(Outcome, "code"))

    class Meta:
        model = Indicator
        import_id_fields = ["code"]
        fields = [
            "code",
            "name",
            "outcome",
            "definition",
            "unit",
            "currency",
            "counted",
            "aggregation",
            "disaggregation",
            "ascending",
            "order",
        ]
        skip_unchanged = True


class PortfolioTargetResource(CheckedModelResource):
    indicator = fields.Field(column_name="indicator", attribute="indicator", widget=ForeignKeyWidget(Indicator, "code"))

    class Meta:
        model = PortfolioTarget
        import_id_fields = ["indicator", "year"]
        fields = ["indicator", "year", "value", "source"]
        skip_unchanged = True
