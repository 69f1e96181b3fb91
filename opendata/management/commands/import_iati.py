from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opendata.importer import ImportRefused, import_activities


class Command(BaseCommand):
    help = "Load IATI 2.03 activities from FILE into projects, partners, transactions and results (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="An IATI 2.03 activity file.")

    def handle(self, *args, file: Path, **options):
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            report = import_activities(content)
        except ImportRefused as refusal:
            raise CommandError(f"{refusal.message} Nothing was imported.") from None
        for outcome in report.outcomes:
            line = f"{outcome.action:<9} {outcome.identifier}"
            if outcome.reason:
                line += f": {outcome.reason}"
            self.stdout.write(line)
            for note in outcome.notes:
                self.stdout.write(f"          note: {note}")
        counts = report.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['refused']} refused."
            )
        )
