"""Spreadsheet import and export (CSV, XLSX) of the corporate results framework.

Rows are matched by code (and by indicator code and year for targets), so loading the same
sheet twice updates the framework instead of adding it again. A column left out of a sheet
keeps what is stored.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from import_export import fields, widgets

from common.resources import CheckedModelResource

from .models import Aggregation, Counted, Disaggregation, Indicator, Outcome, PortfolioTarget, Unit


class ChoiceWidget(widgets.Widget):
    """Reads a choice by its stored value or by its label, in any case; writes the stored value."""

    def __init__(self, choices: type[models.TextChoices], **kwargs) -> None:
        super().__init__(**kwargs)
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip().lower()
        for choice in self.choices:
            if text in (choice.value.lower(), str(choice.label).lower()):
                return choice.value
        raise ValueError(
            _("“%(value)s” is not one of: %(allowed)s.")
            % {"value": value or "", "allowed": ", ".join(choice.value or '""' for choice in self.choices)}
        )

    def render(self, value, obj=None, **kwargs):
        return value or ""


def choice_field(name: str, choices: type[models.TextChoices]) -> fields.Field:
    return fields.Field(column_name=name, attribute=name, widget=ChoiceWidget(choices))


class OutcomeResource(CheckedModelResource):
    class Meta:
        model = Outcome
        import_id_fields = ["code"]
        fields = ["code", "title", "description", "order"]
        skip_unchanged = True


class IndicatorResource(CheckedModelResource):
    outcome = fields.Field(column_name="outcome", attribute="outcome", widget=widgets.ForeignKeyWidget(Outcome, "code"))
    unit = choice_field("unit", Unit)
    counted = choice_field("counted", Counted)
    aggregation = choice_field("aggregation", Aggregation)
    disaggregation = choice_field("disaggregation", Disaggregation)

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
    indicator = fields.Field(
        column_name="indicator", attribute="indicator", widget=widgets.ForeignKeyWidget(Indicator, "code")
    )

    class Meta:
        model = PortfolioTarget
        import_id_fields = ["indicator", "year"]
        fields = ["indicator", "year", "value", "source"]
        skip_unchanged = True
