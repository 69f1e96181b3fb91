"""What apps built on grants do when a grant is awarded or its end moves (an amendment), without grants importing
them (see sections.py)."""

from __future__ import annotations

from collections.abc import Callable

from .models import Project

AwardHook = Callable[[Project], object]


class Hooks:
    def __init__(self) -> None:
        self._hooks: list[AwardHook] = []

    def register(self, hook: AwardHook) -> AwardHook:
        """Called from an app's `ready()`: the hook runs inside the transaction of the award or the amendment."""
        if hook not in self._hooks:
            self._hooks.append(hook)
        return hook

    def run(self, project: Project) -> None:
        for hook in self._hooks:
            hook(project)


awarded = Hooks()
# After an approved amendment moved the project's end (`project.end_date` is the new one).
end_date_moved = Hooks()
