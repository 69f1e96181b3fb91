"""The secretariat's work queue, the admin's home page: what waits on the person signed in.

Each line is a count of work and a link to the admin list filtered on exactly those rows (the filter and the
count use the same condition, from the owning app's selectors). A line is shown only to those who hold the
permission of its act and may open its list, so each role sees its own work: a staff account with no role sees
none. The counts take one query per table, whatever the size of the portfolio, and a table no line of the user
needs is not read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.admin import ConditionFilter
from common.permissions import may, model_permission
from donors.models import DonorReport, ReportJobStatus
from donors.selectors import failed_report_count
from grants.admin.amendments import AmendmentWorkFilter
from grants.admin.calls import ClosingFilter, ReviewFilter, WorkFilter
from grants.admin.ledger import PaymentDateFilter, ReleaseConditionFilter
from grants.admin.payments import PaymentWorkFilter
from grants.admin.portfolio import CloseoutFilter
from grants.admin.updates import ModerationFilter
from grants.models import (
    Amendment,
    Application,
    Call,
    PaymentRequest,
    Project,
    ProjectUpdate,
    ReviewAssignment,
    Tranche,
)
from grants.selectors import queue as grants_queue
from grants.selectors import updates as grants_updates
from members.models import User
from results import selectors as results_selectors
from results.admin.projects import DueFilter, PartnerFilter
from results.admin.reports import ReviewQueueFilter
from results.models import ProgressReport, ReportingPeriod, ReportStatus

PARTNERS_SHOWN = 5


@dataclass(frozen=True)
class QueueLine:
    label: str
    count: int
    url: str
    is_urgent: bool = False  # overdue or failed: shown in the error colour when there is any
    details: tuple[QueueLine, ...] = ()  # the same work, broken down (overdue reports by partner)


@dataclass(frozen=True)
class QueueSection:
    title: str
    lines: tuple[QueueLine, ...]


class Counts:
    """The figures of the queue, each table read once and only when a line shown needs it."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.today = timezone.localdate(now)

    @cached_property
    def applications(self) -> grants_queue.ApplicationWork:
        return grants_queue.application_work()

    @cached_property
    def reviews(self) -> grants_queue.ReviewWork:
        return grants_queue.review_work(today=self.today)

    @cached_property
    def tranches(self) -> grants_queue.TrancheWork:
        return grants_queue.tranche_work(today=self.today)

    @cached_property
    def payments(self) -> grants_queue.PaymentWork:
        return grants_queue.payment_work()


LineSource = Callable[[User, Counts], list[QueueLine]]


def _may(user: User, act: str, listed: type[Model]) -> bool:
    """Whether the user takes the act and may open the list the line links to."""
    return may(user, act) and may(user, model_permission(listed, "view"))


def _list(listed: type[Model], query: str) -> str:
    """The admin list of a model, filtered by a query string."""
    return f"{reverse(f'admin:{listed._meta.app_label}_{listed._meta.model_name}_changelist')}?{query}"


def _line(label: str, count: int, listed: type[Model], by: type[ConditionFilter], value: str, **more) -> QueueLine:
    """A line linking to the list of `listed` filtered by `by` on `value`."""
    return QueueLine(label, count, _list(listed, by.query(value)), **more)


def applications_to_screen(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "grants.screen_application", Application):
        return []
    by = WorkFilter
    return [_line(_("Applications to screen"), counts.applications.to_screen, Application, by, by.TO_SCREEN)]


def reviews(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "grants.assign_reviewer", ReviewAssignment):
        return []
    work, by = counts.reviews, ReviewFilter
    return [
        _line(_("Reviews outstanding"), work.outstanding, ReviewAssignment, by, by.OUTSTANDING),
        _line(_("Reviews overdue"), work.overdue, ReviewAssignment, by, by.OVERDUE, is_urgent=True),
    ]


def calls_closing(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "grants.change_call", Call):
        return []
    label = _("Calls closing within %(days)s days") % {"days": grants_queue.CLOSING_SOON.days}
    count = grants_queue.calls_closing_count(now=counts.now)
    return [_line(label, count, Call, ClosingFilter, ClosingFilter.SOON)]


def awards_to_decide(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "grants.decide_application", Application):
        return []
    label, by = _("Applications reviewed, awaiting a decision"), WorkFilter
    return [_line(label, counts.applications.awaiting_decision, Application, by, by.AWAITING_DECISION)]


def concept_notes_to_shortlist(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "grants.shortlist_application", Application):
        return []
    label, by = _("Concept notes reviewed, to shortlist"), WorkFilter
    return [_line(label, counts.applications.to_shortlist, Application, by, by.TO_SHORTLIST)]


def reports_to_review(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "results.review_progressreport", ProgressReport):
        return []
    url = _list(ProgressReport, urlencode({ReviewQueueFilter.parameter_name: ReportStatus.SUBMITTED}))
    return [QueueLine(_("Progress reports to review"), results_selectors.reports_to_review_count(), url)]


def tranches(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "grants.add_transaction", Tranche):
        return []
    work, by = counts.tranches, PaymentDateFilter
    due_soon = _("Tranches due in the next %(days)s days") % {"days": grants_queue.DUE_SOON.days}
    return [
        _line(due_soon, work.due_soon, Tranche, by, by.SOON),
        _line(_("Tranches overdue"), work.overdue, Tranche, by, by.OVERDUE, is_urgent=True),
    ]


def release_conditions(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "grants.change_tranche", Tranche):
        return []
    label = _("Release conditions pending, tranche due within %(days)s days or late") % {
        "days": grants_queue.DUE_SOON.days
    }
    by = ReleaseConditionFilter
    return [_line(label, counts.tranches.conditions_pending, Tranche, by, by.PENDING)]


def overdue_partner_reports(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "results.review_progressreport", ReportingPeriod):
        return []

    def url(**more) -> str:
        return _list(ReportingPeriod, urlencode({DueFilter.parameter_name: DueFilter.OVERDUE, **more}))

    partners = results_selectors.partners_most_overdue(today=counts.today, limit=PARTNERS_SHOWN)
    details = tuple(
        QueueLine(partner.name, partner.overdue, url(**{PartnerFilter.parameter_name: partner.organisation_id}))
        for partner in partners
    )
    total = results_selectors.overdue_report_count(today=counts.today)
    return [QueueLine(_("Partner reports overdue"), total, url(), is_urgent=True, details=details)]


def payments_to_check(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "grants.check_paymentrequest", PaymentRequest):
        return []
    by = PaymentWorkFilter
    return [_line(_("Payments to check"), counts.payments.to_check, PaymentRequest, by, by.TO_CHECK)]


def payments_to_approve(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "grants.approve_paymentrequest", PaymentRequest):
        return []
    by = PaymentWorkFilter
    return [_line(_("Payments to approve"), counts.payments.to_approve, PaymentRequest, by, by.TO_APPROVE)]


def payments_to_pay(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "grants.add_paymentrun", PaymentRequest):
        return []
    by = PaymentWorkFilter
    label = _("Payments approved, for the next payment run")
    return [_line(label, counts.payments.to_pay, PaymentRequest, by, by.TO_PAY)]


def failed_donor_reports(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "donors.request_donorreport", DonorReport):
        return []
    url = _list(DonorReport, urlencode({"status__exact": ReportJobStatus.FAILED}))
    return [QueueLine(_("Donor reports that failed"), failed_report_count(), url, is_urgent=True)]


def closeouts(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "grants.close_project", Project):
        return []
    count = grants_queue.projects_to_close_count(today=counts.today)
    return [_line(_("Projects past their end, not closed"), count, Project, CloseoutFilter, CloseoutFilter.WAITING)]


def amendments_to_decide(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "grants.decide_amendment", Amendment):
        return []
    by = AmendmentWorkFilter
    return [_line(_("Amendments to decide"), grants_queue.amendments_to_decide_count(), Amendment, by, "to_decide")]


def updates_to_moderate(user: User, counts: Counts) -> list[QueueLine]:
    if not _may(user, "grants.moderate_projectupdate", ProjectUpdate):
        return []
    by = ModerationFilter
    label = _("Project updates to moderate")
    return [_line(label, grants_updates.to_moderate_count(), ProjectUpdate, by, by.TO_MODERATE)]


# What waits on someone's approval: a function of (user, counts) returning the lines the user may act on.
AWAITING_APPROVAL: list[LineSource] = [
    awards_to_decide,
    concept_notes_to_shortlist,
    reports_to_review,
    payments_to_check,
    payments_to_approve,
    amendments_to_decide,
    updates_to_moderate,
]

SECTIONS: list[tuple[str, list[LineSource]]] = [
    (_("Calls and applications"), [applications_to_screen, reviews, calls_closing]),
    (_("Awaiting approval"), AWAITING_APPROVAL),
    (_("Payments"), [tranches, release_conditions, payments_to_pay]),
    (_("Partner reporting"), [overdue_partner_reports]),
    (_("Closeout"), [closeouts]),
    (_("Donor reports"), [failed_donor_reports]),
]


def work_queue(user: User, *, now: dt.datetime | None = None) -> list[QueueSection]:
    """The sections of the queue with a line the user may act on, in a fixed order."""
    counts = Counts(now or timezone.now())
    sections = []
    for title, sources in SECTIONS:
        lines = tuple(line for source in sources for line in source(user, counts))
        if lines:
            sections.append(QueueSection(title, lines))
    return sections
