"""Long jobs in the embedded setup (no broker): run in this process, but off the request thread.

Without REDIS_URL, Celery runs every task in-process as it is sent, which for a job of seconds (a donor
report's PDF) would hold the request that asked for it until the job is done. A task that declares
`long_running = True` is handed instead to one background thread, which runs such jobs one after the
other, each as Celery would run it eagerly (its own retries and failure handling), on database
connections of its own. Nothing waits for them: the pages show the job's status from its record. A job
still waiting when the process stops is lost with it, and its record says "queued": requesting the same
report again sends it again once it counts as stuck.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from celery import Task
from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background-job")


def runs_off_request(task: Task) -> bool:
    """Whether sending `task` hands it to the background thread rather than running it here and now."""
    return bool(
        getattr(task, "long_running", False) and task.app.conf.task_always_eager and settings.LONG_JOBS_IN_THREAD
    )


def submit(task: Task, args: tuple[Any, ...] | list[Any]) -> Future:
    return _executor.submit(_run, task, tuple(args))


def _run(task: Task, args: tuple[Any, ...]) -> None:
    try:
        task.apply(args, throw=False)
    except Exception:  # the task records its own failures; anything else must not kill the thread
        logger.exception("Background job %s%r failed", task.name, args)
    finally:
        connections.close_all()  # this thread's connections only
