"""The suites of `manage.py bench`, each timed on a throw-away database of its own."""

from __future__ import annotations

from importlib import import_module

from .harness import Suite

SUITE_MODULES = ["results", "donors", "opendata", "scale"]
# What `--suite all` (`make bench`) runs, in this order; the scale suite takes long and runs on its own.
DEFAULT_SUITES = ["results", "donors", "opendata"]


def suites() -> dict[str, Suite]:
    """Every suite by name, from the `SUITE` of its module in this package."""
    found = {}
    for module in SUITE_MODULES:
        suite = import_module(f"{__name__}.{module}").SUITE
        found[suite.name] = suite
    return found
