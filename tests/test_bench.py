from __future__ import annotations

import contextlib
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from results.management.commands import bench
from results.models import ProgressReport, ReportStatus

pytestmark = pytest.mark.django_db


def test_every_scenario_is_timed_with_its_query_count():
    seeded = bench.seed_benchmark(projects=3, seed=4, runs=2, warmup=1)

    measured = dict(bench.run_scenarios(bench.SCENARIOS, seeded, runs=2, warmup=1))

    assert [m.scenario for m in measured.values()] == [scenario.name for scenario in bench.SCENARIOS]
    for scenario, m in measured.items():
        assert m.status == "ok", (scenario.name, m.note)
        assert m.runs == 2
        assert 0 < m.median_ms <= m.p95_ms <= m.max_ms
        assert m.queries > 0 and m.queries_constant is not None
        assert bench.verdict(scenario, m) in (None, "PASS", "FAIL")
    assert ProgressReport.objects.filter(status=ReportStatus.APPROVED, pk__in=seeded.reports_to_approve).count() == 3


def test_a_scenario_that_fails_is_reported_and_the_others_still_run():
    seeded = bench.seed_benchmark(projects=2, seed=4, runs=1, warmup=0)

    def broken(seeded):
        raise RuntimeError("boom")

    def missing(seeded):
        raise bench.Unavailable("no such page")

    scenarios = [
        bench.Scenario("broken", "fails", broken, bench.Target(constant_queries=True)),
        bench.Scenario("missing", "not there", missing, bench.Target(median_ms=30)),
        bench.SCENARIOS[0],
    ]
    measured = bench.run_scenarios(scenarios, seeded, runs=1, warmup=0)

    assert [(m.status, bench.verdict(s, m)) for s, m in measured] == [
        ("error", "FAIL"),
        ("not available", "N/A"),
        ("ok", "PASS"),
    ]


def test_the_command_writes_every_scenario_and_the_machine_to_json(tmp_path, monkeypatch, capsys):
    # The test database is already a throw-away one: creating another inside a test is not possible.
    monkeypatch.setattr(bench, "throwaway_database", contextlib.nullcontext)
    output = tmp_path / "bench" / "results.json"

    call_command("bench", projects=3, runs=2, warmup=1, output=output)

    report = json.loads(output.read_text())
    assert {s["scenario"] for s in report["scenarios"]} == {scenario.name for scenario in bench.SCENARIOS}
    assert all({"median_ms", "p95_ms", "max_ms", "queries", "queries_constant"} <= set(s) for s in report["scenarios"])
    assert report["machine"]["cpu_count"] and report["machine"]["database"]["vendor"]
    assert report["sizes"]["projects"] == 3 and report["sizes"]["values"] == 3 * 3 * 3 * 8
    assert {t["scenario"] for t in report["targets"]} >= {"project_results", "portfolio", "report_approve"}
    out = capsys.readouterr()
    assert "report_approve" in out.out and "Targets" in out.out
    assert ("not PostgreSQL" in out.err) == (connection.vendor != "postgresql")


@pytest.mark.parametrize(
    ("options", "message"),
    [({"runs": 0}, "--runs"), ({"warmup": -1}, "--warmup"), ({"projects": 7, "runs": 50, "warmup": 5}, "--projects")],
)
def test_the_command_refuses_sizes_it_cannot_run_before_creating_any_database(options, message, monkeypatch):
    def refuse():
        raise AssertionError("no database should be created")

    monkeypatch.setattr(bench, "throwaway_database", refuse)

    with pytest.raises(CommandError, match=message):
        call_command("bench", **options)
