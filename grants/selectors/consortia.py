"""Reads of consortia: what a user may do with an application as lead or co-applicant, the invitations waiting for
their organisations, and the organisations a lead may invite."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from members.models import Organisation, OrganisationRole, Role, User
from members.selectors import emails_about, organisations_of, visible_organisations

from ..models import Application, ApplicationStatus, ConsortiumMember, ConsortiumRights, ConsortiumStatus
from ..todos import Todo

# What a partner user may do with an application: lead it (every act), or, as an accepted co-applicant, edit its
# draft or only read it.
LEAD, EDIT, VIEW = "lead", ConsortiumRights.EDIT.value, ConsortiumRights.VIEW.value


def co_applied_ids(organisations: QuerySet[Organisation]) -> QuerySet[ConsortiumMember]:
    """The ids of the applications these organisations are accepted co-applicants of (a subquery)."""
    return ConsortiumMember.objects.filter(organisation__in=organisations, status=ConsortiumStatus.ACCEPTED).values(
        "application_id"
    )


def applicant_emails(application: Application) -> list[str]:
    """Who hears of an application as its applicant: who started it, the lead's partners and those of its accepted
    co-applicants, who apply with it."""
    co_applicants = application.consortium.filter(status=ConsortiumStatus.ACCEPTED).values("organisation")
    return [
        application.created_by.email,
        *emails_about(organisations=[application.organisation], role=Role.PARTNER),
        *emails_about(organisations=co_applicants, role=Role.PARTNER),
    ]


def application_access(user: User, application: Application) -> str | None:
    """LEAD, EDIT, VIEW or None: what `user` may do with `application` as one of its partners. One or two queries
    (one when the application's consortium is prefetched)."""
    if not user.is_authenticated:
        return None
    mine = set(OrganisationRole.objects.filter(user=user, role=Role.PARTNER).values_list("organisation_id", flat=True))
    if application.organisation_id in mine:
        return LEAD
    rights = {member.rights for member in _accepted(application) if member.organisation_id in mine}
    if not rights:
        return None
    return EDIT if EDIT in rights else VIEW


def _accepted(application: Application) -> list[ConsortiumMember]:
    """The application's accepted members, from its prefetched consortium when the page loaded it."""
    cache = getattr(application, "_prefetched_objects_cache", {})
    members = cache["consortium"] if "consortium" in cache else application.consortium.all()
    return [member for member in members if member.status == ConsortiumStatus.ACCEPTED]


def consortium_of(application: Application) -> list[ConsortiumMember]:
    """Who is invited or takes part, as the application's pages list them (declined and removed rows are history)."""
    return [
        member
        for member in application.consortium.all()
        if member.status in (ConsortiumStatus.INVITED, ConsortiumStatus.ACCEPTED)
    ]


def invitations_waiting(user: User) -> QuerySet[ConsortiumMember]:
    """Invitations to join a draft that the user's organisations have not answered yet."""
    return (
        ConsortiumMember.objects.filter(
            organisation__in=organisations_of(user=user, role=Role.PARTNER),
            status=ConsortiumStatus.INVITED,
            application__status=ApplicationStatus.DRAFT,
        )
        .select_related("application__call", "application__organisation", "organisation", "invited_by")
        .order_by("-invited_at", "pk")
    )


def invitation_for(user: User, pk: int) -> ConsortiumMember:
    """An invitation of one of the user's organisations, answered or not; DoesNotExist for anyone else's."""
    return ConsortiumMember.objects.select_related("application", "organisation").get(
        pk=pk, organisation__in=organisations_of(user=user, role=Role.PARTNER)
    )


def member_for_lead(user: User, pk: int) -> ConsortiumMember:
    """A member of an application the user leads; DoesNotExist for anyone else's."""
    return ConsortiumMember.objects.select_related("application", "organisation").get(
        pk=pk, application__organisation__in=organisations_of(user=user, role=Role.PARTNER)
    )


def invitation_todos(user: User, today: dt.date) -> list[Todo]:
    """The portal home's "requests to answer": each invitation to join a consortium. One query."""
    return [
        Todo(
            title=_("Answer: %(lead)s invites you to apply with it") % {"lead": member.application.organisation},
            detail=_("%(application)s, to %(call)s, with the right to %(rights)s.")
            % {
                "application": member.application,
                "call": member.application.call,
                "rights": member.get_rights_display().lower(),
            },
            url=reverse("grants:dashboard") + "#requests",
        )
        for member in invitations_waiting(user)[:20]
    ]


def _registered() -> QuerySet[Organisation]:
    """Organisations registered in the portal: someone acts for them as a partner, so an invitation is answered."""
    return Organisation.objects.filter(user_roles__role=Role.PARTNER).distinct()


def organisation_suggestions(*, user: User, text: str, limit: int = 8) -> list[str]:
    """Names of registered organisations the user may see (public ones and their own) holding `text`.

    An organisation that only registered on the portal is not listed to strangers: the lead names it in full, or
    gives its IATI identifier or a partner's e-mail address, and `organisation_to_invite` finds it."""
    text = text.strip()
    if len(text) < 2:
        return []
    found = (
        _registered()
        .filter(pk__in=visible_organisations(user).values("pk"))
        .filter(Q(name__icontains=text) | Q(short_name__icontains=text))
        .exclude(pk__in=organisations_of(user=user, role=Role.PARTNER).values("pk"))
        .order_by("name")
        .values_list("name", flat=True)[:limit]
    )
    return list(found)


def organisation_to_invite(text: str) -> list[Organisation]:
    """The registered organisations that `text` names exactly: by IATI identifier, a partner's e-mail address, or
    its name or short name (any case). Usually one; none or several, and the service says so."""
    text = text.strip()
    if not text:
        return []
    registered = _registered()
    if "@" in text:
        matches = registered.filter(user_roles__role=Role.PARTNER, user_roles__user__email__iexact=text)
    else:
        matches = registered.filter(Q(iati_identifier__iexact=text) | Q(name__iexact=text) | Q(short_name__iexact=text))
    return list(matches.order_by("name")[:5])
