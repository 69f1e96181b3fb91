"""The secretariat's admin site: Django's, opening on the work queue of the person signed in."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class PortfolioAdminSite(admin.AdminSite):
    site_header = _("Cities Alliance · Secretariat")
    site_title = _("Cities Alliance portfolio")
    index_title = _("Portfolio administration")
    index_template = "admin/workspace.html"

    def index(self, request, extra_context=None):
        """The work queue on top, the lists of every kind of record below."""
        # Imported here: the queue links to the apps' admin lists, which register on this site while it is made.
        from .workspace import work_queue

        return super().index(request, {"work_queue": work_queue(request.user), **(extra_context or {})})
