from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DonorsConfig(AppConfig):
    name = "donors"
    verbose_name = _("Donor reporting")

    def ready(self) -> None:
        from members.landing import register_landing

        from .views import donor_landing

        register_landing(donor_landing)
