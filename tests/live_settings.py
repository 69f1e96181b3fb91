"""The site's settings as the environment gives them, for a test's gunicorn (tests/webserver.py).

Only the static files storage differs: production's needs `collectstatic` (most of a minute), and a page
only needs its static URLs.
"""

from citiesalliance.settings import *  # noqa: F403
from citiesalliance.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
