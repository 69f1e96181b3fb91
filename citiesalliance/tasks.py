"""Tasks of the site itself."""

from __future__ import annotations

from celery import shared_task

from common import outbox


@shared_task
def flush_outbox() -> int:
    """Celery beat, every minute: send the jobs kept while the broker was down."""
    return outbox.flush()
