from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from common.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = "Replace the database and the uploaded files with those of a backup folder made by `backup`."

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path, help="The backup folder, e.g. var/backups/20250101T020000Z.")
        parser.add_argument(
            "--confirm", action="store_true", help="Go ahead although the database or MEDIA_ROOT holds data."
        )

    def handle(self, *args, **options) -> None:
        try:
            backup_restore(folder=options["folder"], confirm=options["confirm"])
        except BackupError as refusal:
            raise CommandError(refusal.message) from refusal
        self.stdout.write(
            f"Restored {options['folder']}; run `manage.py migrate` if the code is newer than the backup."
        )
