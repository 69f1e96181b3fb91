"""The funding side's share of the staff work queue: what waits on programme officers, the committee and finance.

Each kind of work is a condition said once here: the queue counts the rows that meet it and the admin's list
filter shows the same rows, so a count on the admin's home page is the length of the list it links to. Each
function counts one table in one query, whatever the size of the portfolio; the counts here that read thousands of
rows (applications, tranches, projects to close) are kept for the day until a row of a table they read changes
(`common.figures.cached_query`).
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from functools import reduce

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from common.figures import cached_query

from ..models import (
    Amendment,
    Application,
    ApplicationStatus,
    Call,
    CallStage,
    CloseoutStatus,
    PaymentRequest,
    PaymentRequestStatus,
    Project,
    ProjectStatus,
    ReviewAssignment,
    Tranche,
)
from .amendments import amendments_to_decide
from .ledger import TRANCHE_UNPAID
from .payments import payment_requests_to_approve, payment_requests_to_check, payment_requests_to_pay

CLOSING_SOON = dt.timedelta(days=14)
DUE_SOON = dt.timedelta(days=30)


def applications_to_screen() -> Q:
    """Submitted and not yet sent to review or rejected."""
    return Q(status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING])


def _reviewed() -> Q:
    """In review, with every assigned review submitted."""
    reviews = ReviewAssignment.objects.filter(application=OuterRef("pk"))
    return (
        Q(status=ApplicationStatus.IN_REVIEW)
        & Q(Exists(reviews))
        & ~Q(Exists(reviews.filter(submitted_at__isnull=True)))
    )


def applications_awaiting_decision() -> Q:
    """Full proposals reviewed: ready for the committee to approve or reject."""
    return _reviewed() & Q(stage=CallStage.FULL_PROPOSAL)


def concept_notes_to_shortlist() -> Q:
    """Concept notes of two-stage calls reviewed: ready for the committee to shortlist or turn down."""
    return _reviewed() & Q(stage=CallStage.CONCEPT_NOTE)


def reviews_outstanding() -> Q:
    """Not submitted, on an application in review (a reviewer scores only then)."""
    return Q(submitted_at__isnull=True, application__status=ApplicationStatus.IN_REVIEW)


def reviews_overdue(today: dt.date) -> Q:
    return reviews_outstanding() & Q(due_on__lt=today)


def calls_closing_soon(now: dt.datetime) -> Q:
    """Published calls open now that close within `CLOSING_SOON`."""
    return Q(is_published=True, opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + CLOSING_SOON)


def tranches_due_soon(today: dt.date) -> Q:
    """Left to pay, planned between today and `DUE_SOON` from now, whether or not their condition is met."""
    return TRANCHE_UNPAID & Q(planned_date__gte=today, planned_date__lte=today + DUE_SOON)


def tranches_overdue(today: dt.date) -> Q:
    """Free to pay, left to pay, and planned before today."""
    return TRANCHE_UNPAID & Tranche.released_by(today) & Q(planned_date__lt=today)


def tranche_conditions_pending(today: dt.date) -> Q:
    """A release condition not met on a tranche left to pay whose date has come or comes within `DUE_SOON`."""
    return TRANCHE_UNPAID & ~Tranche.released_by(today) & Q(planned_date__lte=today + DUE_SOON)


def projects_to_close(today: dt.date) -> Q:
    """Past their end date, with a grant agreement, and neither closed nor cancelled: closeouts waiting."""
    return (
        Q(end_date__lt=today, agreement__isnull=False)
        & ~Q(status__in=[ProjectStatus.CLOSED, ProjectStatus.CANCELLED])
        & ~Q(closeout__status=CloseoutStatus.CLOSED)
    )


def projects_to_close_count(*, today: dt.date) -> int:
    waiting = Project.objects.filter(projects_to_close(today))
    return cached_query(f"projects-to-close:{today}", waiting, waiting.count)


def _counted(name: str, rows: QuerySet, conditions: dict[str, Q], *, on: dt.date | None = None) -> dict[str, int]:
    """How many of `rows` meet each condition, in one query, kept (for the day `on`) until a row of a table it
    reads changes: kept under the SQL of the rows meeting any of the conditions, which names every table they read."""
    meeting_any = rows.filter(reduce(operator.or_, conditions.values()))
    return cached_query(
        f"{name}:{on}",
        meeting_any,
        lambda: rows.aggregate(**{count: Count("pk", filter=condition) for count, condition in conditions.items()}),
    )


@dataclass(frozen=True)
class ApplicationWork:
    to_screen: int
    awaiting_decision: int
    to_shortlist: int


@dataclass(frozen=True)
class ReviewWork:
    outstanding: int
    overdue: int


@dataclass(frozen=True)
class TrancheWork:
    due_soon: int
    overdue: int
    conditions_pending: int


def application_work() -> ApplicationWork:
    statuses = [ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING, ApplicationStatus.IN_REVIEW]
    conditions = {
        "to_screen": applications_to_screen(),
        "awaiting_decision": applications_awaiting_decision(),
        "to_shortlist": concept_notes_to_shortlist(),
    }
    in_progress = Application.objects.filter(status__in=statuses)
    return ApplicationWork(**_counted("application-work", in_progress, conditions))


def review_work(*, today: dt.date) -> ReviewWork:
    counts = ReviewAssignment.objects.filter(reviews_outstanding()).aggregate(
        outstanding=Count("pk"), overdue=Count("pk", filter=reviews_overdue(today))
    )
    return ReviewWork(**counts)


def calls_closing_count(*, now: dt.datetime) -> int:
    return Call.objects.filter(calls_closing_soon(now)).count()


def tranche_work(*, today: dt.date) -> TrancheWork:
    conditions = {
        "due_soon": tranches_due_soon(today),
        "overdue": tranches_overdue(today),
        "conditions_pending": tranche_conditions_pending(today),
    }
    unpaid = Tranche.objects.filter(TRANCHE_UNPAID, planned_date__lte=today + DUE_SOON)
    return TrancheWork(**_counted("tranche-work", unpaid, conditions, on=today))


@dataclass(frozen=True)
class PaymentWork:
    to_check: int
    to_approve: int
    to_pay: int


def payment_work() -> PaymentWork:
    """Payment requests waiting on a programme officer's check, a finance officer's approval, a payment run."""
    waiting = [PaymentRequestStatus.REQUESTED, PaymentRequestStatus.CHECKED, PaymentRequestStatus.APPROVED]
    counts = PaymentRequest.objects.filter(status__in=waiting).aggregate(
        to_check=Count("pk", filter=payment_requests_to_check()),
        to_approve=Count("pk", filter=payment_requests_to_approve()),
        to_pay=Count("pk", filter=payment_requests_to_pay()),
    )
    return PaymentWork(**counts)


def amendments_to_decide_count() -> int:
    return Amendment.objects.filter(amendments_to_decide()).count()
