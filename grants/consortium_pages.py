"""The consortium in the portal: the lead invites and removes co-applicants on its application's page; an invited
organisation's partners accept or decline from their portal home. Views parse, services decide; an id outside the
person's organisations answers 404, an act the person may see but not take 403."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.errors import DomainError

from . import selectors, services
from .models import Application, ConsortiumMember
from .selectors.consortia import LEAD, application_access, invitation_for, member_for_lead, organisation_suggestions


def _consortium_section(pk: int) -> str:
    return reverse("grants:application", args=[pk]) + "#consortium"


@login_required
@require_POST
def consortium_invite(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        application = selectors.partner_application(request.user, pk)
    except Application.DoesNotExist:
        raise Http404 from None
    if application_access(request.user, application) != LEAD:
        raise PermissionDenied  # a co-applicant sees the application, but only the lead invites
    try:
        organisation = services.organisation_find(text=request.POST.get("organisation", "")[:300])
        member = services.consortium_invite(
            application=application,
            user=request.user,
            organisation=organisation,
            rights=request.POST.get("rights", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(org)s is invited; its partners are told by e-mail and answer on their portal home.")
            % {"org": member.organisation},
        )
    return redirect(_consortium_section(pk))


@login_required
@require_POST
def consortium_remove(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        member = member_for_lead(request.user, pk)
    except ConsortiumMember.DoesNotExist:
        raise Http404 from None
    try:
        services.consortium_remove(member=member, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(org)s is no longer in the consortium.") % {"org": member.organisation})
    return redirect(_consortium_section(member.application_id))


def _answer(request: HttpRequest, pk: int, accept: bool) -> HttpResponse:
    try:
        member = invitation_for(request.user, pk)
    except ConsortiumMember.DoesNotExist:
        raise Http404 from None
    act = services.consortium_accept if accept else services.consortium_decline
    try:
        act(member=member, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("grants:dashboard") + "#requests")
    if accept:
        messages.success(request, _("You are a co-applicant of %(title)s.") % {"title": member.application})
        return redirect("grants:application", pk=member.application_id)
    messages.success(request, _("You declined to apply with %(lead)s.") % {"lead": member.application.organisation})
    return redirect(reverse("grants:dashboard") + "#requests")


@login_required
@require_POST
def consortium_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, pk, accept=True)


@login_required
@require_POST
def consortium_decline(request: HttpRequest, pk: int) -> HttpResponse:
    return _answer(request, pk, accept=False)


@login_required
def organisation_search(request: HttpRequest) -> JsonResponse:
    """Organisations matching what the lead types in the invitation form (the combobox's suggestions)."""
    names = organisation_suggestions(user=request.user, text=request.GET.get("q", "")[:60])
    return JsonResponse({"organisations": names})
