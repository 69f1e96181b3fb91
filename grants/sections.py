"""Sections that apps built on grants add to the public project page, without grants importing them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .models import Project


@dataclass(frozen=True)
class PageSection:
    template: str
    context: dict = field(default_factory=dict)


ProjectSection = Callable[[Project], PageSection | None]
_project_sections: list[ProjectSection] = []


def register_project_section(section: ProjectSection) -> ProjectSection:
    """Called from an app's `ready()`: the section renders on every public project page."""
    if section not in _project_sections:
        _project_sections.append(section)
    return section


def project_sections(project: Project) -> list[PageSection]:
    return [page for page in (section(project) for section in _project_sections) if page is not None]
