"""The Celery application: a worker over Redis when REDIS_URL is set, in-process otherwise."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "citiesalliance.settings")

app = Celery("citiesalliance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="citiesalliance.ping")
def ping() -> str:
    """Answer 'pong': lets health checks and tests prove a worker is consuming."""
    return "pong"
