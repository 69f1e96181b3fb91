"""The partner portal's pages of amendments: request one, follow it, withdraw it, and read the versions of the
agreement side by side. Only the grantee's partners reach them; anyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import DomainError

from .agreement_pdf import amendment_letter_response, amendment_signed_copy_response
from .forms import AmendmentForm, BudgetLineFormSet
from .models import Amendment, AmendmentKind, AmendmentStatus, GrantAgreement
from .selectors.amendments import agreement_amendments, agreement_versions, partner_agreement, partner_amendments
from .services import BudgetLineInput, TrancheSpec, sides_awaited
from .services.amendments import AmendmentTerms, amendment_request, amendment_withdraw


def _agreement(request: HttpRequest, code: str) -> GrantAgreement:
    try:
        return partner_agreement(request.user, code)
    except GrantAgreement.DoesNotExist:
        raise Http404 from None


def amendment_forms(data, *, agreement: GrantAgreement, kind: str) -> tuple[AmendmentForm, BudgetLineFormSet | None]:
    """The form of a request of `kind` and its budget lines (none for a no-cost extension), filled with the
    agreement's current lines to edit in place; one door for the portal and the admin."""
    if kind == AmendmentKind.NO_COST_EXTENSION:
        return AmendmentForm(data, kind=kind), None
    current = [
        {"category": line.category, "description": line.description, "amount": line.amount}
        for line in agreement.budget_lines.all()
    ]
    # Bound formsets compare with `initial` and drop unchanged lines: give it only to the blank one.
    budget = BudgetLineFormSet(data, prefix="budget", initial=None if data else current)
    return AmendmentForm(data, kind=kind), budget


def forms_valid(form: AmendmentForm, budget: BudgetLineFormSet | None) -> bool:
    return form.is_valid() and (budget is None or budget.is_valid())


def amendment_terms(form: AmendmentForm, budget: BudgetLineFormSet | None) -> AmendmentTerms:
    values = form.cleaned_data
    lines = [
        BudgetLineInput(line["category"], line["amount"], line.get("description", ""))
        for line in (budget.cleaned_data if budget is not None else [])
        if line and line.get("amount") is not None
    ]
    tranches = []
    if form.kind == AmendmentKind.COST_EXTENSION:
        tranches = [
            TrancheSpec(
                planned_date=values["tranche_date"],
                amount=values["additional_amount"],
                condition=values.get("tranche_condition", ""),
            )
        ]
    return AmendmentTerms(
        kind=form.kind,
        reason=values["reason"],
        new_end_date=values.get("new_end_date"),
        additional_amount=values.get("additional_amount"),
        budget_lines=lines,
        tranches=tranches,
    )


def show_refusal(error: DomainError, form: AmendmentForm, budget: BudgetLineFormSet | None) -> None:
    field = (error.field or "").split(".")[0]
    if field == "tranches" and "tranche_date" in form.fields:
        form.add_error("tranche_date", error.message)
    elif field in form.fields:
        form.add_error(field, error.message)
    elif budget is not None and field == "budget_lines":
        budget._non_form_errors = budget.error_class([*budget.non_form_errors(), error.message])
    else:
        form.add_error(None, error.message)


@login_required
def amendments(request: HttpRequest, code: str) -> HttpResponse:
    agreement = _agreement(request, code)
    # The user acts for the grantee (`_agreement`): a partner's request is theirs to withdraw, as is their own.
    rows = [
        (
            amendment,
            amendment.status == AmendmentStatus.REQUESTED
            and (amendment.by_partner or amendment.requested_by_id == request.user.pk),
            sides_awaited(amendment) if amendment.awaits_signatures else [],
        )
        for amendment in agreement_amendments(agreement)
    ]
    context = {"agreement": agreement, "project": agreement.project, "rows": rows, "kinds": AmendmentKind.choices}
    return render(request, "grants/portal/amendments.html", context)


@login_required
def amendment_new(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    agreement = _agreement(request, code)
    if kind not in AmendmentKind.values:
        raise Http404
    form, budget = amendment_forms(request.POST or None, agreement=agreement, kind=kind)
    if request.method == "POST" and forms_valid(form, budget):
        try:
            amendment_request(agreement=agreement, user=request.user, terms=amendment_terms(form, budget))
        except DomainError as error:
            show_refusal(error, form, budget)
        else:
            messages.success(request, _("Your request is sent: the secretariat decides it and we e-mail you."))
            return redirect("grants:amendments", code=code)
    context = {
        "agreement": agreement,
        "project": agreement.project,
        "kind": AmendmentKind(kind),
        "form": form,
        "budget": budget,
    }
    return render(
        request, "grants/portal/amendment_form.html", context, status=400 if request.method == "POST" else 200
    )


@login_required
@require_POST
def amendment_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    amendment = partner_amendments(request.user).filter(pk=pk).first()
    if amendment is None:
        raise Http404
    try:
        amendment_withdraw(amendment=amendment, user=request.user, reason=request.POST.get("reason", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request is withdrawn."))
    return redirect("grants:amendments", code=amendment.agreement.project.code)


@login_required
def versions(request: HttpRequest, code: str) -> HttpResponse:
    agreement = _agreement(request, code)
    context = {"comparison": agreement_versions(agreement), "project": agreement.project}
    return render(request, "grants/portal/versions.html", context)


def _own_amendment(request: HttpRequest, pk: int) -> Amendment:
    """An amendment of an agreement the user's organisation holds as grantee; 404 for any other."""
    try:
        return partner_amendments(request.user).get(pk=pk)
    except Amendment.DoesNotExist:
        raise Http404 from None


@login_required
def amendment_letter_download(request: HttpRequest, pk: int) -> HttpResponse:
    return amendment_letter_response(_own_amendment(request, pk))


@login_required
def amendment_signed_copy_download(request: HttpRequest, pk: int) -> HttpResponse:
    return amendment_signed_copy_response(_own_amendment(request, pk))
