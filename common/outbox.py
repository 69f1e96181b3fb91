"""Background jobs that outlive a broker outage: the one way a service queues a task.

`enqueue(task, *args)` sends the job once the current transaction has committed. If the broker
does not take it (Redis is down), the job is kept in the database instead (`OutboxJob`) and
the request that committed the act still succeeds; `flush()` sends the kept jobs once the
broker is back (Celery beat every minute, or `manage.py flush_outbox`). Tasks must therefore
take JSON arguments (ids) and be safe to run twice, as they already must be.

With tasks run in-process (no REDIS_URL) the task runs at commit, as `.delay` does; a task
that fails there on a connection (the mail server refuses) is kept in the outbox too. A long one
(`long_running`, a donor report) runs at commit in a background thread instead (`common.background`),
so the request that queued it answers at once.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from celery import Task, current_app
from django.db import DatabaseError, transaction
from kombu.exceptions import OperationalError as BrokerError

from . import background

logger = logging.getLogger(__name__)

# What publishing raises when the broker does not answer: kombu wraps most, a socket may raise its own.
NOT_TAKEN = (BrokerError, OSError)


def enqueue(task: Task, *args: Any) -> None:
    """Queue `task(*args)` when the current transaction commits (at once outside one); never fails the caller."""
    transaction.on_commit(partial(_send, task, args))


def _send(task: Task, args: tuple[Any, ...]) -> None:
    try:
        _publish(task, args)
    except NOT_TAKEN as error:
        _keep(task.name, args, error)


def _publish(task: Task, args: tuple[Any, ...] | list[Any]) -> None:
    if background.runs_off_request(task):
        background.submit(task, args)
        return
    # Nobody waits for these results: without ignore_result, sending would first subscribe to the result in
    # Redis and, Redis down, retry that for 20 s before failing with an error that is not the broker's.
    task.apply_async(args, ignore_result=True)


def _keep(name: str, args: tuple[Any, ...], error: Exception) -> None:
    from citiesalliance.models import OutboxJob

    try:
        OutboxJob.objects.create(task=name, args=list(args), last_error=str(error)[:2000])
    except DatabaseError:
        logger.exception("The broker did not take %s%r and the outbox could not keep it: it is lost", name, args)
        return
    logger.warning("The broker did not take %s%r (%s): kept in the outbox until it is back", name, args, error)


def flush() -> int:
    """Send the kept jobs, oldest first, until the broker refuses one; how many were sent.

    Each job is locked while it is sent (and skipped by a second flush running at once), and
    deleted once the broker has it.
    """
    from citiesalliance.models import OutboxJob

    current_app.loader.import_default_modules()  # every app's tasks, so each name is known
    sent = 0
    for pk in OutboxJob.objects.values_list("pk", flat=True):
        with transaction.atomic():
            job = OutboxJob.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if job is None:
                continue  # sent meanwhile by another flush
            task = current_app.tasks.get(job.task)
            if task is None:
                logger.error("Outbox job %s names no known task %r: left for someone to look at", job.pk, job.task)
                continue
            try:
                _publish(task, job.args)
            except NOT_TAKEN as error:
                OutboxJob.objects.filter(pk=job.pk).update(attempts=job.attempts + 1, last_error=str(error)[:2000])
                logger.warning("The broker still does not take jobs (%s): %s left in the outbox", error, job)
                return sent
            job.delete()
        sent += 1
    return sent


def waiting() -> int:
    """How many jobs the outbox keeps."""
    from citiesalliance.models import OutboxJob

    return OutboxJob.objects.count()
