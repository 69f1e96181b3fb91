"""Payment requests and runs in the admin: the check and approval pages, the run's files and its confirmation.
Every change goes through `grants.services`."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from common.admin import ConditionFilter, ReadOnlyMixin, next_url
from common.errors import DomainError
from common.money import format_money
from common.permissions import may, requires

from .. import payment_files, services
from ..models import PaymentRequest, PaymentRequestStatus, PaymentRequestTransition, PaymentRun, PaymentRunStatus
from ..sections import PageSection
from ..selectors import payments as selectors

S = PaymentRequestStatus


class PaymentWorkFilter(ConditionFilter):
    title = _("work")
    parameter_name = "work"
    TO_CHECK, TO_APPROVE, TO_PAY = "check", "approve", "pay"
    conditions = {
        TO_CHECK: (_("To check"), selectors.payment_requests_to_check),
        TO_APPROVE: (_("To approve"), selectors.payment_requests_to_approve),
        TO_PAY: (_("Approved, in no payment run yet"), selectors.payment_requests_to_pay),
    }


class TransitionInline(ReadOnlyMixin, admin.TabularInline):
    model = PaymentRequestTransition
    extra = 0
    fields = ["at", "from_status", "to_status", "by", "comment"]
    readonly_fields = fields


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (to return or decline; the partner reads it)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


# Each step's page: its title and the label of the button that takes it.
STEPS = {
    "check": (_("Check the payment request"), _("Checked: send to finance for approval")),
    "approve": (_("Approve the payment request"), _("Approve: record the disbursement")),
}


@admin.register(PaymentRequest)
class PaymentRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "act", "project", "grantee", "money", "status", "requested_at", "run"]
    list_display_links = ["number"]
    list_filter = [PaymentWorkFilter, "status", "currency"]
    list_select_related = ["tranche__agreement__project", "tranche__agreement__grantee", "run"]
    search_fields = ["number", "tranche__agreement__reference", "tranche__agreement__project__code"]
    date_hierarchy = "requested_at"
    inlines = [TransitionInline]
    actions = ["make_payment_run"]
    fields = [
        "number",
        "tranche",
        "money",
        "bank_account",
        "note",
        "status",
        "reason",
        "requested_by",
        "requested_at",
        "checked_by",
        "checked_at",
        "approved_by",
        "approved_at",
        "disbursement",
        "run",
        "paid_on",
    ]
    readonly_fields = fields

    def get_urls(self):
        return [
            path(
                "<int:pk>/check/",
                self.admin_site.admin_view(requires("grants.check_paymentrequest")(self.check_view)),
                name="grants_paymentrequest_check",
            ),
            path(
                "<int:pk>/approve/",
                self.admin_site.admin_view(requires("grants.approve_paymentrequest")(self.approve_view)),
                name="grants_paymentrequest_approve",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("project"), ordering="tranche__agreement__project__code")
    def project(self, obj: PaymentRequest) -> str:
        return obj.tranche.agreement.project.code

    @admin.display(description=_("grantee"))
    def grantee(self, obj: PaymentRequest) -> str:
        return str(obj.tranche.agreement.grantee)

    @admin.display(description=_("amount"), ordering="amount")
    def money(self, obj: PaymentRequest) -> str:
        return format_money(obj.amount, obj.currency)

    @admin.display(description="")
    def act(self, obj: PaymentRequest) -> str:
        step = {S.REQUESTED: "check", S.CHECKED: "approve"}.get(obj.status)
        if step is None:
            return ""
        label = {"check": _("Check"), "approve": _("Approve")}[step]
        return format_html(
            '<a class="button" href="{}">{}</a>', reverse(f"admin:grants_paymentrequest_{step}", args=[obj.pk]), label
        )

    def has_paymentrun_permission(self, request) -> bool:
        return may(request.user, "grants.add_paymentrun")

    @admin.action(description=_("Put the selected approved requests in a new payment run"), permissions=["paymentrun"])
    def make_payment_run(self, request, queryset):
        try:
            run = services.payment_run_create(requests=queryset, by=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        self.message_user(request, _("%(run)s is made: download its files.") % {"run": run}, messages.SUCCESS)
        return redirect("admin:grants_paymentrun_change", run.pk)

    def check_view(self, request, pk: int):
        return self._decide(request, pk, "check")

    def approve_view(self, request, pk: int):
        return self._decide(request, pk, "approve")

    def _decide(self, request, pk: int, step: str):
        payment = get_object_or_404(selectors.visible_payment_requests(request.user), pk=pk)
        back = next_url(request, default=reverse("admin:grants_paymentrequest_changelist"))
        form = DecisionForm(request.POST or None)
        status = 200
        if request.method == "POST" and form.is_valid():
            decision = request.POST.get("decision")
            try:
                if decision == "accept" and step == "check":
                    services.payment_request_check(request=payment, by=request.user)
                elif decision == "accept":
                    services.payment_request_approve(request=payment, by=request.user)
                elif decision in (S.RETURNED, S.DECLINED):
                    services.payment_request_refuse(
                        request=payment, by=request.user, to=decision, reason=form.cleaned_data["reason"]
                    )
                else:
                    raise DomainError(_("Choose a decision."))
            except DomainError as error:
                form.add_error("reason" if error.field == "reason" else None, error.message)
            else:
                payment.refresh_from_db()
                self.message_user(
                    request,
                    _("%(number)s is %(status)s.")
                    % {"number": payment.number, "status": payment.get_status_display().lower()},
                    messages.SUCCESS,
                )
                return redirect(back)
        if form.is_bound:
            status = 400
        title, accept = STEPS[step]
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "payment": payment,
            "accept_label": accept,
            "form": form,
            "next": back,
            "opts": self.model._meta,
            "open_here": payment.status == (S.REQUESTED if step == "check" else S.CHECKED),
            "transitions": payment.transitions.select_related("by"),
            "requestable": format_money(services.tranche_requestable(payment.tranche), payment.currency),
        }
        return TemplateResponse(request, "admin/grants/paymentrequest/decide.html", context, status=status)


class ConfirmRunForm(forms.Form):
    value_date = forms.DateField(label=_("The bank's value date"), initial=timezone.localdate)


@admin.register(PaymentRun)
class PaymentRunAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["reference", "status", "created_at", "created_by", "value_date"]
    list_filter = ["status"]
    list_select_related = ["created_by"]
    search_fields = ["reference", "requests__number"]
    date_hierarchy = "created_at"
    change_form_template = "admin/grants/paymentrun/change_form.html"
    fields = [
        "reference",
        "status",
        "created_by",
        "created_at",
        "sent_at",
        "value_date",
        "confirmed_by",
        "confirmed_at",
    ]
    readonly_fields = fields

    def get_urls(self):
        return [
            path(
                "<int:pk>/file/<str:kind>/",
                self.admin_site.admin_view(requires("grants.view_paymentrun")(self.file_view)),
                name="grants_paymentrun_file",
            ),
            path(
                "<int:pk>/send/",
                self.admin_site.admin_view(requires("grants.add_paymentrun")(require_POST(self.send_view))),
                name="grants_paymentrun_send",
            ),
            path(
                "<int:pk>/confirm/",
                self.admin_site.admin_view(requires("grants.confirm_paymentrun")(self.confirm_view)),
                name="grants_paymentrun_confirm",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        extra = {}
        if run is not None:
            in_file, table_only = payment_files.sepa_lines(run)
            extra = {
                "lines": [*in_file, *table_only],
                "table_only": table_only,
                "in_file": in_file,
                "may_send": run.status == PaymentRunStatus.DRAFT and may(request.user, "grants.add_paymentrun"),
                "may_confirm": run.status == PaymentRunStatus.SENT and may(request.user, "grants.confirm_paymentrun"),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def file_view(self, request, pk: int, kind: str):
        run = get_object_or_404(selectors.visible_payment_runs(request.user), pk=pk)
        if kind not in payment_files.FILES:
            raise Http404
        try:
            return payment_files.run_file_response(run, kind)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return redirect("admin:grants_paymentrun_change", run.pk)

    def send_view(self, request, pk: int):
        run = get_object_or_404(PaymentRun, pk=pk)
        try:
            services.payment_run_send(run=run, by=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
        else:
            self.message_user(request, _("%(run)s is marked sent to the bank.") % {"run": run}, messages.SUCCESS)
        return redirect("admin:grants_paymentrun_change", run.pk)

    def confirm_view(self, request, pk: int):
        run = get_object_or_404(PaymentRun, pk=pk)
        form = ConfirmRunForm(request.POST or None)
        status = 200
        if request.method == "POST" and form.is_valid():
            try:
                services.payment_run_confirm(run=run, by=request.user, value_date=form.cleaned_data["value_date"])
            except DomainError as error:
                form.add_error("value_date" if error.field == "value_date" else None, error.message)
            else:
                self.message_user(request, _("%(run)s is confirmed paid.") % {"run": run}, messages.SUCCESS)
                return redirect("admin:grants_paymentrun_change", run.pk)
        if form.is_bound:
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "title": _("Confirm %(run)s paid") % {"run": run},
            "run": run,
            "form": form,
            "next": reverse("admin:grants_paymentrun_change", args=[run.pk]),
            "opts": self.model._meta,
            "submit_label": _("Confirm paid"),
        }
        return TemplateResponse(request, "admin/grants/paymentrun/confirm.html", context, status=status)


def project_payments_section(project) -> PageSection | None:
    """The project's payment requests on its record page (registered in `GrantsConfig.ready`)."""
    requests = selectors.project_payment_requests(project.pk)
    if not requests:
        return None
    return PageSection("admin/grants/record/payments.html", {"requests": requests})
