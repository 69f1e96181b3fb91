"""Pages where people register their organisation, see who acts for it and invite colleagues."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from common.errors import DomainError

from . import selectors, services
from .forms import BankAccountForm, InvitationForm, OrganisationForm
from .models import BankAccount, Organisation, Role


@login_required
def onboarding(request: HttpRequest) -> HttpResponse:
    """Where everyone lands after logging in: people who act for no organisation yet register or join one."""
    after = _safe_next(request)  # where the partner was going, such as the call it wants to apply to
    if request.user.is_staff or selectors.acts_for_an_organisation(user=request.user):
        return redirect(after or "home")
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_register(user=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request, _("%(organisation)s is registered. You act for it.") % {"organisation": organisation}
            )
            return redirect(after or reverse("members:organisation", args=[organisation.pk]))
    context = {"form": form, "invitations": selectors.invitations_waiting_for(user=request.user), "next": after}
    return render(request, "members/onboarding.html", context, status=400 if form.errors else 200)


def _safe_next(request: HttpRequest) -> str:
    """The `next` address of the request when it stays on this site, else nothing."""
    after = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        after, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return after if after and allowed else ""


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = list(selectors.organisations_of(user=request.user))
    if not organisations and not request.user.is_staff:
        return redirect("members:onboarding")
    return render(request, "members/organisation_list.html", {"organisations": organisations})


def _organisation_page(request: HttpRequest, pk: int, form: InvitationForm, status: int = 200) -> HttpResponse:
    try:
        page = selectors.organisation_page(user=request.user, pk=pk)
    except Organisation.DoesNotExist:
        raise Http404 from None
    return render(request, "members/organisation_detail.html", {"page": page, "form": form}, status=status)


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _organisation_page(request, pk, InvitationForm())


@login_required
@require_POST
def invitation_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(selectors.organisations_of(user=request.user, role=Role.PARTNER), pk=pk)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                organisation=organisation,
                invited_by=request.user,
                email=form.cleaned_data["email"],
                site_url=request.build_absolute_uri("/"),
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("We are sending an invitation to %(email)s. It is valid for 14 days.") % {"email": invitation.email},
            )
            return redirect("members:organisation", pk=organisation.pk)
    return _organisation_page(request, pk, form, status=400)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation email: shows what it is for, and lets the invited person accept it."""
    found = selectors.invitation_by_token(token=token)
    usable = found is not None and not found.is_accepted and not found.is_expired()
    context = {"invitation": found, "usable": usable, "error": None}
    if not request.user.is_authenticated:
        if usable:
            # Following the link proves the address is theirs: signing up with it needs no second email.
            get_adapter(request).stash_verified_email(request, found.email)
        return render(request, "members/invitation.html", context, status=200 if found else 404)
    if request.method == "POST":
        try:
            accepted = services.invitation_accept(token=token, user=request.user)
        except DomainError as error:
            context["error"] = error.message
        else:
            messages.success(request, _("You now act for %(organisation)s.") % {"organisation": accepted.organisation})
            return redirect("members:organisation", pk=accepted.organisation_id)
    status = 400 if context["error"] else 200 if found else 404
    return render(request, "members/invitation.html", context, status=status)


def _partner_organisation(request: HttpRequest, pk: int) -> Organisation:
    return get_object_or_404(selectors.organisations_of(user=request.user, role=Role.PARTNER), pk=pk)


@login_required
def bank_accounts(request: HttpRequest, pk: int) -> HttpResponse:
    """The organisation's bank accounts, and a form to add one; for its partners only (404 to anyone else)."""
    organisation = _partner_organisation(request, pk)
    form = BankAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.bank_account_save(organisation=organisation, by=request.user, **form.values())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request, _("The account is saved. The secretariat's finance team verifies it before paying into it.")
            )
            return redirect("members:bank-accounts", pk=organisation.pk)
    context = {"organisation": organisation, "accounts": selectors.bank_accounts_of(organisation), "form": form}
    return render(request, "members/bank_accounts.html", context, status=400 if form.errors else 200)


@login_required
def bank_account_change(request: HttpRequest, pk: int, account: int) -> HttpResponse:
    organisation = _partner_organisation(request, pk)
    found = get_object_or_404(BankAccount, organisation=organisation, pk=account)
    form = BankAccountForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.bank_account_save(
                organisation=organisation, account=found, by=request.user, **form.values()
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                _("The account is saved.")
                if saved.is_verified
                else _("The account is saved. It is paid into again once the finance team has verified the change."),
            )
            return redirect("members:bank-accounts", pk=organisation.pk)
    context = {"organisation": organisation, "account": found, "form": form}
    return render(request, "members/bank_account_form.html", context, status=400 if form.errors else 200)


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's language switch (the cookie, back to the page), and for a signed-in user the choice kept on
    their account, so that it follows them to every device and into their e-mails."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_language_set(user=request.user, language=language)
    return response
