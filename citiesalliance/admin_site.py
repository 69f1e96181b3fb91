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

    def get_app_list(self, request, app_label=None):
        """Django's list of the apps and their models, made once a request (the sidebar of every page and the index
        both ask for it) and sorted by their names as text: sorted as Django does, each lazily translated name was
        translated again at every comparison, some 1,200 translations a page."""
        made = request.__dict__.setdefault("_admin_app_lists", {})
        if app_label not in made:
            apps = sorted(self._build_app_dict(request, app_label).values(), key=lambda app: str(app["name"]).lower())
            for app in apps:
                app["models"].sort(key=lambda model: str(model["name"]))
            made[app_label] = apps
        return made[app_label]
