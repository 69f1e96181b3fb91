"""Sections that apps built on grants add to a project's pages, without grants importing them: the public
project page, and the staff's record of a project in the admin."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .models import Project


@dataclass(frozen=True)
class PageSection:
    template: str
    context: dict = field(default_factory=dict)


ProjectSection = Callable[[Project], PageSection | None]


class Sections:
    """The sections registered for one page, in the order the apps registered them."""

    def __init__(self) -> None:
        self._sections: list[ProjectSection] = []

    def register(self, section: ProjectSection) -> ProjectSection:
        """Called from an app's `ready()`: the section renders on every such page."""
        if section not in self._sections:
            self._sections.append(section)
        return section

    def of(self, project: Project) -> list[PageSection]:
        return [page for page in (section(project) for section in self._sections) if page is not None]


public_page = Sections()
staff_record = Sections()
