"""The secretariat's admin for the results framework: the framework, each project's set-up, and report review."""

from . import framework, projects, reports

__all__ = ["framework", "projects", "reports"]
