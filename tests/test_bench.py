from __future__ import annotations

import contextlib
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from devtools.bench import donors as donors_bench
from devtools.bench import harness
from devtools.bench import opendata as opendata_bench
from devtools.bench import results as results_bench
from devtools.bench import scale as scale_bench
from grants.models import Transaction
from results.models import ProgressReport, ReportStatus

pytestmark = pytest.mark.django_db


def _same_database(*, seeded_before: bool):
    """The test's own database in place of the throw-away one; `seeded_before`: as a kept one that holds a
    portfolio."""
    return lambda suite, keep=False: contextlib.nullcontext(keep and seeded_before)


def test_every_scenario_is_timed_with_its_query_count():
    seeded = results_bench.seed_benchmark(projects=3, seed=4, runs=2, warmup=1)

    measured = dict(harness.run_scenarios(results_bench.SCENARIOS, seeded, runs=2, warmup=1))

    assert [m.scenario for m in measured.values()] == [scenario.name for scenario in results_bench.SCENARIOS]
    for scenario, m in measured.items():
        assert m.status == "ok", (scenario.name, m.note)
        assert m.runs == 2
        assert 0 < m.median_ms <= m.p95_ms <= m.max_ms
        assert m.queries > 0 and m.queries_constant is not None
        assert harness.verdict(scenario, m) in (None, "PASS", "FAIL")
    assert ProgressReport.objects.filter(status=ReportStatus.APPROVED, pk__in=seeded.reports_to_approve).count() == 3


def test_a_scenario_that_fails_is_reported_and_the_others_still_run():
    seeded = results_bench.seed_benchmark(projects=2, seed=4, runs=1, warmup=0)

    def broken(seeded):
        raise RuntimeError("boom")

    def missing(seeded):
        raise harness.Unavailable("no such page")

    # The working scenario's target counts queries only: how fast one run is depends on the machine's load.
    working = results_bench.SCENARIOS[0]
    scenarios = [
        harness.Scenario("broken", "fails", broken, harness.Target(constant_queries=True)),
        harness.Scenario("missing", "not there", missing, harness.Target(median_ms=30)),
        harness.Scenario(working.name, working.description, working.prepare, harness.Target(constant_queries=True)),
    ]
    measured = harness.run_scenarios(scenarios, seeded, runs=1, warmup=0)

    assert [(m.status, harness.verdict(s, m)) for s, m in measured] == [
        ("error", "FAIL"),
        ("not available", "N/A"),
        ("ok", "PASS"),
    ]


@pytest.mark.parametrize(
    ("median_ms", "p95_ms", "queries", "constant", "expected"),
    [
        (29.0, 45.0, 12, True, "PASS"),
        (30.0, 45.0, 12, True, "FAIL"),  # the median must be under its target
        (29.0, 50.0, 12, True, "FAIL"),
        (29.0, 45.0, 13, True, "FAIL"),
        (29.0, 45.0, 12, False, "FAIL"),
    ],
)
def test_a_measurement_passes_only_when_it_meets_every_part_of_its_target(
    median_ms, p95_ms, queries, constant, expected
):
    """The comparison with a target, on given figures: the suite never judges a time it measured itself."""
    scenario = harness.Scenario(
        "page", "a page", lambda seeded: None, harness.Target(30, 50, 12, constant_queries=True)
    )
    measured = harness.Measurement(
        "page",
        "a page",
        runs=5,
        median_ms=median_ms,
        p95_ms=p95_ms,
        max_ms=60.0,
        queries=queries,
        queries_constant=constant,
    )

    assert harness.verdict(scenario, measured) == expected


@pytest.mark.parametrize(
    ("median_ms", "floor_ms", "growth_mb", "expected"),
    [
        (90.0, 30.0, 10.0, "PASS"),  # three times its floor
        (91.0, 30.0, 10.0, "FAIL"),
        (60.0, 9.9, 10.0, "PASS"),  # a floor under 10 ms: the page's time is Django's, the time targets judge it
        (60.0, None, 10.0, "PASS"),  # no query (figures kept): no floor
        (90.0, 30.0, 100.0, "FAIL"),  # memory grew by as much as the target allows
        (90.0, 30.0, None, "FAIL"),  # memory not measured
    ],
)
def test_a_page_passes_only_within_its_floors_ratio_and_its_memory_growth(median_ms, floor_ms, growth_mb, expected):
    target = harness.Target(p95_ms=300, floor_ratio=3, max_memory_growth_mb=100)
    scenario = harness.Scenario("page", "a page", lambda seeded: None, target)
    measured = harness.Measurement(
        "page", "a page", runs=5, median_ms=median_ms, p95_ms=median_ms, max_ms=median_ms, queries=4
    )
    measured.floor_ms, measured.rss_growth_mb = floor_ms, growth_mb

    assert harness.verdict(scenario, measured) == expected
    assert str(target) == (
        "95th percentile under 300 ms, median within 3x a floor of 10 ms or more, memory grows under 100 MB"
    )


def test_each_suite_is_seeded_in_a_database_of_its_own_never_the_configured_one():
    names = {suite: harness.throwaway_name(suite, "citiesalliance") for suite in ("scale", "donors", "results")}

    assert len(set(names.values())) == 3
    assert "citiesalliance" not in names.values()
    assert names["scale"] == "bench_scale_citiesalliance"


def test_the_command_writes_every_scenario_and_the_machine_to_json(tmp_path, monkeypatch, capsys):
    # The test database is already a throw-away one: creating another inside a test is not possible.
    monkeypatch.setattr(harness, "throwaway_database", _same_database(seeded_before=False))
    output = tmp_path / "bench" / "results.json"

    call_command("bench", suite="results", projects=3, runs=2, warmup=1, output=output)

    report = json.loads(output.read_text())
    assert list(report["suites"]) == ["results"]
    section = report["suites"]["results"]
    assert {s["scenario"] for s in section["scenarios"]} == {scenario.name for scenario in results_bench.SCENARIOS}
    assert all({"median_ms", "p95_ms", "max_ms", "queries", "queries_constant"} <= set(s) for s in section["scenarios"])
    assert report["machine"]["cpu_count"] and report["machine"]["database"]["vendor"]
    assert section["sizes"]["projects"] == 3 and section["sizes"]["values"] == 3 * 3 * 3 * 8
    assert {t["scenario"] for t in section["targets"]} >= {"project_results", "portfolio", "report_approve"}
    out = capsys.readouterr()
    assert "report_approve" in out.out and "Targets" in out.out
    assert ("not PostgreSQL" in out.err) == (connection.vendor != "postgresql")


@pytest.mark.parametrize(
    ("options", "message"),
    [({"runs": 0}, "--runs"), ({"warmup": -1}, "--warmup"), ({"projects": 7, "runs": 50, "warmup": 5}, "--projects")],
)
def test_the_command_refuses_sizes_it_cannot_run_before_creating_any_database(options, message, monkeypatch):
    def refuse(*_, **__):
        raise AssertionError("no database should be created")

    monkeypatch.setattr(harness, "throwaway_database", refuse)

    with pytest.raises(CommandError, match=message):
        call_command("bench", **options)


def test_the_donors_suite_times_the_donor_pages_the_report_and_the_application_lists(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(harness, "throwaway_database", _same_database(seeded_before=False))
    output = tmp_path / "results.json"

    # One warm-up, as the bench's own default has: a dashboard's first visit computes the figures it then keeps.
    call_command("bench", suite="donors", donor_projects=20, applications=60, runs=2, warmup=1, output=output)

    section = json.loads(output.read_text())["suites"]["donors"]
    measured = {s["scenario"]: s for s in section["scenarios"]}
    assert list(measured) == [scenario.name for scenario in donors_bench.SCENARIOS]
    assert all(s["status"] == "ok" and s["runs"] == 2 for s in measured.values()), measured
    assert "pages" in measured["donor_report_pdf"]["note"]
    sizes = section["sizes"]
    assert sizes["projects"] == 20 and sizes["applications"] == 60 and sizes["busiest_partner_applications"] == 50
    assert sizes["major_donor_projects"] > sizes["small_donor_projects"] >= 1
    assert sizes["transactions"] == Transaction.objects.count() and sizes["reported_values"] > 0
    results = {t["scenario"]: t["result"] for t in section["targets"]}
    assert set(results) == {s.name for s in donors_bench.SCENARIOS if s.target}
    assert set(results.values()) <= {"PASS", "FAIL"}
    # A donor funding few projects gets its dashboard in as many queries as the major donor.
    assert results["donor_dashboard_small"] == "PASS"
    assert measured["donor_dashboard"]["queries_constant"] and measured["donor_projects"]["queries_constant"]
    assert "Targets (donors, load" in capsys.readouterr().out


def test_the_donors_suite_refuses_sizes_it_cannot_run(monkeypatch):
    monkeypatch.setattr(harness, "throwaway_database", lambda *_, **__: pytest.fail("no database should be created"))

    with pytest.raises(CommandError, match="--donor-projects"):
        call_command("bench", suite="donors", donor_projects=1)


def test_the_open_data_suite_times_the_api_lists_and_the_iati_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(harness, "throwaway_database", _same_database(seeded_before=False))
    output = tmp_path / "results.json"

    call_command("bench", suite="opendata", donor_projects=20, runs=2, warmup=0, output=output)

    section = json.loads(output.read_text())["suites"]["opendata"]
    measured = {s["scenario"]: s for s in section["scenarios"]}
    assert list(measured) == [scenario.name for scenario in opendata_bench.SCENARIOS]
    assert all(s["status"] == "ok" and s["queries_constant"] for s in measured.values()), measured
    assert re.search(r"peak Python memory while writing it [\d.]+ MB", measured["iati_activities"]["note"])
    assert section["sizes"]["projects"] == 20 and section["sizes"]["projects_with_results"] == 2
    assert "Targets (opendata, load" in capsys.readouterr().out
    with pytest.raises(CommandError, match="--donor-projects"):
        call_command("bench", suite="opendata", donor_projects=5)


def test_the_scale_suite_times_every_page_with_its_floor_queries_and_memory(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(harness, "throwaway_database", _same_database(seeded_before=False))
    output = tmp_path / "results.json"
    output.write_text(json.dumps({"suites": {"results": {"sizes": {"projects": 200}}}}))

    call_command("bench", suite="scale", projects=30, runs=2, warmup=1, output=output)

    report = json.loads(output.read_text())
    assert report["suites"]["results"] == {"sizes": {"projects": 200}}, "a section run before stays"
    section = report["suites"]["scale"]
    measured = {s["scenario"]: s for s in section["scenarios"]}
    assert list(measured) == [scenario.name for scenario in scale_bench.SCENARIOS]
    for name, figures in measured.items():
        assert figures["status"] == "ok", (name, figures["note"])
        assert 0 < figures["median_ms"] <= figures["p95_ms"] <= figures["max_ms"], name
        assert figures["queries_constant"] is not None and figures["peak_rss_mb"] > 0, name
        if figures["queries"] == 0:  # served from figures kept in the cache: no query to floor
            assert name in {"home", "results_page"} and figures["floor_ms"] is None, name
            continue
        assert figures["floor_ms"] > 0 and figures["floor_sql"].upper().lstrip().startswith(("SELECT", "WITH")), name
        assert figures["page_over_floor"] > 0, name
    assert measured["iati_file"]["runs"] == 1 and measured["donor_report_pdf"]["runs"] == 2
    assert measured["report_approve"]["runs"] == 2
    sizes = section["sizes"]
    assert sizes["projects"] == 30 and sizes["indicator_values"] == 300 and sizes["applications"] == 30
    assert sizes["donors"] == 2 and 400 <= sizes["transactions"] <= 800  # about 20 a project
    assert sizes["pdf_donor_projects"] == 30 and sizes["major_donor_projects"] >= sizes["small_donor_projects"]
    assert {"portfolio", "results", "applications", "total"} <= set(section["seeding_seconds"])
    assert section["machine"]["cpu_count"] and section["settings"]["projects"] == 30
    targets = {target["scenario"]: target for target in section["targets"]}
    assert list(targets) == list(measured), "every scenario is judged against the issue's targets"
    assert all(target["result"] in ("PASS", "FAIL") for target in targets.values())
    assert "within 3x a floor" in targets["donor_projects_major"]["target"]
    assert "memory grows under 100 MB" in targets["iati_file"]["target"]
    assert targets["disbursement_record"]["target"] == "95th percentile under 50 ms, same query count on every run"
    out = capsys.readouterr().out
    assert "scale: home median" in out and "peak RSS" in out

    call_command("bench_table", input=output)

    table = capsys.readouterr().out
    assert "| scenario | median ms | p95 ms | floor ms | page / floor |" in table
    assert all(f"| {name} |" in table for name in measured) and "30 projects" in table


def test_the_scale_suite_refuses_sizes_it_cannot_run(monkeypatch):
    monkeypatch.setattr(harness, "throwaway_database", lambda *_, **__: pytest.fail("no database should be created"))

    with pytest.raises(CommandError, match="--transactions"):
        call_command("bench", suite="scale", projects=100, transactions=100)
    with pytest.raises(CommandError, match="--donors"):
        call_command("bench", suite="scale", projects=100, donors=1)


def test_a_kept_scale_database_is_timed_again_without_seeding_for_the_scenarios_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(harness, "throwaway_database", _same_database(seeded_before=False))
    output = tmp_path / "results.json"
    call_command("bench", suite="scale", projects=12, runs=1, warmup=0, scenario=["home"], output=output)
    transactions = Transaction.objects.count()
    monkeypatch.setattr(harness, "throwaway_database", _same_database(seeded_before=True))

    call_command(
        "bench",
        suite="scale",
        projects=12,
        runs=2,
        warmup=0,
        scenario=["project_page"],
        keep_database=True,
        output=output,
    )

    section = json.loads(output.read_text())["suites"]["scale"]
    assert [s["scenario"] for s in section["scenarios"]] == ["project_page"]
    assert section["scenarios"][0]["status"] == "ok" and section["scenarios"][0]["runs"] == 2
    assert section["sizes"]["projects"] == 12 and section["seeding_seconds"] == {}
    assert Transaction.objects.count() == transactions, "nothing was seeded again"
    with pytest.raises(CommandError, match="No such scenario: homepage"):
        call_command("bench", suite="scale", projects=12, scenario=["homepage"], output=output)
