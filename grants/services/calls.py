"""Who may answer a call, and its second stage: the eligibility check, invitations and the shortlist."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.outbox import enqueue
from common.permissions import may
from members.models import Organisation, OrganisationKind, User

from .. import tasks
from ..models import (
    Answer,
    Application,
    ApplicationStatus,
    BudgetLine,
    Call,
    CallInvitation,
    CallStage,
)
from .applications import ApplicationError, _locked, _move

YES, NO = "yes", "no"


@dataclass(frozen=True)
class Eligibility:
    """The outcome of a call's eligibility check: eligible, or the plain reasons why not."""

    answered: bool  # every question has an answer
    why_not: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return self.answered and not self.why_not


def eligibility_check(
    *, call: Call, answers: Mapping[str, str] | None, kind: str | None = None, questions=None
) -> Eligibility:
    """Check `answers` ("yes"/"no" by question id, as text) to the call's eligibility questions and the applying
    organisation's `kind` against the kinds the call accepts. Answers nothing to save: the portal keeps them
    in the visitor's session, so the check is asked before any account exists."""
    answers = answers or {}
    questions = list(questions if questions is not None else call.eligibility_questions.all())
    why_not: list[str] = []
    answered = True
    if call.eligible_kinds:
        if not kind:
            answered = False
        elif kind not in call.eligible_kinds:
            why_not.append(
                _("This call is open to %(kinds)s only, not to %(kind)s.")
                % {"kinds": ", ".join(call.eligible_kind_labels), "kind": OrganisationKind(kind).label}
            )
    for question in questions:
        given = answers.get(str(question.pk))
        if given not in (YES, NO):
            answered = False
        elif (given == YES) != question.qualifying_answer:
            why_not.append(question.why_not)
    return Eligibility(answered=answered, why_not=why_not)


def is_invited(call: Call, organisation: Organisation) -> bool:
    return CallInvitation.objects.filter(call=call, organisation=organisation).exists()


def call_start_refusal(
    *, call: Call, organisation: Organisation, eligibility: Mapping[str, str] | None, stage: str
) -> str | None:
    """Why `organisation` may not start an application of `stage` to the call now, or None: the rules of
    who may answer a call, said once for the portal and the API."""
    if call.invitation_only and not is_invited(call, organisation):
        return _("This call is by invitation only, and %(org)s is not invited.") % {"org": organisation}
    if stage == CallStage.CONCEPT_NOTE and not call.is_two_stage:
        return _("This call takes full proposals only: it has no concept note stage.")
    if stage == CallStage.FULL_PROPOSAL and call.is_two_stage:
        return _(
            "Full proposals to this call are by invitation: send a concept note first; if it is shortlisted, "
            "your full proposal is started for you."
        )
    result = eligibility_check(call=call, answers=eligibility, kind=organisation.kind)
    if result.why_not:
        return _("%(org)s is not eligible for this call: %(reasons)s") % {
            "org": organisation,
            "reasons": " ".join(result.why_not),
        }
    if not result.answered:
        return _("Answer the call's eligibility questions first.")
    return None


# What a shortlisted concept note hands on to its full proposal.
CARRIED_OVER = (
    "title",
    "summary",
    "countries",
    "start_date",
    "end_date",
    "requested_amount",
    "co_financing",
    "expected_results",
)


@transaction.atomic
def concept_note_shortlist(*, application: Application, user: User, comment: str = "") -> Application:
    """Shortlist a concept note in review: it is marked shortlisted (a step of its workflow, kept with who and
    when) and the organisation is invited to a full proposal, started for it as a draft pre-filled from the
    concept note (its proposal, places, budget, and the answers to questions of the same key). The
    organisation is told by e-mail. Returns the full proposal."""
    if not may(user, "grants.shortlist_application"):
        raise ApplicationError(_("Only the grants committee shortlists concept notes."))
    concept = _locked(application)
    if not concept.is_concept_note:
        raise ApplicationError(_("Only a concept note is shortlisted; a full proposal is approved or rejected."))
    if concept.status != ApplicationStatus.IN_REVIEW:
        raise ApplicationError(_("A concept note is shortlisted once it is in review."))
    call = concept.call
    if timezone.now() >= call.deadline(CallStage.FULL_PROPOSAL):
        raise ApplicationError(_("The call's full proposals closed: no one can be invited any more."))
    _move(concept, ApplicationStatus.SHORTLISTED, user, comment)
    full = Application.objects.create(
        call=call,
        organisation=concept.organisation,
        created_by=concept.created_by,
        stage=CallStage.FULL_PROPOSAL,
        concept_note=concept,
        **{name: getattr(concept, name) for name in CARRIED_OVER},
    )
    full.cities.set(concept.cities.all())
    BudgetLine.objects.bulk_create(
        BudgetLine(application=full, category=line.category, description=line.description, amount=line.amount)
        for line in concept.budget_lines.all()
    )
    given = {
        answer.question.key: answer.value
        for answer in concept.answers.select_related("question")
        if answer.question.key
    }
    Answer.objects.bulk_create(
        Answer(application=full, question=question, value=given[question.key])
        for question in call.questions.filter(stage=CallStage.FULL_PROPOSAL).exclude(key="")
        if question.key in given
    )
    enqueue(tasks.notify_concept_note_shortlisted, concept.pk)
    return full
