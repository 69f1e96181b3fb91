"""`manage.py bench`: seed throw-away databases and time the suites of `devtools.bench` (see its harness)."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from devtools.bench import DEFAULT_SUITES, harness, suites
from devtools.bench.harness import Measurement, Options, Scenario, Suite, run_scenarios


class Command(BaseCommand):
    help = (
        "Seed throw-away databases with synthetic portfolios, time the results, donor and application pages, "
        "selectors, services and the donor report PDF, and write the figures to a JSON file. The configured "
        "database is never touched."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--suite",
            choices=[*suites(), "all"],
            default="all",
            help=f"The suite to run, each on a database of its own (default all: {', '.join(DEFAULT_SUITES)}).",
        )
        parser.add_argument(
            "--projects",
            type=int,
            help="Projects of the results suite (default 200) and of the scale suite (default 50,000).",
        )
        parser.add_argument(
            "--donor-projects",
            type=int,
            default=5000,
            help="Projects of the donors and open data suites (default 5000).",
        )
        parser.add_argument(
            "--applications",
            type=int,
            help="Applications of the donors suite (default 5000) and of the scale suite (default one a project).",
        )
        parser.add_argument(
            "--transactions", type=int, help="Transactions of the scale suite, about (default 20 a project)."
        )
        parser.add_argument(
            "--indicator-values",
            type=int,
            help="Reported indicator values of the scale suite (default 10 a project).",
        )
        parser.add_argument(
            "--donors", type=int, help="Donors of the scale suite (default one for every 250 projects, at least 2)."
        )
        parser.add_argument(
            "--scenario",
            action="append",
            dest="scenarios",
            metavar="NAME",
            help="Time only this scenario of the suite (repeatable; default every one).",
        )
        parser.add_argument(
            "--keep-database",
            action="store_true",
            help="Keep each suite's database (bench_<suite>_<database>, PostgreSQL only) after the run; the next run "
            "with this flag times it again without seeding, where the suite can read what it seeded (scale).",
        )
        parser.add_argument("--runs", type=int, default=50, help="Timed runs per scenario (default 50).")
        parser.add_argument("--warmup", type=int, default=5, help="Untimed runs first (default 5).")
        parser.add_argument("--seed", type=int, default=1, help="Seed of the generated data (default 1).")
        parser.add_argument(
            "--output",
            type=Path,
            default=settings.VAR_DIR / "bench" / "results.json",
            help="Where to write the figures (default var/bench/results.json).",
        )

    def handle(
        self,
        *args,
        suite: str,
        projects: int | None,
        donor_projects: int,
        applications: int | None,
        transactions: int | None,
        indicator_values: int | None,
        donors: int | None,
        runs: int,
        warmup: int,
        seed: int,
        output: Path,
        scenarios: list[str] | None,
        keep_database: bool,
        **options,
    ):
        load_average = os.getloadavg()
        if runs < 1 or warmup < 0:
            raise CommandError("--runs must be at least 1 and --warmup at least 0.")
        known = suites()
        chosen = [known[name] for name in DEFAULT_SUITES] if suite == "all" else [known[suite]]
        given = Options(
            runs=runs,
            warmup=warmup,
            seed=seed,
            projects=projects,
            donor_projects=donor_projects,
            applications=applications,
            transactions=transactions,
            indicator_values=indicator_values,
            donors=donors,
        )
        for each in chosen:
            try:
                each.check(given)
            except ValueError as error:
                raise CommandError(str(error)) from None
        if scenarios:
            known_scenarios = {scenario.name for each in chosen for scenario in each.scenarios}
            if unknown := sorted(set(scenarios) - known_scenarios):
                known_names = ", ".join(sorted(known_scenarios))
                raise CommandError(f"No such scenario: {', '.join(unknown)}. Known: {known_names}.")
            chosen = [
                replace(each, scenarios=[scenario for scenario in each.scenarios if scenario.name in scenarios])
                for each in chosen
            ]
        if connection.vendor != "postgresql":
            self.stderr.write(
                self.style.WARNING(
                    f"{'=' * 78}\nWARNING: the database is {connection.vendor}, not PostgreSQL. These figures say\n"
                    f"little about production: run `make bench` for the figures to report.\n{'=' * 78}"
                )
            )
        report = {
            "timestamp": timezone.now().isoformat(timespec="seconds"),
            "machine": {},
            "settings": {**asdict(given), "suites": [each.name for each in chosen]},
            # The sections of suites run before into the same file stay, each with its own machine and time.
            "suites": _previous_sections(output),
        }
        measured_by_suite = {}
        for each in chosen:
            with harness.throwaway_database(each.name, keep=keep_database) as seeded_before:
                report["machine"] = report["machine"] or harness.machine(load_average=load_average)
                seeded, measured, load = self._run(each, given, reuse=seeded_before and each.describe is not None)
            measured_by_suite[each.name] = measured
            report["suites"][each.name] = {
                "timestamp": report["timestamp"],
                "machine": report["machine"],
                "settings": asdict(given),
                **harness.section(each, seeded, measured, load),
            }
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, indent=2) + "\n")
        self._print_machine(report)
        for name, measured in measured_by_suite.items():
            self._print(name, report["suites"][name], measured)
        self.stdout.write(f"\nWritten to {output}")
        failed = [m.scenario for measured in measured_by_suite.values() for _, m in measured if m.status == "error"]
        if failed:
            raise CommandError(f"These scenarios failed: {', '.join(failed)} (see the log above).")

    def _run(
        self, suite: Suite, given: Options, *, reuse: bool = False
    ) -> tuple[Any, list[tuple[Scenario, Measurement]], Sequence[float]]:
        """Seed the suite's database (or, with `reuse`, read what a kept one holds) and time its scenarios; also
        the load average when timing started."""
        database = connection.settings_dict["NAME"]
        if reuse:
            self.stdout.write(f"{suite.name}: timing again what the kept database {database} holds, without seeding")
            seeded = suite.describe(given)
        else:
            self.stdout.write(f"{suite.name}: seeding {suite.description}, in the throw-away database {database}")
            try:
                seeded = suite.seed(given)
            except ValueError as error:
                raise CommandError(str(error)) from None
        self.stdout.write(
            f"{suite.name}: seeded {harness.listed(seeded.sizes)} (seconds: {harness.listed(seeded.seconds)})"
        )
        self.stdout.write(
            f"{suite.name}: timing {len(suite.scenarios)} scenarios, {given.runs} runs each after {given.warmup} "
            "warm-up runs, fewer where a scenario says so"
        )
        load = os.getloadavg()
        measured = run_scenarios(
            suite.scenarios,
            seeded,
            runs=given.runs,
            warmup=given.warmup,
            floors=suite.floors,
            progress=lambda m: self.stdout.write(f"{suite.name}: {_progress(m)}"),
        )
        return seeded, measured, load

    def _print_machine(self, report: dict) -> None:
        database = report["machine"]["database"]
        self.stdout.write(
            f"\n{database['vendor']} {database['version']}, {report['machine']['cpu_count']} CPUs, "
            f"Python {report['machine']['python']}, load {report['machine']['load_average_at_start'][0]:g} at start"
        )

    def _print(self, name: str, section: dict, measured: list[tuple[Scenario, Measurement]]) -> None:
        self.stdout.write(f"\n{name}: {harness.listed(section['sizes'])}\n")
        header = (
            f"{'scenario':<24} {'median':>10} {'p95':>10} {'max':>10} {'floor':>10} {'/floor':>7} {'queries':>8} "
            f"{'same':>5} {'peak RSS':>9}  note"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for _, m in measured:
            if m.status != "ok":
                self.stdout.write(f"{m.scenario:<24} {m.status:>50}  {m.note}")
                continue
            same = "yes" if m.queries_constant else "NO"
            queries = str(m.queries) if m.queries_constant else "-".join(str(n) for n in m.query_counts)
            median, p95, most = (harness.duration(ms) for ms in (m.median_ms, m.p95_ms, m.max_ms))
            floor = harness.duration(m.floor_ms) if m.floor_ms is not None else "-"
            over = f"{m.page_over_floor:g}x" if m.page_over_floor is not None else "-"
            rss = f"{m.peak_rss_mb:g} MB" if m.peak_rss_mb is not None else "-"
            self.stdout.write(
                f"{m.scenario:<24} {median:>10} {p95:>10} {most:>10} {floor:>10} {over:>7} {queries:>8} {same:>5} "
                f"{rss:>9}  {m.note}"
            )
        self.stdout.write(f"\nTargets ({name}, load {section['load_average_before_timing'][0]:g} before timing)")
        for target in section["targets"]:
            result = target["result"]
            style = {"PASS": self.style.SUCCESS, "FAIL": self.style.ERROR}.get(result, self.style.WARNING)
            self.stdout.write(f"  {style(result):<4} {target['scenario']}: {target['target']}")


def _previous_sections(output: Path) -> dict:
    try:
        return json.loads(output.read_text()).get("suites", {})
    except (OSError, ValueError, AttributeError):
        return {}


def _progress(m: Measurement) -> str:
    if m.status != "ok":
        return f"{m.scenario} {m.status}: {m.note}"
    floor = f", floor {m.floor_ms:g} ms" if m.floor_ms is not None else ""
    return f"{m.scenario} median {harness.duration(m.median_ms)}, p95 {harness.duration(m.p95_ms)}{floor}"
