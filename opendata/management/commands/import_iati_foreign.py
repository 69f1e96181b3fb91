from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from opendata.importer import ImportRefused
from opendata.importer.foreign import LEFT_OUT, ForeignMapping, MappingRefused, foreign_activities_import


class Command(BaseCommand):
    help = (
        "Load another publisher's IATI 2.01 to 2.03 activities from FILE, mapped by a JSON or YAML file, whole or "
        "not at all; list every element that cannot be mapped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="An IATI 2.01 to 2.03 activity file.")
        parser.add_argument(
            "--mapping",
            type=Path,
            help=(
                'JSON or YAML: {"facility": CODE, "themes": [CODE, ..], "activities": {IDENTIFIER: {..}}}; '
                'an activity\'s own may say "leave_out": true.'
            ),
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would happen, and write nothing.")

    def handle(self, *args, file: Path, mapping: Path | None, dry_run: bool, **options):
        content = self._read(file)
        try:
            choices = ForeignMapping.from_dict(yaml.safe_load(self._read(mapping))) if mapping else ForeignMapping()
            report = foreign_activities_import(content=content, mapping=choices, dry_run=dry_run)
        except yaml.YAMLError as error:
            raise CommandError(f"The mapping is neither JSON nor YAML: {error}") from None
        except (ImportRefused, MappingRefused) as refusal:
            raise CommandError(f"{refusal.message} Nothing was imported.") from None
        for activity in report.activities:
            outcome = activity.outcome
            self.stdout.write(
                f"{outcome.action:<9} {outcome.identifier}" + (f": {outcome.reason}" if outcome.reason else "")
            )
            for org in activity.organisations:
                ours = org.organisation.name if org.organisation else "new"
                self.stdout.write(f"          organisation: {org.role} {org.ref or '-'} {org.name!r} -> {ours}")
            for note in outcome.notes:
                self.stdout.write(f"          note: {note}")
            for item in activity.unmapped:
                self.stdout.write(f"          not mapped: {item.path} {item.content} ({item.reason})")
        counts = report.counts
        summary = (
            f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged, "
            f"{counts[LEFT_OUT]} left out."
        )
        if report.written:
            self.stdout.write(self.style.SUCCESS(summary))
        elif counts["refused"]:
            raise CommandError(f"Nothing was imported: {counts['refused']} activities refused.")
        else:
            self.stdout.write(self.style.WARNING(f"Dry run, nothing written: {summary}"))

    @staticmethod
    def _read(path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
