from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from common.backups import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into a new timestamped folder under BACKUP_DIR."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dir", type=Path, default=settings.BACKUP_DIR, help="Folder to back up into.")

    def handle(self, *args, **options) -> None:
        try:
            folder = backup_create(backup_dir=options["dir"])
        except BackupError as refusal:
            raise CommandError(refusal.message) from refusal
        self.stdout.write(f"Backed up into {folder}")
