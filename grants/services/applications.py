"""Applications to calls: drafting, submitting, reviewing and deciding, each step one transaction."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.money import format_money
from common.outbox import enqueue
from common.permissions import may
from common.uploads import upload_type
from members.models import Organisation, Role, User
from members.selectors import organisations_of

from .. import hooks, tasks
from ..models import (
    Answer,
    Application,
    ApplicationStatus,
    Attachment,
    BudgetLine,
    Call,
    CallQuestion,
    City,
    ConsortiumStatus,
    CriterionScore,
    PartnerRole,
    Project,
    ProjectCountry,
    ProjectPartner,
    ProjectStatus,
    QuestionKind,
    ReviewAssignment,
    ReviewOverride,
    review_due_default,
)
from ..selectors.consortia import EDIT, LEAD, application_access
from ..workflow import WORKFLOW, Actor, is_allowed
from .ledger import BudgetLineInput, TrancheSpec, grant_agreement_sign


class ApplicationError(DomainError):
    """A rule of the grant-making workflow refused the operation."""


class ApplicationIncomplete(ApplicationError):
    """Submission refused: `errors` maps each field at fault to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__(_("The application cannot be submitted yet: see the messages by each field."))
        self.errors = dict(errors)


def is_partner_of(user: User, organisation: Organisation) -> bool:
    return organisations_of(user=user, role=Role.PARTNER).filter(pk=organisation.pk).exists()


def _actor(user: User, application: Application) -> Actor | None:
    if user.is_staff:
        return Actor.STAFF
    if is_partner_of(user, application.organisation):
        return Actor.APPLICANT
    return None


def may_edit_draft(user: User, application: Application) -> bool:
    """The lead applicant's partners, and those of co-applicants with the right to edit, change a draft; only the
    lead submits or withdraws it (the workflow's applicant)."""
    return application_access(user, application) in (LEAD, EDIT)


def _co_applicants(application: Application) -> list[int]:
    """The organisations that apply with the lead: accepted members of its consortium."""
    return list(
        application.consortium.filter(status=ConsortiumStatus.ACCEPTED).values_list("organisation_id", flat=True)
    )


def _move(application: Application, to_status: str, user: User, comment: str = "", **changes) -> None:
    WORKFLOW.move(
        application,
        to_status,
        actor=_actor(user, application),
        by=user,
        comment=comment,
        error=ApplicationError,
        **changes,
    )


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("call", "organisation").get(pk=application.pk)


@transaction.atomic
def application_start(
    *,
    call: Call,
    organisation: Organisation,
    user: User,
    now: dt.datetime | None = None,
    eligibility: Mapping[str, str] | None = None,
    stage: str | None = None,
):
    """Open a draft for an organisation the user acts for, while the call is open: to an invitation-only call
    only for an invited organisation, after the call's eligibility check (`eligibility`, the answers the
    visitor gave), and on a two-stage call a concept note (full proposals are started by the shortlist)."""
    from .calls import call_start_refusal  # the call's rules build on this module's workflow helpers

    if not is_partner_of(user, organisation):
        raise ApplicationError(_("You do not act for %(org)s.") % {"org": organisation})
    if not call.is_open(now):
        raise ApplicationError(_("This call is not open for applications."))
    stage = stage or call.first_stage
    refusal = call_start_refusal(call=call, organisation=organisation, eligibility=eligibility, stage=stage)
    if refusal:
        raise ApplicationError(refusal)
    return Application.objects.create(call=call, organisation=organisation, created_by=user, stage=stage)


# The fields a draft may leave empty but a submission may not.
REQUIRED_TO_SUBMIT = ("title", "summary", "countries", "start_date", "end_date", "requested_amount", "expected_results")

# The fields of an application its applicant fills and saves as a draft.
DRAFT_FIELDS = (
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
def application_save(
    *,
    application: Application,
    user: User,
    fields: Mapping[str, object],
    budget_lines: Sequence[BudgetLineInput] = (),
    answers: Mapping[int, str] | None = None,
    city_names: Sequence[str] = (),
) -> Application:
    """Save a draft as it stands; completeness is checked only on submission."""
    application = _locked(application)
    if not may_edit_draft(user, application):
        raise ApplicationError(_("Only the applying organisation and co-applicants who may edit change the draft."))
    if not application.is_editable:
        raise ApplicationError(_("A submitted application can no longer be changed."))
    for name, value in fields.items():
        if name not in DRAFT_FIELDS:
            raise ApplicationError(_("%(field)s cannot be set here.") % {"field": name})
        setattr(application, name, value)
    try:
        application.full_clean(exclude=["cities", "project"])
    except ValidationError as error:
        raise ApplicationIncomplete(error.message_dict) from error
    application.save()
    application.budget_lines.all().delete()
    for line in budget_lines:
        if line.amount is None or line.amount <= 0:
            raise ApplicationIncomplete({"budget": [_("Each budget line is more than zero.")]})
        BudgetLine.objects.create(
            application=application, category=line.category, description=line.description, amount=line.amount
        )
    for question_id, value in (answers or {}).items():
        question = application.call.questions.filter(pk=question_id, stage=application.stage).first()
        if question is None:
            raise ApplicationError(_("That question belongs to another call."), field=f"question_{question_id}")
        if question.max_length and len(value.strip()) > question.max_length:
            raise ApplicationIncomplete({f"question_{question_id}": [_answer_problem(question, value.strip())]})
        Answer.objects.update_or_create(application=application, question=question, defaults={"value": value.strip()})
    before = set(application.cities.values_list("pk", flat=True))
    cities = [_city(name, application) for name in filter(None, (n.strip() for n in city_names))]
    application.cities.set(cities)
    # A proposal no application names any more is withdrawn, so proposals never outnumber what drafts name.
    City.objects.filter(pk__in=before, confirmed=False, applications=None, projects=None).delete()
    return application


# New city names an organisation's drafts may propose at once, before the secretariat confirms them.
CITY_PROPOSALS_PENDING_MAX = 10


def _city(text: str, application: Application) -> City:
    """`Jinja`, or `Jinja (UG)` when the application targets several countries. A name that matches no city
    becomes a proposal, seen by the organisation and the secretariat only, until the secretariat confirms it."""
    codes = [country.code for country in application.countries]
    name, _sep, suffix = text.partition("(")
    name, code = name.strip(), suffix.rstrip(")").strip().upper()
    if not codes:
        raise ApplicationIncomplete({"city_names": [_("Choose a target country before naming its cities.")]})
    if not code and len(codes) == 1:
        code = codes[0]
    if code not in codes:
        raise ApplicationIncomplete(
            {
                "city_names": [
                    _("Say which target country %(name)s is in, for example %(name)s (%(code)s).")
                    % {"name": name, "code": codes[0]}
                ]
            }
        )
    known = City.objects.filter(name__iexact=name, country=code).first()
    if known:
        return known
    if City.objects.filter(confirmed=False, proposed_by=application.organisation).count() >= CITY_PROPOSALS_PENDING_MAX:
        raise ApplicationIncomplete(
            {
                "city_names": [
                    _(
                        "Your organisation has %(count)s new cities waiting for the secretariat to confirm them: "
                        "name %(name)s once they are confirmed."
                    )
                    % {"count": CITY_PROPOSALS_PENDING_MAX, "name": name}
                ]
            }
        )
    return City.objects.get_or_create(
        name=name, country=code, defaults={"confirmed": False, "proposed_by": application.organisation}
    )[0]


@transaction.atomic
def attachment_add(
    *, application: Application, user: User, upload: UploadedFile, question: CallQuestion | None = None
) -> Attachment:
    """Keep a file with the application after checking its type by its content, not its name."""
    application = _locked(application)
    if not may_edit_draft(user, application) or not application.is_editable:
        raise ApplicationError(_("Files are added to a draft by the applying organisation."), field="file")
    try:
        content_type = upload_type(upload)
    except DomainError as error:
        raise ApplicationError(error.message, field="file") from None
    return Attachment.objects.create(
        application=application,
        question=question,
        file=upload,
        original_name=upload.name[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
    )


@transaction.atomic
def attachment_remove(*, attachment: Attachment, user: User) -> None:
    """Take a file off a draft: the applicant changed its mind or attached the wrong one."""
    application = _locked(attachment.application)
    if not may_edit_draft(user, application) or not application.is_editable:
        raise ApplicationError(_("Files are removed from a draft by the applying organisation."), field="file")
    storage, name = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))  # the file goes only once its row is gone for good


def submission_problems(*, application: Application) -> dict[str, list[str]]:
    """What would refuse the draft's submission now, as it is saved: the review step shows it before submitting."""
    application = Application.objects.select_related("call", "organisation").get(pk=application.pk)
    return submission_errors(application, timezone.now())


def submission_errors(application: Application, now: dt.datetime) -> dict[str, list[str]]:
    """Everything that stands between a draft and its submission, by field."""
    errors: dict[str, list[str]] = defaultdict(list)
    call = application.call
    for name in REQUIRED_TO_SUBMIT:
        if not getattr(application, name):
            errors[name].append(_("This field is required."))
    deadline = application.deadline
    if call.is_published and now >= deadline:
        closes = timezone.localtime(deadline, ZoneInfo(call.time_zone))
        errors["__all__"].append(
            _("The call closed on %(date)s.")
            % {"date": f"{date_format(closes)} {time_format(closes, 'H:i')} ({call.time_zone})"}
        )
    elif not (call.is_published and call.opens_at <= now):
        errors["__all__"].append(_("This call is not open for applications."))
    if call.eligible_kinds and application.organisation.kind not in call.eligible_kinds:
        errors["__all__"].append(
            _("%(kind)s applicants are not eligible for this call.")
            % {"kind": application.organisation.get_kind_display()}
        )
    eligible = {c.code for c in call.eligible_countries}
    outside = [c.name for c in application.countries if eligible and c.code not in eligible]
    if outside:
        errors["countries"].append(_("Not eligible for this call: %(names)s.") % {"names": ", ".join(outside)})
    requested = application.requested_amount
    if requested is not None and requested > call.ceiling:
        errors["requested_amount"].append(
            _("The ceiling per grant is %(ceiling)s.") % {"ceiling": format_money(call.ceiling, call.currency)}
        )
    lines = list(application.budget_lines.all())
    budgeted = sum((line.amount for line in lines), Decimal(0))
    if not lines:
        errors["budget"].append(_("Give the budget by category."))
    elif requested is not None and budgeted != requested:
        errors["budget"].append(
            _("The budget lines add up to %(total)s, not the %(requested)s requested.")
            % {"total": format_money(budgeted, call.currency), "requested": format_money(requested, call.currency)}
        )
    answers = {a.question_id: a.value for a in application.answers.all()}
    files = {a.question_id for a in application.attachments.all()}
    for question in application.questions:
        key = f"question_{question.pk}"
        if question.kind == QuestionKind.FILE:
            if question.required and question.pk not in files:
                errors[key].append(_("Attach a file."))
            continue
        value = answers.get(question.pk, "")
        if not value:
            if question.required:
                errors[key].append(_("This question is required."))
            continue
        problem = _answer_problem(question, value)
        if problem:
            errors[key].append(problem)
    return {field: messages for field, messages in errors.items() if messages}


def _answer_problem(question: CallQuestion, value: str) -> str | None:
    if question.max_length and len(value) > question.max_length:
        return _("Keep this answer to %(limit)s characters: it has %(length)s.") % {
            "limit": question.max_length,
            "length": len(value),
        }
    if question.kind in (QuestionKind.NUMBER, QuestionKind.AMOUNT):
        try:
            number = Decimal(value)
        except InvalidOperation:
            return _("Enter a number.")
        if question.kind == QuestionKind.AMOUNT and number < 0:
            return _("An amount cannot be negative.")
    if question.kind == QuestionKind.DATE:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return _("Enter a date as YYYY-MM-DD.")
    if question.kind == QuestionKind.CHOICE and value not in question.options:
        return _("Choose one of the options.")
    return None


@transaction.atomic
def application_submit(*, application: Application, user: User, now: dt.datetime | None = None) -> Application:
    now = now or timezone.now()
    application = _locked(application)
    if _actor(user, application) != Actor.APPLICANT:
        raise ApplicationError(_("Only the applying organisation submits its application."))
    if application.status != ApplicationStatus.DRAFT:
        raise ApplicationError(_("This application was already submitted."))
    errors = submission_errors(application, now)
    if errors:
        raise ApplicationIncomplete(errors)
    _move(application, ApplicationStatus.SUBMITTED, user, submitted_at=now)
    enqueue(tasks.notify_application_submitted, application.pk)
    return application


@transaction.atomic
def application_withdraw(*, application: Application, user: User, comment: str = "") -> Application:
    application = _locked(application)
    _move(application, ApplicationStatus.WITHDRAWN, user, comment, decided_at=timezone.now())
    return application


@transaction.atomic
def application_screen(*, application: Application, user: User, to_status: str, comment: str = "") -> Application:
    """Staff move an application through screening and review, or reject it: programme officers screen and
    reject before review; rejecting an application in review is an award decision, the committee's."""
    application = _locked(application)
    if to_status == ApplicationStatus.REJECTED and application.status == ApplicationStatus.IN_REVIEW:
        # Concept notes left off the shortlist are turned down by whoever shortlists.
        deciders = ("grants.decide_application", "grants.shortlist_application")
        if not any(may(user, permission) for permission in deciders[: 2 if application.is_concept_note else 1]):
            raise ApplicationError(_("Only the grants committee rejects an application in review."))
    elif not may(user, "grants.screen_application"):
        raise ApplicationError(_("Only the secretariat screens, reviews and rejects applications."))
    if to_status in (ApplicationStatus.APPROVED, ApplicationStatus.WITHDRAWN, ApplicationStatus.SHORTLISTED):
        raise ApplicationError(_("Approve or shortlist with their own step; only the applicant withdraws."))
    decided = {"decided_at": timezone.now()} if to_status == ApplicationStatus.REJECTED else {}
    _move(application, to_status, user, comment, **decided)
    if to_status == ApplicationStatus.REJECTED:
        enqueue(tasks.notify_application_decided, application.pk)
    return application


@transaction.atomic
def reviewer_assign(
    *, application: Application, reviewer: User, assigned_by: User, due_on: dt.date | None = None
) -> ReviewAssignment:
    """Ask `reviewer` to score the application by `due_on` (three weeks from today unless given)."""
    application = _locked(application)
    if not may(assigned_by, "grants.assign_reviewer"):
        raise ApplicationError(_("Only the secretariat assigns reviewers."))
    if application.status not in (ApplicationStatus.SCREENING, ApplicationStatus.IN_REVIEW):
        raise ApplicationError(_("Reviewers are assigned during screening or review."))
    applicants = [application.organisation_id, *_co_applicants(application)]
    if organisations_of(user=reviewer).filter(pk__in=applicants).exists():
        raise ApplicationError(_("A reviewer cannot review their own organisation's application."), field="reviewer")
    if ReviewAssignment.objects.filter(application=application, reviewer=reviewer).exists():
        raise ApplicationError(_("This reviewer is already assigned to the application."), field="reviewer")
    due_on = due_on or review_due_default()
    if due_on < timezone.localdate():
        raise ApplicationError(_("A review is due today or later."), field="due_on")
    review = ReviewAssignment.objects.create(
        application=application, reviewer=reviewer, assigned_by=assigned_by, due_on=due_on
    )
    enqueue(tasks.notify_reviewer_assigned, review.pk)
    return review


@transaction.atomic
def review_submit(
    *,
    review: ReviewAssignment,
    user: User,
    no_conflict: bool,
    scores: Mapping[int, tuple[int, str]],
    overall_comment: str = "",
) -> ReviewAssignment:
    """A reviewer declares no conflict of interest and scores every criterion, 0 to 5, with a comment."""
    review = (
        ReviewAssignment.objects.select_for_update()
        .select_related("application__call")
        .prefetch_related("application__call__criteria")
        .get(pk=review.pk)
    )
    if review.reviewer_id != user.pk:
        raise ApplicationError(_("Only the assigned reviewer submits this review."))
    if review.submitted_at:
        raise ApplicationError(_("This review was already submitted."))
    if review.application.status != ApplicationStatus.IN_REVIEW:
        raise ApplicationError(_("The application is not in review."))
    if not no_conflict:
        raise ApplicationError(
            _(
                "Declare that you have no conflict of interest; if you have one, tell the secretariat "
                "instead of scoring."
            ),
            field="no_conflict",
        )
    criteria = review.application.criteria
    errors = {}
    for criterion in criteria:
        score, _comment = scores.get(criterion.pk, (None, ""))
        if not str(score).isdigit() or not 0 <= int(score) <= 5:
            errors[f"criterion_{criterion.pk}"] = [_("Score this criterion from 0 to 5.")]
    if errors:
        raise ApplicationIncomplete(errors)
    for criterion in criteria:
        score, comment = scores[criterion.pk]
        CriterionScore.objects.create(review=review, criterion=criterion, score=int(score), comment=comment)
    review.no_conflict_declared_at = review.submitted_at = timezone.now()
    review.overall_comment = overall_comment
    review.save(update_fields=["no_conflict_declared_at", "submitted_at", "overall_comment"])
    return review


def reviews_completed(application: Application) -> int:
    return application.reviews.filter(submitted_at__isnull=False).count()


def _review_minimum_check(application: Application, user: User, override_reason: str) -> None:
    """An award follows its review: the call's number of completed reviews, or a director's override with a
    reason, which is kept with the application."""
    done, needed = reviews_completed(application), application.call.reviews_required
    if done >= needed:
        return
    reason = override_reason.strip()
    if not reason:
        raise ApplicationError(
            _(
                "%(done)s of the %(needed)s completed reviews this call needs are in: wait for the reviews, or a "
                "director approves now and says why."
            )
            % {"done": done, "needed": needed},
            field="override_reason",
        )
    if not may(user, "grants.override_review_minimum"):
        raise ApplicationError(
            _("Only a director approves an award with fewer completed reviews than the call needs."),
            field="override_reason",
        )
    ReviewOverride.objects.create(
        application=application, by=user, reason=reason, reviews_completed=done, reviews_required=needed
    )


def _awarded_budget(application: Application) -> list[BudgetLineInput]:
    """The application's budget becomes the grant's when it accounts for the whole amount awarded; otherwise the
    grant starts without lines and a budget revision sets them."""
    lines = [
        BudgetLineInput(category=line.category, amount=line.amount, description=line.description)
        for line in application.budget_lines.all()
    ]
    return lines if sum((line.amount for line in lines), Decimal(0)) == application.requested_amount else []


@transaction.atomic
def application_approve(
    *,
    application: Application,
    user: User,
    grant_reference: str,
    signed_on: dt.date,
    tranches: Sequence[TrancheSpec],
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    comment: str = "",
    accountable: Organisation | None = None,
    override_reason: str = "",
) -> Project:
    """Approve: create the project and sign its grant agreement with its schedule of tranches, all or nothing.

    The application needs the completed reviews its call asks for, unless a director overrides that with a
    reason. The grant runs from `start_date` to `end_date` (the application's dates unless given). The new
    project stays unpublished until staff publish it.
    """
    application = _locked(application)
    if not is_allowed(application, ApplicationStatus.APPROVED, Actor.STAFF) or not may(
        user, "grants.decide_application"
    ):
        raise ApplicationError(_("Only an application in review is approved, by the secretariat."))
    if application.is_concept_note:
        raise ApplicationError(
            _("On a two-stage call only a full proposal is awarded: shortlist the concept note to invite one.")
        )
    _review_minimum_check(application, user, override_reason)
    proposed = [str(city) for city in application.cities.all() if not city.confirmed]
    if proposed:
        raise ApplicationError(
            _("Confirm or replace the cities proposed by the applicant first (Cities in the admin): %(names)s.")
            % {"names": "; ".join(proposed)}
        )
    if not tranches:
        raise ApplicationError(_("Give the schedule of tranches: at least one."), field="tranches")
    start_date, end_date = start_date or application.start_date, end_date or application.end_date
    if start_date and end_date and end_date < start_date:
        raise ApplicationError(_("The grant cannot end before it starts."), field="end_date")
    call = application.call
    project = Project(
        code=grant_reference,
        title=application.title,
        summary=application.summary,
        facility=call.facility,
        status=ProjectStatus.IMPLEMENTATION,
        start_date=start_date,
        end_date=end_date,
        currency=call.currency,
        approved_budget=application.requested_amount,
        co_financing=application.co_financing,
        is_public=False,
    )
    try:
        project.full_clean()
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), field="grant_reference") from error
    project.save()
    project.themes.set(call.themes.all())
    project.cities.set(application.cities.all())
    countries = list(application.countries)
    share = (Decimal(100) / len(countries)).quantize(Decimal("0.01"))
    for index, country in enumerate(countries):
        last = index == len(countries) - 1
        percentage = Decimal(100) - share * (len(countries) - 1) if last else share
        ProjectCountry.objects.create(project=project, country=country.code, percentage=percentage)
    ProjectPartner.objects.create(project=project, organisation=application.organisation, role=PartnerRole.IMPLEMENTING)
    for member in application.consortium.filter(status=ConsortiumStatus.ACCEPTED).select_related("organisation"):
        # Co-applicants implement the grant with the lead: they are its partners on every page and in IATI.
        ProjectPartner.objects.get_or_create(
            project=project, organisation=member.organisation, role=PartnerRole.IMPLEMENTING
        )
    if accountable:
        ProjectPartner.objects.get_or_create(project=project, organisation=accountable, role=PartnerRole.ACCOUNTABLE)
    grant_agreement_sign(
        project=project,
        reference=f"GA-{grant_reference}",
        grantee=application.organisation,
        signed_on=signed_on,
        amount=application.requested_amount,
        tranches=tranches,
        budget_lines=_awarded_budget(application),
        recorded_by=user,
    )
    hooks.awarded.run(project)
    _move(application, ApplicationStatus.APPROVED, user, comment, project=project, decided_at=timezone.now())
    enqueue(tasks.notify_application_decided, application.pk)
    return project


@transaction.atomic
def city_confirm(*, cities: Sequence[City], user: User) -> int:
    """The secretariat confirms cities partners proposed: from then on anyone may see and name them."""
    if not may(user, "grants.change_city"):
        raise ApplicationError(_("Only the secretariat confirms proposed cities."))
    return City.objects.filter(pk__in=[city.pk for city in cities], confirmed=False).update(confirmed=True)
