"""Secretariat staff set up a project's results framework through the API: results under corporate
outcomes with the indicators that measure them, reporting periods and their targets. A refused change
writes nothing; nobody else changes it, and everyone who sees the project reads it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from results.models import IndicatorPeriod, ProjectIndicator, ProjectResult, ReportingPeriod
from tests.factories import IndicatorFactory, OutcomeFactory, PartnerUserFactory, ProjectFactory, StaffFactory

API = "/api/v1"


@pytest.fixture
def framework(db):
    """A public project running 2030-2031 with no results yet, and two corporate indicators of one outcome."""
    outcome = OutcomeFactory(code="OC-1", title="Urban governance strengthened")
    return {
        "project": ProjectFactory(code="CP-NEW", start_date="2030-01-01", end_date="2031-12-31", is_public=True),
        "outcome": outcome,
        "people": IndicatorFactory(outcome=outcome, code="IMP-1", name="People reached"),
        "plans": IndicatorFactory(outcome=outcome, code="OUT-2", name="Plans adopted"),
    }


def define(api, framework, **changes):
    payload = {
        "outcome": framework["outcome"].pk,
        "title": "Slums upgraded with their residents",
        "type": 2,
        "indicators": [
            {"indicator": framework["people"].pk, "baseline_value": "0", "baseline_date": "2029-12-31"},
            {"indicator": framework["plans"].pk, "title": "City plans adopted by the council"},
        ],
        **changes,
    }
    return api.post(f"{API}/projects/{framework['project'].pk}/results/", payload, format="json")


def plan(api, project, **changes):
    payload = {"start_date": "2030-01-01", "end_date": "2030-12-31", "due_date": "2031-01-31", **changes}
    return api.post(f"{API}/projects/{project.pk}/periods/", payload, format="json")


def test_staff_define_a_result_plan_a_period_and_set_its_targets(api, framework):
    api.force_authenticate(StaffFactory())
    project_url = f"{API}/projects/{framework['project'].pk}"

    defined = define(api, framework)
    people, plans = ProjectIndicator.objects.filter(project=framework["project"]).order_by("order")
    planned = plan(api, framework["project"], targets=[{"project_indicator": people.pk, "target": "5000"}])
    period = ReportingPeriod.objects.get(project=framework["project"])
    retargeted = api.put(
        f"{project_url}/periods/{period.pk}/targets/",
        {"targets": [{"project_indicator": plans.pk, "target": "2"}]},
        format="json",
    )
    api.force_authenticate(None)
    read = api.get(f"{project_url}/results/")

    assert defined.status_code == 201, defined.json()
    [result] = defined.json()["results"]
    assert (result["title"], result["type"], result["outcome"]["code"]) == (
        "Slums upgraded with their residents",
        2,
        "OC-1",
    )
    assert [i["name"] for i in result["indicators"]] == ["People reached", "City plans adopted by the council"]
    assert result["indicators"][0]["baseline_value"] == "0.00"
    assert planned.status_code == 201
    assert planned.json()["periods"] == [{"id": period.pk, "start_date": "2030-01-01", "end_date": "2030-12-31"}]
    assert retargeted.status_code == 200
    targets = {row.project_indicator_id: row.target_value for row in IndicatorPeriod.objects.filter(period=period)}
    assert targets == {people.pk: Decimal("5000"), plans.pk: Decimal("2")}  # the first target kept
    assert read.status_code == 200 and read.json() == retargeted.json()


def test_a_refused_result_or_period_writes_nothing_and_says_which_field(api, framework):
    api.force_authenticate(StaffFactory())
    people = {"indicator": framework["people"].pk}

    twice = define(api, framework, indicators=[people, people])
    undated = define(api, framework, indicators=[{**people, "baseline_value": "10"}])
    negative = plan(api, framework["project"], targets=[{"project_indicator": 1, "target": "-5"}])
    outside = plan(api, framework["project"], start_date="2032-01-01", end_date="2032-12-31", due_date="2033-01-31")

    assert twice.status_code == 400
    assert twice.json()["error"]["fields"] == {
        "indicators.1": ["The project already measures this corporate indicator."]
    }
    assert undated.status_code == 400 and undated.json()["error"]["fields"] == {
        "indicators.0": ["A baseline needs the date it was measured."]
    }
    assert negative.status_code == 400 and set(negative.json()["error"]["fields"]) == {"targets.0.target"}
    assert outside.status_code == 400 and outside.json()["error"]["message"]
    assert not ProjectResult.objects.exists() and not ProjectIndicator.objects.exists()
    assert not ReportingPeriod.objects.exists()


def test_a_target_for_another_projects_indicator_is_refused_with_its_period(api, framework):
    api.force_authenticate(StaffFactory())
    define(api, framework)
    other = ProjectFactory(code="CP-OTHER", start_date="2030-01-01", end_date="2031-12-31")
    api.post(
        f"{API}/projects/{other.pk}/results/", {"outcome": framework["outcome"].pk, "title": "Other"}, format="json"
    )
    foreign = ProjectIndicator.objects.filter(project=framework["project"]).first()

    response = plan(api, other, targets=[{"project_indicator": foreign.pk, "target": "5"}])

    assert response.status_code == 400
    assert response.json()["error"]["message"].endswith("That indicator is not measured by this project.")
    assert not ReportingPeriod.objects.filter(project=other).exists()


def test_only_staff_change_a_framework_and_a_hidden_project_stays_unknown(api, framework):
    hidden = ProjectFactory(code="SECRET", is_public=False)
    api.force_authenticate(PartnerUserFactory())
    partner = define(api, framework)
    partner_period = plan(api, framework["project"])
    api.force_authenticate(None)
    anonymous = define(api, framework)

    assert partner.status_code == partner_period.status_code == 403
    assert anonymous.status_code == 401
    assert api.get(f"{API}/projects/{framework['project'].pk}/results/").status_code == 200
    assert api.get(f"{API}/projects/{hidden.pk}/results/").status_code == 404
    assert not ProjectResult.objects.exists() and not ReportingPeriod.objects.exists()
