"""Calls for proposals, the applications partners submit to them, and their review."""

from __future__ import annotations

import datetime as dt
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from common.money import CurrencyField, MoneyField, currency_shape_check
from members.models import Organisation, OrganisationKind

from .catalogue import City, Facility, Theme
from .projects import Project


class CallKind(models.TextChoices):
    SINGLE_STAGE = "single", _("Single stage: full proposals")
    TWO_STAGE = "two_stage", _("Two stages: concept notes, then invited full proposals")


class CallStage(models.TextChoices):
    CONCEPT_NOTE = "concept_note", _("Concept note")
    FULL_PROPOSAL = "full_proposal", _("Full proposal")


class Call(models.Model):
    """A call for proposals of a competitive facility, open between two moments.

    A two-stage call takes concept notes until it closes; the organisations whose concept note is shortlisted
    are invited to send a full proposal by `full_proposals_close_at`. An invitation-only call is seen and
    answered only by the organisations it invites."""

    reference = models.SlugField(_("reference"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="calls", verbose_name=_("facility"))
    themes = models.ManyToManyField(Theme, blank=True, related_name="calls", verbose_name=_("themes"))
    eligible_countries = CountryField(
        _("eligible countries"), multiple=True, blank=True, help_text=_("Leave empty to accept every country.")
    )
    eligible_kinds = models.JSONField(
        _("eligible applicant kinds"), default=list, blank=True, help_text=_("Leave empty to accept every kind.")
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    time_zone = models.CharField(
        _("time zone"), max_length=60, default="UTC", help_text=_("Dates are shown to applicants in this zone.")
    )
    currency = CurrencyField()
    ceiling = MoneyField(_("ceiling per grant"))
    envelope = MoneyField(_("total envelope"))
    reviews_required = models.PositiveSmallIntegerField(
        _("completed reviews needed"),
        default=2,
        validators=[MinValueValidator(1)],
        help_text=_(
            "An application is approved only with this many submitted reviews, unless a director approves it "
            "with fewer and says why."
        ),
    )
    is_published = models.BooleanField(_("published"), default=False)
    kind = models.CharField(_("stages"), max_length=12, choices=CallKind.choices, default=CallKind.SINGLE_STAGE)
    full_proposals_close_at = models.DateTimeField(
        _("full proposals close at"),
        null=True,
        blank=True,
        help_text=_("A two-stage call: the deadline of the invited full proposals."),
    )
    invitation_only = models.BooleanField(
        _("by invitation only"),
        default=False,
        help_text=_("Seen and answered only by the organisations invited below."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("call for proposals")
        verbose_name_plural = _("calls for proposals")
        ordering = ["-closes_at"]
        permissions = [("view_ranking", _("Can see a call's ranking of applications"))]
        indexes = [models.Index(fields=["is_published", "closes_at"], name="call_published_closes")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="call_closes_after_it_opens",
                violation_error_message=_("A call closes after it opens."),
            ),
            models.CheckConstraint(
                condition=Q(ceiling__gt=0) & Q(envelope__gte=F("ceiling")),
                name="call_envelope_covers_ceiling",
                violation_error_message=_("The ceiling is more than zero and the envelope at least one grant."),
            ),
            currency_shape_check("currency", "call_currency_iso"),
            models.CheckConstraint(
                condition=Q(reviews_required__gte=1),
                name="call_needs_a_review",
                violation_error_message=_("An application needs at least one completed review."),
            ),
            models.CheckConstraint(
                condition=Q(kind=CallKind.SINGLE_STAGE, full_proposals_close_at__isnull=True)
                | Q(kind=CallKind.TWO_STAGE, full_proposals_close_at__gt=F("closes_at")),
                name="call_full_proposals_close_after_concept_notes",
                violation_error_message=_(
                    "A two-stage call takes full proposals until a date after its concept notes close; "
                    "a single-stage call has no such date."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("grants:call-detail", kwargs={"reference": self.reference})

    def clean(self) -> None:
        super().clean()
        unknown = set(self.eligible_kinds or []) - set(OrganisationKind.values)
        if unknown:
            raise ValidationError({"eligible_kinds": _("Unknown applicant kinds: %s.") % ", ".join(sorted(unknown))})
        if self.time_zone not in available_timezones():
            raise ValidationError({"time_zone": _("Give a time zone such as Africa/Kampala or Europe/Brussels.")})
        if self.facility_id and not self.facility.is_competitive:
            raise ValidationError({"facility": _("Calls are for competitive facilities only.")})

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.is_published and self.opens_at <= now < self.closes_at

    @property
    def is_two_stage(self) -> bool:
        return self.kind == CallKind.TWO_STAGE

    @property
    def first_stage(self) -> str:
        return CallStage.CONCEPT_NOTE if self.is_two_stage else CallStage.FULL_PROPOSAL

    def deadline(self, stage: str) -> dt.datetime:
        """When applications of `stage` close: full proposals of a two-stage call have their own date."""
        if self.is_two_stage and stage == CallStage.FULL_PROPOSAL and self.full_proposals_close_at:
            return self.full_proposals_close_at
        return self.closes_at

    def questions_of(self, stage: str) -> list[CallQuestion]:
        """The questions asked at `stage`, from the prefetched questions when there are."""
        return [question for question in self.questions.all() if question.stage == stage]

    def criteria_of(self, stage: str) -> list[AssessmentCriterion]:
        return [criterion for criterion in self.criteria.all() if criterion.stage == stage]

    @property
    def eligible_kind_labels(self) -> list[str]:
        return [str(OrganisationKind(kind).label) for kind in self.eligible_kinds or []]

    @property
    def window(self):
        return self.facility.window


def stage_field() -> models.CharField:
    return models.CharField(
        _("stage"),
        max_length=16,
        choices=CallStage.choices,
        default=CallStage.FULL_PROPOSAL,
        help_text=_("On a two-stage call: the concept note's or the full proposal's."),
    )


class AssessmentCriterion(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("call"))
    stage = stage_field()
    name = models.CharField(_("criterion"), max_length=120)
    description = models.TextField(_("what reviewers look for"), blank=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, validators=[MinValueValidator(0.01)])
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("assessment criterion")
        verbose_name_plural = _("assessment criteria")
        ordering = ["call", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="criterion_weight_positive",
                violation_error_message=_("A weight is more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Number")
    AMOUNT = "amount", _("Amount")
    CHOICE = "choice", _("Choice")
    DATE = "date", _("Date")
    FILE = "file", _("File")


class CallQuestion(models.Model):
    """A question of the call's own, asked after the core application form."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="questions", verbose_name=_("call"))
    stage = stage_field()
    key = models.SlugField(
        _("key"),
        max_length=40,
        blank=True,
        help_text=_("A concept note's answer is carried over to the full proposal's question with the same key."),
    )
    label = models.CharField(_("question"), max_length=250)
    help_text = models.CharField(_("help text"), max_length=250, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=QuestionKind.choices)
    choices = models.TextField(_("choices"), blank=True, help_text=_("For a choice question: one option per line."))
    required = models.BooleanField(_("required"), default=True)
    max_length = models.PositiveIntegerField(
        _("longest answer"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("In characters, for a text question; leave empty for no limit. Applicants see a counter."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["call", "order", "pk"]

    def __str__(self) -> str:
        return self.label

    @property
    def options(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    def clean(self) -> None:
        super().clean()
        if self.kind == QuestionKind.CHOICE and len(self.options) < 2:
            raise ValidationError({"choices": _("A choice question needs at least two options.")})


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    IN_REVIEW = "in_review", _("In review")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Limits of the applicant's longest texts, in characters: about a page each.
SUMMARY_MAX_LENGTH = 3000
RESULTS_MAX_LENGTH = 3000


class Application(models.Model):
    """A partner organisation's proposal to a call."""

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("call"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="applications", verbose_name=_("organisation")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("started by")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )
    stage = models.CharField(_("stage"), max_length=16, choices=CallStage.choices, default=CallStage.FULL_PROPOSAL)
    concept_note = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="full_proposal",
        verbose_name=_("concept note"),
        help_text=_("The shortlisted concept note this full proposal was invited from."),
    )
    title = models.CharField(_("title"), max_length=250, blank=True)
    summary = models.TextField(
        _("summary"),
        blank=True,
        max_length=SUMMARY_MAX_LENGTH,
        validators=[MaxLengthValidator(SUMMARY_MAX_LENGTH)],  # a TextField's max_length alone is not checked
    )
    countries = CountryField(_("target countries"), multiple=True, blank=True)
    cities = models.ManyToManyField(City, blank=True, related_name="applications", verbose_name=_("target cities"))
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    requested_amount = MoneyField(_("amount requested"), null=True, blank=True)
    co_financing = MoneyField(_("co-financing"), default=0)
    expected_results = models.TextField(
        _("expected results"),
        blank=True,
        max_length=RESULTS_MAX_LENGTH,
        validators=[MaxLengthValidator(RESULTS_MAX_LENGTH)],
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    project = models.OneToOneField(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
        verbose_name=_("project"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-updated_at"]
        permissions = [
            ("screen_application", _("Can screen applications, send them to review, reject them before review")),
            ("shortlist_application", _("Can shortlist a concept note, inviting its full proposal")),
            ("assign_reviewer", _("Can assign reviewers to applications")),
            ("decide_application", _("Can approve an award, or reject an application in review")),
            (
                "override_review_minimum",
                _("Can approve an award with fewer completed reviews than its call needs, saying why"),
            ),
        ]
        indexes = [
            models.Index(fields=["call", "status"], name="application_call_status"),
            models.Index(fields=["organisation", "status"], name="application_org_status"),
            # The staff list, newest first (the admin adds the primary key to the ordering): a page is
            # read from the index rather than sorting every application.
            models.Index(fields=["-updated_at", "-id"], name="application_recent"),
            # The secretariat's work queue: applications to screen or awaiting a decision, out of years of them.
            models.Index(
                fields=["status"],
                condition=Q(status__in=["submitted", "screening", "in_review"]),
                name="application_in_progress",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="application_end_not_before_start",
                violation_error_message=_("The project cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=(Q(requested_amount__isnull=True) | Q(requested_amount__gt=0)) & Q(co_financing__gte=0),
                name="application_amounts_positive",
                violation_error_message=_("The amount requested is more than zero; co-financing is not negative."),
            ),
            models.CheckConstraint(
                condition=Q(concept_note__isnull=True) | Q(stage=CallStage.FULL_PROPOSAL),
                name="application_only_a_full_proposal_follows_a_concept_note",
                violation_error_message=_("Only a full proposal follows a concept note."),
            ),
            models.CheckConstraint(
                condition=~Q(status="shortlisted") | Q(stage=CallStage.CONCEPT_NOTE),
                name="application_only_a_concept_note_is_shortlisted",
                violation_error_message=_("Only a concept note is shortlisted."),
            ),
        ]

    def __str__(self) -> str:
        return self.title or _("Application %(pk)s") % {"pk": self.pk}

    @property
    def currency(self) -> str:
        return self.call.currency

    @property
    def is_editable(self) -> bool:
        return self.status == ApplicationStatus.DRAFT

    @property
    def is_concept_note(self) -> bool:
        return self.stage == CallStage.CONCEPT_NOTE

    @property
    def questions(self) -> list[CallQuestion]:
        """The call's questions of this application's stage."""
        return self.call.questions_of(self.stage)

    @property
    def criteria(self) -> list[AssessmentCriterion]:
        return self.call.criteria_of(self.stage)

    @property
    def deadline(self) -> dt.datetime:
        return self.call.deadline(self.stage)


class BudgetCategory(models.TextChoices):
    STAFF = "staff", _("Staff")
    CONSULTANTS = "consultants", _("Consultants and experts")
    TRAVEL = "travel", _("Travel")
    WORKS = "works", _("Works and infrastructure")
    EQUIPMENT = "equipment", _("Equipment")
    EVENTS = "events", _("Workshops and events")
    OTHER = "other", _("Other costs")


class BudgetLine(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="budget_lines", verbose_name=_("application")
    )
    category = models.CharField(_("category"), max_length=12, choices=BudgetCategory.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = MoneyField(_("amount"))

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["application", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="budget_line_amount_positive",
                violation_error_message=_("A budget line is more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.amount}"


def private_upload_path(instance, filename: str) -> str:
    """Kept under MEDIA_ROOT, which is never served directly: views check who may read a file."""
    return f"applications/{instance.application_id}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class Answer(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="answers", verbose_name=_("application")
    )
    question = models.ForeignKey(CallQuestion, on_delete=models.CASCADE, related_name="+", verbose_name=_("question"))
    value = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["application", "question"], name="answer_unique_per_question"),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.value[:40]}"


class Attachment(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("application")
    )
    question = models.ForeignKey(
        CallQuestion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("question")
    )
    file = models.FileField(_("file"), upload_to=private_upload_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["application", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ApplicationTransition(models.Model):
    """One step of an application through its workflow: who, when, from, to, why."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("application")
    )
    from_status = models.CharField(_("from"), max_length=12, choices=ApplicationStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=ApplicationStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["application", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


REVIEW_TIME = dt.timedelta(days=21)


def review_due_default() -> dt.date:
    """Three weeks from the day a reviewer is assigned, unless the secretariat gives another date."""
    return timezone.localdate() + REVIEW_TIME


class ReviewAssignment(models.Model):
    """A reviewer asked to score an application against the call's criteria, by a date."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("application")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="review_assignments",
        verbose_name=_("reviewer"),
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    due_on = models.DateField(_("review due"), default=review_due_default)
    no_conflict_declared_at = models.DateTimeField(_("no conflict of interest declared at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    overall_comment = models.TextField(_("overall comment"), blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["application", "assigned_at"]
        # The reviews still to come, by due date: the work queue's "overdue" and its list.
        indexes = [models.Index(fields=["due_on"], condition=Q(submitted_at__isnull=True), name="review_outstanding")]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"],
                name="review_once_per_reviewer",
                violation_error_message=_("This reviewer is already assigned to the application."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.reviewer}"


class CriterionScore(models.Model):
    review = models.ForeignKey(ReviewAssignment, on_delete=models.CASCADE, related_name="scores")
    # A scored criterion stays: deleting it would silently drop the reviewers' scores.
    criterion = models.ForeignKey(AssessmentCriterion, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField(_("score"), validators=[MinValueValidator(0), MaxValueValidator(5)])
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="score_once_per_criterion"),
            models.CheckConstraint(
                condition=Q(score__lte=5), name="score_at_most_five", violation_error_message=_("Scores run 0 to 5.")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"


class ReviewOverride(models.Model):
    """An award approved with fewer completed reviews than its call needs: who decided it, when and why."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="review_override", verbose_name=_("application")
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    reason = models.TextField(_("reason"))
    reviews_completed = models.PositiveSmallIntegerField(_("completed reviews"))
    reviews_required = models.PositiveSmallIntegerField(_("reviews the call needs"))

    class Meta:
        verbose_name = _("review minimum override")
        verbose_name_plural = _("review minimum overrides")
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="review_override_has_a_reason",
                violation_error_message=_("Say why the award goes ahead without every review."),
            ),
            models.CheckConstraint(
                condition=Q(reviews_completed__lt=F("reviews_required")),
                name="review_override_only_below_the_minimum",
                violation_error_message=_("The application has the reviews its call needs: nothing to override."),
            ),
        ]

    def __str__(self) -> str:
        return _("%(done)s of %(needed)s reviews, approved by %(by)s") % {
            "done": self.reviews_completed,
            "needed": self.reviews_required,
            "by": self.by,
        }
