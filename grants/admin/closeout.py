"""A project's closeout in the admin: the checklist with a way to fix each item, and the acts of closeout
(cancel a tranche, record a refund, write off, upload the evaluation, close, reopen), each on its permission and
each through `grants.services`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.admin import next_url
from common.errors import DomainError
from common.money import format_money
from common.permissions import may, requires
from common.uploads import file_download

from .. import services
from ..models import Closeout, Project, Tranche
from ..selectors.closeout import closeout_state

CLOSE = "grants.close_project"


class CloseForm(forms.Form):
    actual_end = forms.DateField(label=_("Actual end date"), initial=timezone.localdate)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class CancelTrancheForm(ReasonForm):
    value_date = forms.DateField(label=_("Value date"), initial=timezone.localdate)


class RefundForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount refunded"), max_digits=18, decimal_places=2, min_value=0.01)
    value_date = forms.DateField(label=_("Received on"), initial=timezone.localdate)
    reference = forms.CharField(label=_("Bank reference"), max_length=100, required=False)


class WriteOffForm(ReasonForm):
    amount = forms.DecimalField(label=_("Amount written off"), max_digits=18, decimal_places=2, min_value=0.01)
    field_order = ["amount", "reason"]


class EvaluationForm(forms.Form):
    evaluation = forms.FileField(label=_("Evaluation (PDF, DOCX or XLSX)"))


def _add_error(form: forms.Form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


class ProjectCloseoutAdmin:
    """The closeout pages of `ProjectAdmin`: under a project's address, reached from its record page."""

    def closeout_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/closeout/",
                view(requires("grants.view_project")(self.closeout_view)),
                name="grants_project_closeout",
            ),
            path(
                "<int:pk>/closeout/close/",
                view(require_POST(requires(CLOSE)(self.close_view))),
                name="grants_project_close",
            ),
            path(
                "<int:pk>/closeout/reopen/",
                view(require_POST(requires(CLOSE)(self.reopen_view))),
                name="grants_project_reopen",
            ),
            path(
                "<int:pk>/closeout/refund/",
                view(requires("grants.add_transaction")(self.refund_view)),
                name="grants_project_refund",
            ),
            path(
                "<int:pk>/closeout/write-off/",
                view(requires("grants.write_off_balance")(self.write_off_view)),
                name="grants_project_write_off",
            ),
            path(
                "<int:pk>/closeout/evaluation/",
                view(require_POST(requires("grants.change_closeout")(self.evaluation_view))),
                name="grants_project_evaluation",
            ),
            path(
                "<int:pk>/closeout/evaluation/file/",
                view(requires("grants.view_closeout")(self.evaluation_file_view)),
                name="grants_project_evaluation_file",
            ),
        ]

    def _page(self, request, project: Project, template: str, context: dict, status: int = 200):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "project": project,
            "record_url": reverse("admin:grants_project_record", args=[project.pk]),
            "closeout_url": reverse("admin:grants_project_closeout", args=[project.pk]),
            **context,
        }
        return TemplateResponse(request, template, context, status=status)

    def closeout_view(self, request, pk: int, close_form=None, reopen_form=None, status: int = 200):
        project = get_object_or_404(Project, pk=pk)
        state = closeout_state(project)
        user = request.user
        return self._page(
            request,
            state.project,
            "admin/grants/closeout/page.html",
            {
                "title": _("Closeout of %(code)s") % {"code": project.code},
                "state": state,
                "steps": state.closeout.transitions.select_related("by") if state.closeout else [],
                "may_close": may(user, CLOSE),
                "may_pay": may(user, "grants.add_transaction"),
                "may_cancel": may(user, "grants.cancel_tranche"),
                "may_write_off": may(user, "grants.write_off_balance"),
                "may_upload": may(user, "grants.change_closeout"),
                "close_form": close_form or CloseForm(),
                "reopen_form": reopen_form or ReasonForm(),
                "evaluation_form": EvaluationForm(),
                "to_settle": format_money(state.to_settle, state.currency),
            },
            status=status,
        )

    def close_view(self, request, pk: int):
        project = get_object_or_404(Project, pk=pk)
        form = CloseForm(request.POST)
        if form.is_valid():
            try:
                services.project_close(
                    project=project,
                    by=request.user,
                    actual_end=form.cleaned_data["actual_end"],
                    comment=form.cleaned_data["comment"],
                )
            except DomainError as error:
                _add_error(form, error)
            else:
                self.message_user(
                    request, _("%(code)s is closed: its ledger is locked.") % {"code": project.code}, messages.SUCCESS
                )
                return redirect("admin:grants_project_closeout", pk)
        return self.closeout_view(request, pk, close_form=form, status=400)

    def reopen_view(self, request, pk: int):
        project = get_object_or_404(Project, pk=pk)
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                services.project_reopen(project=project, by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                _add_error(form, error)
            else:
                self.message_user(
                    request, _("%(code)s is reopened: its ledger takes rows again.") % {"code": project.code}
                )
                return redirect("admin:grants_project_closeout", pk)
        return self.closeout_view(request, pk, reopen_form=form, status=400)

    def _act(self, request, pk: int, *, form_class, title: str, submit: str, act, done):
        """A page of one act on a project's closeout: its form, then back to the closeout page."""
        project = get_object_or_404(Project, pk=pk)
        back = next_url(request, default=reverse("admin:grants_project_closeout", args=[pk]))
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                act(project, form.cleaned_data)
            except DomainError as error:
                _add_error(form, error)
            else:
                self.message_user(request, done(project, form.cleaned_data), messages.SUCCESS)
                return redirect(back)
        state = closeout_state(project)
        return self._page(
            request,
            project,
            "admin/grants/closeout/act.html",
            {
                "title": title,
                "form": form,
                "next": back,
                "submit_label": submit,
                "to_settle": format_money(state.to_settle, state.currency),
            },
            status=400 if form.is_bound else 200,
        )

    def refund_view(self, request, pk: int):
        return self._act(
            request,
            pk,
            form_class=RefundForm,
            title=_("Record a refund from the grantee"),
            submit=_("Record the refund"),
            act=lambda project, data: services.refund_record(project=project, recorded_by=request.user, **data),
            done=lambda project, data: (
                _("Refund of %(amount)s recorded.") % {"amount": format_money(data["amount"], project.currency)}
            ),
        )

    def write_off_view(self, request, pk: int):
        return self._act(
            request,
            pk,
            form_class=WriteOffForm,
            title=_("Write off the unspent balance"),
            submit=_("Write it off"),
            act=lambda project, data: services.balance_write_off(project=project, by=request.user, **data),
            done=lambda project, data: (
                _("%(amount)s written off.") % {"amount": format_money(data["amount"], project.currency)}
            ),
        )

    def evaluation_view(self, request, pk: int):
        project = get_object_or_404(Project, pk=pk)
        form = EvaluationForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.evaluation_upload(project=project, upload=form.cleaned_data["evaluation"], by=request.user)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("The evaluation is uploaded."), messages.SUCCESS)
        else:
            self.message_user(request, _("Choose the evaluation's file."), messages.ERROR)
        return redirect("admin:grants_project_closeout", pk)

    def evaluation_file_view(self, request, pk: int):
        closeout = get_object_or_404(Closeout.objects.exclude(evaluation=""), project_id=pk)
        return file_download(closeout.evaluation, name=closeout.evaluation_name, content_type=closeout.evaluation_type)


class TrancheCancelAdmin:
    """The cancel page of `TrancheAdmin`."""

    def cancel_urls(self) -> list:
        return [
            path(
                "<int:pk>/cancel/",
                self.admin_site.admin_view(requires("grants.cancel_tranche")(self.cancel_view)),
                name="grants_tranche_cancel",
            ),
        ]

    def cancel_view(self, request, pk: int):
        tranche = get_object_or_404(Tranche.objects.select_related("agreement__project"), pk=pk)
        project = tranche.agreement.project
        back = next_url(request, default=reverse("admin:grants_project_closeout", args=[project.pk]))
        form = CancelTrancheForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.tranche_cancel(tranche=tranche, by=request.user, **form.cleaned_data)
            except DomainError as error:
                _add_error(form, error)
            else:
                self.message_user(
                    request,
                    _("%(tranche)s is cancelled: %(amount)s less is committed.")
                    % {"tranche": tranche, "amount": format_money(tranche.remaining, project.currency)},
                    messages.SUCCESS,
                )
                return redirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel what is left of a tranche"),
            "tranche": tranche,
            "form": form,
            "next": back,
            "opts": self.model._meta,
            "remaining": format_money(tranche.remaining, project.currency),
        }
        return TemplateResponse(
            request, "admin/grants/tranche/cancel.html", context, status=400 if form.is_bound else 200
        )
