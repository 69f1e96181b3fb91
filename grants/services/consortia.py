"""Consortia: the lead applicant invites co-applicant organisations to its draft, they accept or decline, the lead
removes them. Each step one transaction, under a lock on the application."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.outbox import enqueue
from members.models import Organisation, Role, User
from members.selectors import organisations_of

from .. import tasks
from ..models import Application, ApplicationStatus, ConsortiumMember, ConsortiumRights, ConsortiumStatus
from ..selectors.consortia import LEAD, application_access, organisation_to_invite
from .applications import ApplicationError


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("organisation").get(pk=application.pk)


def _lead_only(user: User, application: Application, act: str) -> None:
    if application_access(user, application) != LEAD:
        raise ApplicationError(_("Only the lead applicant's partners %(act)s.") % {"act": act})
    if application.status != ApplicationStatus.DRAFT:
        raise ApplicationError(_("The consortium changes only while the application is a draft."))


def organisation_find(*, text: str) -> Organisation:
    """The registered organisation `text` names (its name, IATI identifier or a partner's e-mail address)."""
    found = organisation_to_invite(text)
    if not found:
        raise ApplicationError(
            _(
                "No organisation registered in the portal answers to “%(text)s”. Give its full name, its IATI "
                "identifier or the e-mail address of someone who acts for it; an organisation not yet in the portal "
                "registers first."
            )
            % {"text": text.strip()[:200]},
            field="organisation",
        )
    if len(found) > 1:
        raise ApplicationError(
            _("“%(text)s” names several organisations (%(names)s): give the full name or the IATI identifier.")
            % {"text": text.strip()[:200], "names": "; ".join(str(org) for org in found)},
            field="organisation",
        )
    return found[0]


@transaction.atomic
def consortium_invite(
    *, application: Application, user: User, organisation: Organisation, rights: str = ConsortiumRights.VIEW
) -> ConsortiumMember:
    """The lead invites an organisation registered in the portal, to view or to edit the draft; its partners are
    e-mailed and find the invitation on their portal home. A declined or removed organisation may be invited again."""
    application = _locked(application)
    _lead_only(user, application, _("invite co-applicants"))
    if rights not in ConsortiumRights.values:
        raise ApplicationError(_("Choose view or edit."), field="rights")
    if organisation.pk == application.organisation_id:
        raise ApplicationError(_("The lead applicant is not its own co-applicant."), field="organisation")
    if not organisation.user_roles.filter(role=Role.PARTNER).exists():
        raise ApplicationError(
            _("Nobody acts for %(org)s in the portal yet: it registers first, then you invite it.")
            % {"org": organisation},
            field="organisation",
        )
    member = ConsortiumMember.objects.select_for_update().filter(application=application, organisation=organisation)
    member = member.first()
    if member and member.status in (ConsortiumStatus.INVITED, ConsortiumStatus.ACCEPTED):
        raise ApplicationError(
            _("%(org)s is already %(status)s.") % {"org": organisation, "status": member.get_status_display().lower()},
            field="organisation",
        )
    member = member or ConsortiumMember(application=application, organisation=organisation)
    member.rights, member.status = rights, ConsortiumStatus.INVITED
    member.invited_by, member.invited_at = user, timezone.now()
    member.answered_by = member.answered_at = member.removed_by = member.removed_at = None
    member.full_clean()
    member.save()
    enqueue(tasks.notify_consortium_invited, member.pk)
    return member


def _answer(member: ConsortiumMember, user: User, to_status: str) -> ConsortiumMember:
    _locked(member.application)
    member = ConsortiumMember.objects.select_for_update().select_related("application").get(pk=member.pk)
    if not organisations_of(user=user, role=Role.PARTNER).filter(pk=member.organisation_id).exists():
        raise ApplicationError(_("Only the invited organisation's partners answer its invitation."))
    if member.status != ConsortiumStatus.INVITED:
        raise ApplicationError(
            _("This invitation is already answered: %(status)s.") % {"status": member.get_status_display().lower()}
        )
    if member.application.status != ApplicationStatus.DRAFT:
        raise ApplicationError(_("The application was sent without waiting for your answer: it is too late to join."))
    member.status, member.answered_by, member.answered_at = to_status, user, timezone.now()
    member.save(update_fields=["status", "answered_by", "answered_at"])
    enqueue(tasks.notify_consortium_answered, member.pk)
    return member


@transaction.atomic
def consortium_accept(*, member: ConsortiumMember, user: User) -> ConsortiumMember:
    """The invited organisation joins: its partners see the application and, with the right to edit, change it."""
    return _answer(member, user, ConsortiumStatus.ACCEPTED)


@transaction.atomic
def consortium_decline(*, member: ConsortiumMember, user: User) -> ConsortiumMember:
    return _answer(member, user, ConsortiumStatus.DECLINED)


@transaction.atomic
def consortium_remove(*, member: ConsortiumMember, user: User) -> ConsortiumMember:
    """The lead takes an invited or accepted organisation off its draft: from then on its partners see nothing."""
    application = _locked(member.application)
    _lead_only(user, application, _("remove co-applicants"))
    member = ConsortiumMember.objects.select_for_update().get(pk=member.pk, application=application)
    if member.status not in (ConsortiumStatus.INVITED, ConsortiumStatus.ACCEPTED):
        raise ApplicationError(_("%(org)s is not in the consortium.") % {"org": member.organisation})
    member.status, member.removed_by, member.removed_at = ConsortiumStatus.REMOVED, user, timezone.now()
    member.save(update_fields=["status", "removed_by", "removed_at"])
    return member
