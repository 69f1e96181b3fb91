from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members and governance")

    def ready(self) -> None:
        from . import signals  # noqa: F401 - connects the receivers
