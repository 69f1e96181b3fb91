"""The results framework's spreadsheet imports (outcomes, indicators, portfolio targets) through the admin:
every refusal a sentence naming the row, the column, the rule and the value given; all rows or none."""

from __future__ import annotations

from decimal import Decimal

import pytest

from results.models import Indicator, Outcome, PortfolioTarget
from tests.admin_imports import confirm, preview, refusals
from tests.factories import IndicatorFactory, OutcomeFactory

pytestmark = pytest.mark.django_db


def test_every_refused_outcome_is_said_in_words_and_none_is_saved(staff_client):
    csv = "code,title,description,order\nO1,Strategies,,1\nO2,,desc,first\n"

    assert refusals(preview(staff_client, Outcome, csv)) == [
        "row 2: order must be a whole number, got “first”.",
        "row 2: title is required, got an empty cell.",
    ]
    assert not Outcome.objects.exists()


def test_every_refused_indicator_is_said_in_words_and_none_is_saved(staff_client):
    OutcomeFactory(code="O1")
    csv = (
        "code,name,outcome,unit,counted,aggregation,disaggregation,ascending\n"
        "I0,Cities,O1,count,cities,cities,,yes\n"
        "I1,Bridges,O9,bridges,people,sum,,perhaps\n"
        "I2,Share,O1,percentage,people,sum,,yes\n"
    )

    assert refusals(preview(staff_client, Indicator, csv)) == [
        "row 2: outcome must be the code of a recorded outcome, got “O9”.",
        "row 2: unit must be one of: count, percentage, amount, yes_no, got “bridges”.",
        "row 2: ascending must be yes or no (or true or false, 1 or 0), got “perhaps”.",
        "row 3: unit “percentage”, aggregation “sum”: Percentages cannot be added up: use Highest or Latest.",
    ]
    assert not Indicator.objects.exists()


def test_every_refused_target_is_said_in_words_and_none_is_saved(staff_client):
    IndicatorFactory(code="P1")
    csv = "indicator,year,value,source\nP1,2021,10,\nNOPE,2022,100,\nP1,twenty,abc,\nP1,2022.5,10,\n"

    assert refusals(preview(staff_client, PortfolioTarget, csv)) == [
        "row 2: indicator must be the code of a recorded indicator, got “NOPE”.",
        "row 3: year must be a whole number, got “twenty”.",
        "row 3: value must be a number written with a dot for decimals and no thousands separator, got “abc”.",
        "row 4: year must be a whole number, got “2022.5”.",
    ]
    assert not PortfolioTarget.objects.exists()


def test_targets_load_once_every_row_is_accepted(staff_client):
    people = IndicatorFactory(code="P1")

    confirm(
        staff_client, PortfolioTarget, preview(staff_client, PortfolioTarget, "indicator,year,value\nP1,2025,20000\n")
    )

    assert list(people.targets.values_list("year", "value")) == [(2025, Decimal("20000.00"))]
