from __future__ import annotations

from django.core.management.base import BaseCommand

from common import outbox


class Command(BaseCommand):
    help = "Send the background jobs (e-mails, reports) kept in the outbox while the broker was down."

    def handle(self, *args, **options) -> None:
        sent = outbox.flush()
        left = outbox.waiting()
        self.stdout.write(f"{sent} job(s) sent, {left} still waiting.")
