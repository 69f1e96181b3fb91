"""Amendments in the admin: the list (the work queue's "amendments to decide" links to it), a staff request for
an agreement, the committee's decision page, and the versions of an agreement side by side."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.admin import ConditionFilter, next_url
from common.errors import DomainError
from common.permissions import may, requires

from ..agreement_pdf import amendment_letter_response, amendment_signed_copy_response
from ..amendment_pages import amendment_forms, amendment_terms, forms_valid, show_refusal
from ..forms import DecisionForm
from ..models import (
    Amendment,
    AmendmentBudgetLine,
    AmendmentKind,
    AmendmentSignatory,
    AmendmentTranche,
    AmendmentTransition,
    GrantAgreement,
)
from ..sections import PageSection, staff_record
from ..selectors.amendments import agreement_versions, amendments_to_decide, staff_agreement
from ..services.agreements import sides_awaited
from ..services.amendment_signatures import amendment_signature_record, amendment_signed_copy_upload
from ..services.amendments import amendment_approve, amendment_decline, amendment_request
from .agreements import SignatureForm, SignedCopyForm


class AmendmentWorkFilter(ConditionFilter):
    title = gettext_lazy("work")
    parameter_name = "work"
    conditions = {"to_decide": (gettext_lazy("To decide"), amendments_to_decide)}


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineInline(ReadOnlyInline):
    model = AmendmentBudgetLine
    fields = ["category", "description", "amount"]


class NewTrancheInline(ReadOnlyInline):
    model = AmendmentTranche
    fields = ["planned_date", "amount", "condition_kind", "condition", "release_on"]


class SignatoryInline(ReadOnlyInline):
    """Who signed the approved amendment for each side: recorded with "Record a signature", never edited here."""

    model = AmendmentSignatory
    fields = ["side", "name", "title", "email", "signed_on", "recorded_by", "recorded_at"]
    readonly_fields = fields


class TransitionInline(ReadOnlyInline):
    model = AmendmentTransition
    fields = ["from_status", "to_status", "by", "at", "comment"]


@admin.register(Amendment)
class AmendmentAdmin(admin.ModelAdmin):
    """Read-only: amendments are written by their services, through the request and decision pages."""

    list_display = ["__str__", "kind", "status", "requested_by", "requested_at", "decided_by"]
    list_filter = [AmendmentWorkFilter, "status", "kind"]
    list_select_related = ["agreement", "requested_by", "decided_by"]
    search_fields = ["agreement__reference", "agreement__project__code", "reason"]
    readonly_fields = [
        "agreement",
        "number",
        "kind",
        "status",
        "reason",
        "by_partner",
        "requested_by",
        "requested_at",
        "new_end_date",
        "additional_amount",
        "currency",
        "decided_by",
        "decided_at",
        "decision_reason",
        "signed_on",
        "signed_copy_uploaded_at",
        "signed_copy_uploaded_by",
    ]
    fields = readonly_fields
    inlines = [LineInline, NewTrancheInline, SignatoryInline, TransitionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("request/<int:agreement>/", view(self.request_view), name="grants_amendment_request"),
            path("<int:pk>/decide/", view(self.decide_view), name="grants_amendment_decide"),
            path("versions/<int:agreement>/", view(self.versions_view), name="grants_amendment_versions"),
            path(
                "<int:pk>/letter/",
                view(requires("grants.view_amendment")(self.letter_view)),
                name="grants_amendment_letter",
            ),
            path(
                "<int:pk>/signature/",
                view(requires("grants.sign_grantagreement")(self.signature_view)),
                name="grants_amendment_signature",
            ),
            path(
                "<int:pk>/signed-copy/",
                view(requires("grants.sign_grantagreement")(self.signed_copy_view)),
                name="grants_amendment_signed_copy",
            ),
            path(
                "<int:pk>/signed-copy/download/",
                view(requires("grants.view_amendment")(self.signed_copy_download)),
                name="grants_amendment_signed_copy_download",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {
            "may_decide": may(request.user, "grants.decide_amendment"),
            "may_record_signatures": may(request.user, "grants.sign_grantagreement"),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra)

    def _agreement(self, pk: int) -> GrantAgreement:
        try:
            return staff_agreement(pk)
        except GrantAgreement.DoesNotExist:
            raise Http404 from None

    def _page(self, request, template: str, title: str, status: int = 200, **context) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **context}
        return TemplateResponse(request, template, context, status=status)

    def request_view(self, request, agreement: int):
        if not may(request.user, "grants.add_amendment"):
            raise PermissionDenied
        agreement = self._agreement(agreement)
        kind = request.GET.get("kind") or request.POST.get("kind") or AmendmentKind.BUDGET_REVISION
        if kind not in AmendmentKind.values:
            raise Http404
        form, budget = amendment_forms(request.POST or None, agreement=agreement, kind=kind)
        if request.method == "POST" and forms_valid(form, budget):
            try:
                amendment = amendment_request(
                    agreement=agreement, user=request.user, terms=amendment_terms(form, budget)
                )
            except DomainError as error:
                show_refusal(error, form, budget)
            else:
                self.message_user(
                    request, _("%(amendment)s is requested.") % {"amendment": amendment}, messages.SUCCESS
                )
                return redirect("admin:grants_project_record", agreement.project_id)
        return self._page(
            request,
            "admin/grants/amendment/request.html",
            _("Request an amendment of %(agreement)s") % {"agreement": agreement.reference},
            agreement=agreement,
            kind=AmendmentKind(kind),
            kinds=AmendmentKind.choices,
            form=form,
            budget=budget,
        )

    def decide_view(self, request, pk: int):
        if not may(request.user, "grants.decide_amendment"):
            raise PermissionDenied
        amendment = Amendment.objects.select_related("agreement__project", "requested_by").filter(pk=pk).first()
        if amendment is None:
            raise Http404
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                if "decline" in request.POST:
                    amendment_decline(amendment=amendment, user=request.user, reason=reason)
                else:
                    amendment_approve(amendment=amendment, user=request.user, comment=reason)
            except DomainError as error:
                form.add_error("reason" if error.field == "reason" else None, error.message)
            else:
                amendment.refresh_from_db()
                self.message_user(
                    request,
                    _("%(amendment)s is %(status)s.")
                    % {"amendment": amendment, "status": amendment.get_status_display().lower()},
                    messages.SUCCESS,
                )
                return redirect("admin:grants_project_record", amendment.agreement.project_id)
        lines = list(amendment.budget_lines.all())
        return self._page(
            request,
            "admin/grants/amendment/decide.html",
            _("Decide %(amendment)s") % {"amendment": amendment},
            amendment=amendment,
            lines=lines,
            tranches=list(amendment.tranches.all()),
            comparison=agreement_versions(amendment.agreement),
            form=form,
            own=amendment.requested_by_id == request.user.pk,
        )

    def _amendment(self, pk: int) -> Amendment:
        return get_object_or_404(Amendment.objects.select_related("agreement__project", "agreement__grantee"), pk=pk)

    def letter_view(self, request, pk: int):
        return amendment_letter_response(self._amendment(pk))

    def signed_copy_download(self, request, pk: int):
        return amendment_signed_copy_response(self._amendment(pk))

    def _back(self, request, amendment: Amendment) -> str:
        return next_url(request, default=reverse("admin:grants_project_record", args=[amendment.agreement.project_id]))

    def _act_page(self, request, amendment: Amendment, *, title: str, form, submit_label: str):
        return self._page(
            request,
            "admin/grants/amendment/act_page.html",
            title,
            amendment=amendment,
            agreement=amendment.agreement,
            form=form,
            submit_label=submit_label,
            next=self._back(request, amendment),
            status=400 if form.is_bound else 200,
        )

    def signature_view(self, request, pk: int):
        amendment = self._amendment(pk)
        form = SignatureForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                amendment_signature_record(amendment=amendment, recorded_by=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                amendment.refresh_from_db()
                done = (
                    _("It is signed by both sides.")
                    if amendment.signed_on
                    else _("Waiting for the signature of %(sides)s.")
                    % {"sides": _(" and ").join(sides_awaited(amendment))}
                )
                self.message_user(
                    request,
                    _("The signature of %(name)s is recorded on %(amendment)s. %(done)s")
                    % {"name": form.cleaned_data["name"], "amendment": amendment, "done": done},
                    messages.SUCCESS,
                )
                return redirect(
                    next_url(
                        request, default=reverse("admin:grants_project_record", args=[amendment.agreement.project_id])
                    )
                )
        return self._act_page(
            request,
            amendment,
            title=_("Record a signature of %(amendment)s") % {"amendment": amendment},
            form=form,
            submit_label=_("Record the signature"),
        )

    def signed_copy_view(self, request, pk: int):
        amendment = self._amendment(pk)
        form = SignedCopyForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                amendment_signed_copy_upload(amendment=amendment, upload=form.cleaned_data["file"], user=request.user)
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                self.message_user(
                    request,
                    _("The signed copy is kept with %(amendment)s.") % {"amendment": amendment},
                    messages.SUCCESS,
                )
                return redirect(
                    next_url(
                        request, default=reverse("admin:grants_project_record", args=[amendment.agreement.project_id])
                    )
                )
        return self._act_page(
            request,
            amendment,
            title=_("Upload the signed copy of %(amendment)s") % {"amendment": amendment},
            form=form,
            submit_label=_("Upload"),
        )

    def versions_view(self, request, agreement: int):
        if not may(request.user, "grants.view_grantagreement"):
            raise PermissionDenied
        agreement = self._agreement(agreement)
        return self._page(
            request,
            "admin/grants/amendment/versions.html",
            _("Versions of %(agreement)s") % {"agreement": agreement.reference},
            agreement=agreement,
            comparison=agreement_versions(agreement),
        )


def amendments_section(project) -> PageSection | None:
    """The amendments of the project's agreement, on the staff's record of the project."""
    agreement = GrantAgreement.objects.filter(project=project).first()
    if agreement is None:
        return None
    return PageSection(
        "admin/grants/record/amendments.html",
        {
            "agreement": agreement,
            "amendments": [
                (amendment, sides_awaited(amendment) if amendment.awaits_signatures else [])
                for amendment in agreement.amendments.select_related("requested_by", "decided_by")
                .prefetch_related("signatories")
                .order_by("-number")
            ],
        },
    )


staff_record.register(amendments_section)
