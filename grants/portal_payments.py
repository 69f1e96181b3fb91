"""The partner portal's payments of a grant: ask for a released tranche, follow the requests, withdraw one.

Views parse, services decide; a refusal shows the page again with what was typed and the reason (400).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import DomainError
from common.money import format_money

from . import services
from .forms import PaymentRequestForm
from .models import GrantAgreement, PaymentRequest
from .payment_workflow import Actor, next_steps
from .selectors import payments as selectors


def _agreement(request: HttpRequest, code: str) -> GrantAgreement:
    try:
        return selectors.partner_agreement(request.user, code)
    except GrantAgreement.DoesNotExist:
        raise Http404 from None


def _page(request: HttpRequest, agreement: GrantAgreement, bound: PaymentRequestForm | None = None, status=200):
    payments = selectors.partner_payments(agreement)
    tranches = []
    for row in payments.tranches:
        form = None
        if row.can_request:
            if bound is not None and bound.data.get("tranche") == str(row.tranche.pk):
                form = bound
            else:
                form = PaymentRequestForm(
                    accounts=payments.accounts,
                    initial={"tranche": row.tranche.pk, "amount": row.requestable},
                    auto_id=f"id_t{row.tranche.number}_%s",
                )
        tranches.append((row, form))
    requests = [(payment, "withdrawn" in next_steps(payment, Actor.PARTNER)) for payment in payments.requests]
    context = {"agreement": agreement, "payments": payments, "tranches": tranches, "requests": requests}
    return render(request, "grants/portal/payments.html", context, status=status)


@login_required
def payments(request: HttpRequest, code: str) -> HttpResponse:
    return _page(request, _agreement(request, code))


@login_required
@require_POST
def payment_request_create(request: HttpRequest, code: str) -> HttpResponse:
    agreement = _agreement(request, code)
    tranche = (
        agreement.tranches.filter(pk=request.POST.get("tranche", "")).first()
        if request.POST.get("tranche", "").isdigit()
        else None
    )
    if tranche is None:
        raise Http404
    accounts = selectors.partner_payments(agreement).accounts
    form = PaymentRequestForm(request.POST, accounts=accounts, auto_id=f"id_t{tranche.number}_%s")
    if form.is_valid():
        account = form.accounts.get(form.cleaned_data["bank_account"])
        try:
            payment = services.payment_request_create(
                tranche=tranche,
                amount=form.cleaned_data["amount"],
                bank_account=account,
                requested_by=request.user,
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Your request %(number)s for %(amount)s is sent. The secretariat checks it, then approves it.")
                % {"number": payment.number, "amount": format_money(payment.amount, payment.currency)},
            )
            return redirect("grants:payments", code=code)
    return _page(request, agreement, bound=form, status=400)


@login_required
@require_POST
def payment_request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        payment = selectors.partner_payment_request(request.user, pk)
    except PaymentRequest.DoesNotExist:
        raise Http404 from None
    try:
        services.payment_request_withdraw(request=payment, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request %(number)s is withdrawn.") % {"number": payment.number})
    return redirect("grants:payments", code=payment.tranche.agreement.project.code)
