from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class SiteConfig(AppConfig):
    """The site itself: rules that hold for the models of every app, applied once all are loaded."""

    name = "citiesalliance"
    verbose_name = "Cities Alliance"

    def ready(self) -> None:
        from common.text import refuse_unwritable_text

        refuse_unwritable_text()


class PortfolioAdminConfig(AdminConfig):
    """Django's admin, on the site's own admin site (its home page is the work queue)."""

    default_site = "citiesalliance.admin_site.PortfolioAdminSite"
