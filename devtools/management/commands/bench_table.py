import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devtools.bench.table import markdown


class Command(BaseCommand):
    help = "Print a suite's figures from the benchmark's JSON file as a markdown table, for the README."

    def add_arguments(self, parser):
        parser.add_argument("--suite", default="scale", help="The suite whose figures to print (default scale).")
        parser.add_argument(
            "--input",
            type=Path,
            default=settings.VAR_DIR / "bench" / "results.json",
            help="The file `manage.py bench` wrote (default var/bench/results.json).",
        )

    def handle(self, *args, suite: str, input: Path, **options):
        try:
            report = json.loads(input.read_text())
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {input}: {error}") from None
        if suite not in report.get("suites", {}):
            raise CommandError(f"{input} holds no {suite} suite; it holds: {', '.join(report.get('suites', {}))}.")
        self.stdout.write(markdown(report, suite), ending="")
