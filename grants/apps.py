from django.apps import AppConfig
from django.db.models.signals import pre_delete
from django.utils.translation import gettext_lazy as _


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = _("Funding and projects")

    def ready(self) -> None:
        from .models import City, Facility, FundingWindow, Theme
        from .services.catalogue import refuse_deleting_a_record_in_use

        for model in (FundingWindow, Facility, Theme, City):
            pre_delete.connect(refuse_deleting_a_record_in_use, sender=model, dispatch_uid=f"in-use-{model.__name__}")
