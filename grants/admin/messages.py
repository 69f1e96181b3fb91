"""The secretariat's side of the conversations (on an application's page and a project's record), the e-mail
templates staff write, and bulk e-mail to a call's applicants with each recipient's delivery status."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from common.admin import ReadOnlyMixin
from common.errors import DomainError
from common.permissions import may, require, requires

from ..forms import MessageForm
from ..models import ApplicationStatus, Call, EmailTemplate, Mailing, MessageSide
from ..portal_messages import post_message
from ..selectors import messages as selectors
from ..services import messages as services


class ConversationMixin:
    """A record's conversation on its admin page, and `<pk>/messages/`: read with `grants.view_message`, answered
    with `grants.add_message`. Subclasses say which records the user reads (`conversation_records`) and where the
    record's page is (`conversation_back`)."""

    def conversation_records(self, request):
        raise NotImplementedError

    def conversation_back(self, record) -> str:
        raise NotImplementedError

    def conversation_urls(self) -> list:
        opts = self.model._meta
        view = self.admin_site.admin_view(requires("grants.view_message")(self.conversation_view))
        return [path("<int:pk>/messages/", view, name=f"{opts.app_label}_{opts.model_name}_messages")]

    def conversation_context(self, request, record, form: MessageForm | None = None) -> dict:
        """What the record's page shows of its conversation: nothing to staff who may not read messages."""
        if not may(request.user, "grants.view_message"):
            return {}
        opts = self.model._meta
        return {
            "conversation": selectors.conversation(record),
            "message_form": (form or MessageForm()) if may(request.user, "grants.add_message") else None,
            "messages_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_messages", args=[record.pk]),
        }

    def conversation_view(self, request, pk: int):
        if request.method == "POST":
            require(request.user, "grants.add_message")
        record = get_object_or_404(self.conversation_records(request), pk=pk)
        form = MessageForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and post_message(request, record, MessageSide.SECRETARIAT, form):
            self.message_user(request, _("Your answer is sent; the organisation is told by e-mail."), messages.SUCCESS)
            return redirect(self.conversation_back(record) + "#messages")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Messages: %(record)s") % {"record": record},
            "opts": self.model._meta,
            "record": record,
            "back": self.conversation_back(record),
            **self.conversation_context(request, record, form),
        }
        return TemplateResponse(request, "admin/grants/messages/page.html", context, status=400 if form.errors else 200)


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    """Texts for bulk e-mail to applicants; one that does not compile or names an unknown placeholder is refused."""

    list_display = ["name", "subject", "updated_at"]
    search_fields = ["name", "subject", "body"]
    fields = ["name", "subject", "body"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "body":
            field.widget.attrs.update({"rows": 16, "cols": 100})
        return field


class MailingForm(forms.Form):
    statuses = forms.MultipleChoiceField(
        label=_("Applications in these states"),
        choices=ApplicationStatus.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    template = forms.ModelChoiceField(label=_("Template"), queryset=EmailTemplate.objects.order_by("name"))


class CallMailingMixin:
    """`<pk>/mailing/` of a call: choose the applications' states and a template, preview, send."""

    def mailing_urls(self) -> list:
        view = self.admin_site.admin_view(requires("grants.add_mailing")(self.mailing_view))
        return [path("<int:pk>/mailing/", view, name="grants_call_mailing")]

    def mailing_view(self, request, pk: int):
        call = get_object_or_404(Call, pk=pk)
        form = MailingForm(request.POST or None)
        preview = None
        if request.method == "POST" and form.is_valid():
            template, statuses = form.cleaned_data["template"], form.cleaned_data["statuses"]
            if "send" in request.POST:
                try:
                    mailing = services.mailing_send(
                        call=call,
                        template=template,
                        statuses=statuses,
                        user=request.user,
                        site_url=request.build_absolute_uri("/"),
                    )
                except DomainError as error:
                    form.add_error(error.field if error.field in form.fields else None, error.message)
                else:
                    self.message_user(
                        request,
                        ngettext(
                            "The e-mail is queued for %(n)s recipient.",
                            "The e-mail is queued for %(n)s recipients.",
                            mailing.recipients.count(),
                        )
                        % {"n": mailing.recipients.count()},
                        messages.SUCCESS,
                    )
                    return redirect("admin:grants_mailing_change", mailing.pk)
            else:
                preview = selectors.mailing_preview(
                    call=call, template=template, statuses=statuses, site_url=request.build_absolute_uri("/")
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("E-mail the applicants: %(call)s") % {"call": call},
            "opts": self.model._meta,
            "call": call,
            "form": form,
            "preview": preview,
            "mailings": call.mailings.order_by("-created_at")[:20],
        }
        return TemplateResponse(request, "admin/grants/call/mailing.html", context)


@admin.register(Mailing)
class MailingAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """What was sent to whom and whether it arrived; the failed ones are sent again with the action."""

    list_display = ["subject", "call", "created_by", "created_at"]
    list_filter = ["call"]
    list_select_related = ["call", "created_by"]
    search_fields = ["subject", "call__title"]
    date_hierarchy = "created_at"
    actions = ["retry_failed"]
    change_form_template = "admin/grants/mailing/change_form.html"
    fields = ["call", "subject", "body", "created_by", "created_at"]
    readonly_fields = fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {}
        if str(object_id).isdigit():
            mailing = Mailing.objects.select_related("call", "created_by").filter(pk=object_id).first()
            if mailing is not None and self.has_view_permission(request, mailing):
                extra["page"] = selectors.mailing_page(mailing)
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def has_retry_permission(self, request) -> bool:
        return may(request.user, "grants.add_mailing")

    @admin.action(description=_("Send again to the failed recipients"), permissions=["retry"])
    def retry_failed(self, request, queryset):
        again = 0
        for mailing in queryset:
            try:
                again += services.mailing_retry_failed(
                    mailing=mailing, user=request.user, site_url=request.build_absolute_uri("/")
                )
            except DomainError as error:
                raise PermissionDenied(error.message) from None
        self.message_user(
            request,
            ngettext("%(n)s recipient queued again.", "%(n)s recipients queued again.", again) % {"n": again},
            messages.SUCCESS,
        )
