"""Reads of calls and applications, scoped to who asks, in a constant number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Prefetch, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.permissions import may
from members.models import Role, User
from members.selectors import organisations_of

from ..models import (
    Application,
    ApplicationStatus,
    AssessmentCriterion,
    Attachment,
    BudgetCategory,
    BudgetLine,
    Call,
    CallDocument,
    CallInvitation,
    CallQuestion,
    CallStage,
    City,
    ConsortiumMember,
    CriterionScore,
    Project,
    ReviewAssignment,
    ReviewOverride,
)
from ..todos import Todo
from .consortia import co_applied_ids


def calls_seen_by(user: User | None) -> QuerySet[Call]:
    """Published calls `user` may see: every public one; one by invitation only to the partners of the
    organisations it invites and to staff who view calls. Anyone else is told it does not exist."""
    published = Call.objects.filter(is_published=True)
    if user is not None and may(user, "grants.view_call"):
        return published
    if user is None or not user.is_authenticated:
        return published.filter(invitation_only=False)
    invited = CallInvitation.objects.filter(organisation__in=organisations_of(user=user, role=Role.PARTNER))
    return published.filter(Q(invitation_only=False) | Q(pk__in=invited.values("call_id")))


def open_calls(now=None, *, user: User | None = None) -> QuerySet[Call]:
    now = now or timezone.now()
    return (
        calls_seen_by(user)
        .filter(opens_at__lte=now, closes_at__gt=now)
        .select_related("facility__window")
        .prefetch_related("themes")
        .order_by("closes_at")
    )


def published_call(*, reference: str, user: User | None = None) -> Call:
    """The call's public page: its questions, criteria, eligibility questions and documents, in order."""
    return (
        calls_seen_by(user)
        .select_related("facility__window")
        .prefetch_related(
            "themes",
            "questions",
            Prefetch("criteria", queryset=AssessmentCriterion.objects.order_by("stage", "order", "pk")),
            "eligibility_questions",
            "documents",
        )
        .get(reference=reference)
    )


def call_document(*, reference: str, pk: int, user: User | None) -> CallDocument:
    """A document of a call `user` may see; DoesNotExist otherwise."""
    return CallDocument.objects.select_related("call").get(
        pk=pk, call__reference=reference, call__in=calls_seen_by(user)
    )


def partner_applications(user: User) -> QuerySet[Application]:
    """Applications of the organisations the user acts for as a partner, as lead or accepted co-applicant: never
    anyone else's."""
    organisations = organisations_of(user=user, role=Role.PARTNER)
    return (
        Application.objects.filter(Q(organisation__in=organisations) | Q(pk__in=co_applied_ids(organisations)))
        .select_related("call", "organisation", "project")
        .order_by("-updated_at")
    )


def partner_application(user: User, pk: int) -> Application:
    """One of the user's organisation's applications with what its page shows; DoesNotExist otherwise."""
    return (
        partner_applications(user)
        .select_related("call__facility", "concept_note", "full_proposal")
        .prefetch_related(
            "budget_lines",
            "answers",
            "attachments",
            "cities",
            "call__questions",
            "transitions__by",
            Prefetch("consortium", queryset=ConsortiumMember.objects.select_related("organisation")),
        )
        .get(pk=pk)
    )


def partner_projects(user: User) -> QuerySet[Project]:
    return (
        Project.objects.filter(partners__organisation__in=organisations_of(user=user, role=Role.PARTNER))
        .select_related("facility", "agreement")
        .distinct()
        .order_by("-start_date")
    )


def city_suggestions(*, user: User, countries: list[str], text: str, limit: int = 8) -> list[str]:
    """Cities whose name holds `text`, in the given countries: the confirmed ones, and those the user's
    organisations proposed; named "Jinja (UG)" when several countries are chosen, as the form expects."""
    text = text.strip()
    if len(text) < 2:
        return []
    cities = City.objects.filter(name__icontains=text).filter(
        Q(confirmed=True) | Q(proposed_by__in=organisations_of(user=user, role=Role.PARTNER))
    )
    if countries:
        cities = cities.filter(country__in=countries)
    found = cities.order_by("name", "country").values_list("name", "country")[:limit]
    return [f"{name} ({country})" if len(countries) > 1 else name for name, country in found]


def partner_attachment(user: User, pk: int) -> Attachment:
    """A file of an application of the user's organisations, as lead or co-applicant; DoesNotExist for anyone
    else's."""
    return Attachment.objects.select_related("application").get(
        pk=pk, application__in=partner_applications(user).order_by().values("pk")
    )


def attachment_for(user: User, pk: int) -> Attachment:
    """A file, for staff who may view attachments, the partners of the applying organisation and of its accepted
    co-applicants, and the application's reviewers only."""
    attachments = Attachment.objects.select_related("application")
    if not may(user, "grants.view_attachment"):
        attachments = attachments.filter(
            Q(application__in=partner_applications(user).order_by().values("pk"))
            | Q(application__reviews__reviewer=user)
        ).distinct()
    return attachments.get(pk=pk)


def reviewer_queue(user: User) -> QuerySet[ReviewAssignment]:
    return (
        ReviewAssignment.objects.filter(reviewer=user)
        .select_related("application__call", "application__organisation")
        .order_by("submitted_at", "assigned_at")
    )


def reviewer_assignment(user: User, pk: int) -> ReviewAssignment:
    """An assignment of this reviewer's, with the application they must read; DoesNotExist otherwise."""
    return (
        reviewer_queue(user)
        .select_related("application__call__facility")
        .prefetch_related(
            "application__budget_lines",
            "application__attachments",
            "application__cities",
            "application__answers",
            "application__call__questions",
            "application__call__criteria",
        )
        .get(pk=pk)
    )


@dataclass(frozen=True)
class RankedApplication:
    application: Application
    weighted_score: Decimal | None
    reviews_done: int
    reviews_assigned: int


def weighted_score(scored: list[tuple[Decimal, Decimal]], total_weight: Decimal) -> Decimal | None:
    """The weighted average score (0-5) of (weight, mean score) pairs: the sum of weight x mean over the
    criteria scored, divided by the sum of the weights of all the call's criteria; None before any score."""
    if not scored or not total_weight:
        return None
    return (sum((weight * mean for weight, mean in scored), Decimal(0)) / total_weight).quantize(Decimal("0.01"))


def _mean(value) -> Decimal:
    return Decimal(str(value))  # Avg answers a float on some databases


@dataclass(frozen=True)
class CriterionMean:
    criterion: AssessmentCriterion
    mean: Decimal | None  # of the submitted reviews' scores


@dataclass(frozen=True)
class ApplicationScores:
    criteria: list[CriterionMean]
    weighted_score: Decimal | None
    reviews_done: int
    reviews_assigned: int


def application_scores(application: Application) -> ApplicationScores:
    """An application's mean score per criterion and its weighted score, as the call's ranking computes
    them. Two queries."""
    submitted = Q(scores__review__application=application, scores__review__submitted_at__isnull=False)
    criteria = list(
        AssessmentCriterion.objects.filter(call_id=application.call_id, stage=application.stage)
        .annotate(mean=Avg("scores__score", filter=submitted))
        .order_by("order", "pk")
    )
    reviews = ReviewAssignment.objects.filter(application=application).aggregate(
        assigned=Count("pk"), done=Count("pk", filter=Q(submitted_at__isnull=False))
    )
    means = [CriterionMean(c, None if c.mean is None else _mean(c.mean).quantize(Decimal("0.01"))) for c in criteria]
    scored = [(c.weight, _mean(c.mean)) for c in criteria if c.mean is not None]
    total_weight = sum((c.weight for c in criteria), Decimal(0))
    return ApplicationScores(means, weighted_score(scored, total_weight), reviews["done"], reviews["assigned"])


def call_ranking(call: Call, stage: str = CallStage.FULL_PROPOSAL) -> list[RankedApplication]:
    """Applications of a call at `stage` by weighted average score (0-5): the sum over the stage's criteria of
    weight x mean score, divided by the sum of weights. Three queries, whatever the number of applications."""
    applications = list(
        call.applications.filter(stage=stage)
        .exclude(status__in=UNRANKED)
        .select_related("organisation")
        .annotate(
            reviews_assigned=Count("reviews", distinct=True),
            reviews_done=Count("reviews", filter=Q(reviews__submitted_at__isnull=False), distinct=True),
        )
    )
    scores = call_scores(call, stage)
    ranked = [
        RankedApplication(
            application, scores.get(application.pk), application.reviews_done, application.reviews_assigned
        )
        for application in applications
    ]
    return sorted(ranked, key=lambda r: (r.weighted_score is None, -(r.weighted_score or 0), r.application.pk))


# Applications the ranking leaves out: not submitted, or taken back.
UNRANKED = (ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN)


def call_scores(call: Call, stage: str) -> dict[int, Decimal]:
    """The weighted average score of each application of a call at `stage` that has one (see `call_ranking`), by
    its id: read from the scores given, never from every application of the call. Two queries."""
    total_weight = call.criteria.filter(stage=stage).aggregate(total=Sum("weight"))["total"] or Decimal(0)
    means = (
        CriterionScore.objects.filter(
            review__application__call=call, review__application__stage=stage, review__submitted_at__isnull=False
        )
        .exclude(review__application__status__in=UNRANKED)
        .values("review__application_id", "criterion__weight", "criterion_id")
        .annotate(mean=Avg("score"))
    )
    scored: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for row in means:
        scored.setdefault(row["review__application_id"], []).append((row["criterion__weight"], _mean(row["mean"])))
    weighted = {pk: weighted_score(pairs, total_weight) for pk, pairs in scored.items()}
    return {pk: score for pk, score in weighted.items() if score is not None}


@dataclass(frozen=True)
class AnswerRow:
    """A question of the call with what the applicant gave: text, or files for a file question."""

    question: CallQuestion
    value: str
    files: list[Attachment]


@dataclass(frozen=True)
class CategoryTotal:
    label: str
    amount: Decimal


@dataclass(frozen=True)
class ScoreRow:
    criterion: AssessmentCriterion
    score: CriterionScore | None


@dataclass(frozen=True)
class ReviewRow:
    review: ReviewAssignment
    scores: list[ScoreRow]
    weighted_score: Decimal | None  # this review's weighted average, once submitted


@dataclass(frozen=True)
class ApplicationDossier:
    """Everything staff read before deciding: answers, files, budget, reviews and where the call ranks it."""

    application: Application
    answers: list[AnswerRow]
    other_files: list[Attachment]  # files that answer no question of the call
    budget_lines: list[BudgetLine]
    budget_by_category: list[CategoryTotal]
    budget_total: Decimal
    criteria: list[AssessmentCriterion]
    reviews: list[ReviewRow]
    reviews_completed: int
    reviews_required: int
    weighted_score: Decimal | None
    rank: int | None  # among the call's scored applications, 1 the highest
    ranked: int  # how many of the call's applications have a score
    override: ReviewOverride | None  # a director approved it with fewer completed reviews than the call needs

    @property
    def currency(self) -> str:
        return self.application.call.currency

    @property
    def reviews_missing(self) -> int:
        return max(self.reviews_required - self.reviews_completed, 0)


def _weighted(scores: list[ScoreRow]) -> Decimal | None:
    weight = sum((row.criterion.weight for row in scores), Decimal(0))
    if not weight or any(row.score is None for row in scores):
        return None
    total = sum((row.criterion.weight * row.score.score for row in scores), Decimal(0))
    return (total / weight).quantize(Decimal("0.01"))


def application_dossier(pk: int) -> ApplicationDossier:
    """One application as staff decide on it, in a constant number of queries (ten) whatever the number of
    questions, files, budget lines, reviews, criteria or applications to the call; Application.DoesNotExist
    otherwise."""
    reviews = ReviewAssignment.objects.select_related("reviewer").prefetch_related("scores").order_by("assigned_at")
    application = (
        Application.objects.select_related("call", "organisation", "created_by", "project", "review_override__by")
        .prefetch_related(
            Prefetch("call__questions", queryset=CallQuestion.objects.order_by("order", "pk")),
            Prefetch("call__criteria", queryset=AssessmentCriterion.objects.order_by("order", "pk")),
            "answers",
            Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "pk")),
            Prefetch("budget_lines", queryset=BudgetLine.objects.order_by("pk")),
            Prefetch("reviews", queryset=reviews),
        )
        .get(pk=pk)
    )
    call = application.call
    answers = {answer.question_id: answer.value for answer in application.answers.all()}
    files: dict[int | None, list[Attachment]] = defaultdict(list)
    questions = application.questions
    asked = {question.pk for question in questions}
    for attachment in application.attachments.all():
        files[attachment.question_id if attachment.question_id in asked else None].append(attachment)
    lines = list(application.budget_lines.all())
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        by_category[line.category] += line.amount
    criteria = application.criteria
    review_rows = []
    for review in application.reviews.all():
        given = {score.criterion_id: score for score in review.scores.all()}
        scores = [ScoreRow(criterion, given.get(criterion.pk)) for criterion in criteria]
        review_rows.append(ReviewRow(review, scores, _weighted(scores) if review.submitted_at else None))
    scores = call_scores(call, application.stage)
    ranking = sorted(scores, key=lambda pk: (-scores[pk], pk))  # as `call_ranking` orders them
    position = ranking.index(application.pk) + 1 if application.pk in scores else None
    return ApplicationDossier(
        application=application,
        answers=[AnswerRow(q, answers.get(q.pk, ""), files.get(q.pk, [])) for q in questions],
        other_files=files.get(None, []),
        budget_lines=lines,
        budget_by_category=[
            CategoryTotal(str(BudgetCategory(category).label), amount) for category, amount in by_category.items()
        ],
        budget_total=sum(by_category.values(), Decimal(0)),
        criteria=criteria,
        reviews=review_rows,
        reviews_completed=sum(1 for row in review_rows if row.review.submitted_at),
        reviews_required=call.reviews_required,
        weighted_score=scores.get(application.pk),
        rank=position,
        ranked=len(ranking),
        override=getattr(application, "review_override", None),
    )


def staff_applications(call: Call | None = None) -> QuerySet[Application]:
    rows = Application.objects.select_related("call", "organisation").annotate(
        reviews_done=Count("reviews", filter=Q(reviews__submitted_at__isnull=False))
    )
    return rows.filter(call=call) if call else rows


# Drafts of calls closing within this many days are flagged on the partner's home page.
CLOSING_SOON_DAYS = 14


def draft_todos(user: User, today: dt.date) -> list[Todo]:
    """The user's organisations' drafts to calls still open: to finish and submit before the call closes."""
    now = timezone.now()
    full_proposal = Q(stage=CallStage.FULL_PROPOSAL, call__full_proposals_close_at__isnull=False)
    drafts = (
        partner_applications(user)  # the lead's: a co-applicant neither submits nor is asked to
        .filter(organisation__in=organisations_of(user=user, role=Role.PARTNER))
        .filter(status=ApplicationStatus.DRAFT)
        .filter(
            (full_proposal & Q(call__full_proposals_close_at__gt=now)) | (~full_proposal & Q(call__closes_at__gt=now))
        )
        .order_by("call__closes_at", "pk")[:20]
    )
    return [
        Todo(
            title=(
                _("Invited: finish and submit your full proposal %(application)s")
                if draft.concept_note_id
                else _("Finish and submit: %(application)s")
            )
            % {"application": draft},
            detail=_("%(call)s closes on %(date)s.")
            % {"call": draft.call, "date": date_format(timezone.localtime(draft.deadline).date())},
            url=reverse("grants:application", args=[draft.pk]),
            due=timezone.localtime(draft.deadline).date(),
            overdue=False,
        )
        for draft in drafts
    ]
