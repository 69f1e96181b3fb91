"""Moderation of partners' project updates: the list of those waiting, the record page with its photos and its
Publish and Reject buttons, and the same acts as list actions. Every change goes through `services.updates`; an
update is never deleted here (rejected or withdrawn instead)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from common.admin import ConditionFilter, ReadOnlyMixin
from common.errors import DomainError
from common.permissions import may, requires

from ..models import ProjectUpdate, UpdateStatus
from ..models.updates import REASON_MAX_LENGTH
from ..selectors import updates as selectors
from ..services import updates as services

MODERATE = "grants.moderate_projectupdate"


class ModerationFilter(ConditionFilter):
    title = _("work")
    parameter_name = "work"
    TO_MODERATE = "to_moderate"
    conditions = {TO_MODERATE: (_("To moderate"), selectors.to_moderate)}


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (e-mailed to the author)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX_LENGTH,
    )


@admin.register(ProjectUpdate)
class ProjectUpdateAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "project", "organisation", "status", "created_at", "act"]
    list_filter = [ModerationFilter, "status"]
    list_select_related = ["project", "organisation"]
    search_fields = ["title", "text", "project__code", "organisation__name"]
    date_hierarchy = "created_at"
    actions = ["publish_updates", "reject_updates"]
    change_form_template = "admin/grants/projectupdate/change_form.html"
    fields = [
        "project",
        "organisation",
        "author",
        "title",
        "text",
        "event_date",
        "status",
        "created_at",
        "published_at",
        "decided_by",
        "decided_at",
        "reason",
    ]
    readonly_fields = fields

    def get_urls(self):
        return [
            path(
                "<int:pk>/publish/",
                self.admin_site.admin_view(require_POST(requires(MODERATE)(self.publish_view))),
                name="grants_projectupdate_publish",
            ),
            path(
                "<int:pk>/reject/",
                self.admin_site.admin_view(requires(MODERATE)(self.reject_view)),
                name="grants_projectupdate_reject",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="")
    def act(self, obj: ProjectUpdate) -> str:
        if obj.status != UpdateStatus.SUBMITTED:
            return ""
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("admin:grants_projectupdate_change", args=[obj.pk]),
            _("Moderate"),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {}
        update = self.get_object(request, object_id)
        if update is not None:
            extra = {
                "photos": list(update.photos.order_by("position", "pk")),
                "may_moderate": may(request.user, MODERATE),
                "may_publish": update.status == UpdateStatus.SUBMITTED,
                "may_reject": update.status in (UpdateStatus.SUBMITTED, UpdateStatus.PUBLISHED),
                "reject_form": RejectForm(),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def publish_view(self, request, pk: int):
        update = get_object_or_404(ProjectUpdate, pk=pk)
        try:
            services.update_publish(update=update, user=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, _("“%(title)s” is published.") % {"title": update.title}, messages.SUCCESS)
        return redirect("admin:grants_projectupdate_change", pk)

    def reject_view(self, request, pk: int):
        """The Reject button of the record page posts its reason here; opened, the page asks for the reason."""
        update = get_object_or_404(ProjectUpdate.objects.select_related("project"), pk=pk)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.update_reject(update=update, user=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                form.add_error("reason" if error.field == "reason" else None, error.message)
            else:
                self.message_user(
                    request,
                    _("“%(title)s” is rejected; its author is told why by e-mail.") % {"title": update.title},
                    messages.SUCCESS,
                )
                return redirect("admin:grants_projectupdate_change", pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject the update: %(title)s") % {"title": update.title},
            "opts": self.model._meta,
            "updates": [update],
            "form": form,
            "action_url": reverse("admin:grants_projectupdate_reject", args=[pk]),
        }
        return TemplateResponse(
            request, "admin/grants/projectupdate/reject.html", context, status=400 if form.is_bound else 200
        )

    def has_moderate_permission(self, request) -> bool:
        return may(request.user, MODERATE)

    def _each(self, request, queryset, act, said) -> None:
        """Take `act` on each selected update; say how many it was taken on, and why each other was refused."""
        done_count, refused = 0, []
        for update in queryset.order_by("pk"):
            try:
                act(update)
            except DomainError as error:
                refused.append(f"{update.title}: {error.message}")
            else:
                done_count += 1
        self.message_user(request, said(done_count), messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("Publish the selected updates"), permissions=["moderate"])
    def publish_updates(self, request, queryset):
        def publish(update):
            services.update_publish(update=update, user=request.user)

        def said(n: int) -> str:
            return ngettext("%(n)s update published.", "%(n)s updates published.", n) % {"n": n}

        self._each(request, queryset, publish, said)

    @admin.action(description=_("Reject the selected updates, saying why"), permissions=["moderate"])
    def reject_updates(self, request, queryset):
        """A page asking for the reason, then every selected update rejected with it (each author e-mailed)."""
        form = RejectForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():

            def reject(update):
                services.update_reject(update=update, user=request.user, reason=form.cleaned_data["reason"])

            def said(n: int) -> str:
                return ngettext("%(n)s update rejected.", "%(n)s updates rejected.", n) % {"n": n}

            self._each(request, queryset, reject, said)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Reject the selected updates"),
            "opts": self.model._meta,
            "updates": list(queryset.select_related("project")),
            "form": form,
            "action": "reject_updates",
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/grants/projectupdate/reject.html", context)
