"""The agreement document in the admin: its texts, each side's signatures, the signed copy and the PDF."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.admin import HistoryAdmin, next_url
from common.errors import DomainError
from common.permissions import may, requires

from .. import services
from ..agreement_pdf import document_response, signed_copy_response
from ..models import AgreementSignatory, AgreementTemplate, GrantAgreement, SignatorySide


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(HistoryAdmin):
    """Staff write the agreement's text; one that does not compile or names an unknown placeholder is refused."""

    list_display = ["name", "language", "is_default", "updated_at"]
    list_filter = ["language", "is_default"]
    search_fields = ["name", "body"]
    fields = ["name", "language", "is_default", "body"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "body":
            field.widget.attrs.update({"rows": 30, "cols": 110})
        return field


class SignatoryInline(admin.TabularInline):
    """Who signed for each side, and when: recorded with "Record a signature", never edited here."""

    model = AgreementSignatory
    extra = 0
    can_delete = False
    fields = ["side", "name", "title", "email", "signed_on", "recorded_by", "recorded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class SignatureForm(forms.Form):
    side = forms.ChoiceField(label=_("Signed for"), choices=SignatorySide.choices)
    name = forms.CharField(label=_("Name"), max_length=140)
    title = forms.CharField(label=_("Title"), max_length=140, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    signed_on = forms.DateField(label=_("Signed on"), initial=timezone.localdate)


class SignedCopyForm(forms.Form):
    file = forms.FileField(label=_("Signed copy (PDF)"))


class AgreementDocumentAdminMixin:
    """The acts of the agreement's page: its PDF in each language, a signature per side, the signed copy."""

    change_form_template = "admin/grants/grantagreement/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/document/<str:language>/",
                view(requires("grants.view_grantagreement")(self.document_view)),
                name="grants_grantagreement_document",
            ),
            path(
                "<int:pk>/signature/",
                view(requires("grants.sign_grantagreement")(self.signature_view)),
                name="grants_grantagreement_signature",
            ),
            path(
                "<int:pk>/signed-copy/",
                view(requires("grants.sign_grantagreement")(self.signed_copy_view)),
                name="grants_grantagreement_signed_copy",
            ),
            path(
                "<int:pk>/signed-copy/download/",
                view(requires("grants.view_grantagreement")(self.signed_copy_download)),
                name="grants_grantagreement_signed_copy_download",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "may_record_signatures": may(request.user, "grants.sign_grantagreement"),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def document_view(self, request, pk: int, language: str) -> HttpResponse:
        agreement = get_object_or_404(GrantAgreement.objects.select_related("project", "grantee"), pk=pk)
        return document_response(agreement, language)

    def _act_page(self, request, agreement, *, title: str, form, submit_label: str, status: int = 200):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "agreement": agreement,
            "form": form,
            "submit_label": submit_label,
            "next": next_url(request, default=reverse("admin:grants_grantagreement_change", args=[agreement.pk])),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/grants/grantagreement/act_page.html", context, status=status)

    def signature_view(self, request, pk: int):
        agreement = get_object_or_404(GrantAgreement.objects.select_related("project", "grantee"), pk=pk)
        form = SignatureForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.agreement_signature_record(agreement=agreement, recorded_by=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                agreement.refresh_from_db()
                self.message_user(
                    request,
                    _("The signature of %(name)s is recorded. %(agreement)s: %(status)s.")
                    % {
                        "name": form.cleaned_data["name"],
                        "agreement": agreement.reference,
                        "status": agreement.get_status_display(),
                    },
                    messages.SUCCESS,
                )
                return redirect(next_url(request, default=reverse("admin:grants_grantagreement_change", args=[pk])))
        return self._act_page(
            request,
            agreement,
            title=_("Record a signature"),
            form=form,
            submit_label=_("Record the signature"),
            status=400 if form.is_bound else 200,
        )

    def signed_copy_view(self, request, pk: int):
        agreement = get_object_or_404(GrantAgreement.objects.select_related("project", "grantee"), pk=pk)
        form = SignedCopyForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.agreement_signed_copy_upload(
                    agreement=agreement, upload=form.cleaned_data["file"], user=request.user
                )
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                self.message_user(request, _("The signed copy is kept with the agreement."), messages.SUCCESS)
                return redirect(next_url(request, default=reverse("admin:grants_grantagreement_change", args=[pk])))
        return self._act_page(
            request,
            agreement,
            title=_("Upload the signed copy"),
            form=form,
            submit_label=_("Upload"),
            status=400 if form.is_bound else 200,
        )

    def signed_copy_download(self, request, pk: int):
        agreement = get_object_or_404(GrantAgreement, pk=pk)
        return signed_copy_response(agreement)
