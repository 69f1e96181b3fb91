from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members and governance")

    def ready(self) -> None:
        from common.figures import watch_rows

        from . import signals  # noqa: F401 - connects the receivers
        from .models import User

        # The admin's application list searches its reviewers: its kept count is forgotten when a user changes.
        watch_rows([User])
