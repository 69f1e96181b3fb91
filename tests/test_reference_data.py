"""The reference data a real deployment starts from, loaded by a production command of its own."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from grants.models import Contribution, ExchangeRate, Facility, FundingWindow, Project, Theme
from members.models import Constituency, GoverningBody, Organisation
from results.management.commands.load_reference_data import REFERENCE_MODELS
from results.models import Indicator, Outcome, PortfolioTarget

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, list[dict]]:
    return {model.__name__: [model_to_dict(row) for row in model.objects.order_by("pk")] for model in REFERENCE_MODELS}


def test_the_command_loads_the_partnerships_structure_and_results_framework_on_an_empty_database(capsys):
    call_command("load_reference_data")

    assert "Reference data loaded: 6 constituencies" in capsys.readouterr().out
    assert Constituency.objects.count() == 6
    bodies = set(GoverningBody.objects.values_list("name", "seat_count"))
    assert bodies == {("Assembly", None), ("Management Board", 12)}
    assert list(FundingWindow.objects.order_by("order").values_list("name", flat=True)) == [
        "Country/City Window",
        "Global Window",
    ]
    assert Facility.objects.count() == 5 and Theme.objects.count() == 4
    assert Outcome.objects.count() == 5 and Indicator.objects.count() == 15
    target = PortfolioTarget.objects.get(indicator__code="LPS-1")
    assert (target.year, target.value) == (2017, 43)
    # Nothing invented: no organisation, agreement, project or rate comes with it.
    assert not Organisation.objects.exists() and not Contribution.objects.exists()
    assert not Project.objects.exists() and not ExchangeRate.objects.exists()


def test_running_the_command_twice_changes_nothing(capsys):
    call_command("load_reference_data")
    loaded = _snapshot()
    capsys.readouterr()

    call_command("load_reference_data")

    assert "already loaded; nothing was added" in capsys.readouterr().out
    assert _snapshot() == loaded


def test_the_command_brings_an_edited_row_back_to_the_published_text():
    call_command("load_reference_data")
    Facility.objects.filter(code="innovation-fund").update(name="Renamed")

    call_command("load_reference_data")

    assert Facility.objects.get(code="innovation-fund").name == "Innovation Fund"


def test_the_demo_loads_the_reference_data_first(capsys):
    call_command("load_demo")

    assert "Reference data loaded" in capsys.readouterr().out
    assert Constituency.objects.count() == 6 and Indicator.objects.count() == 15
    assert Project.objects.filter(is_demo=True).exists()
