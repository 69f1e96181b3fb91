"""Every change of state of the results framework: periods, progress reports and their review."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError, validate
from common.figures import portfolio_changed
from common.outbox import enqueue
from common.permissions import may
from common.uploads import upload_type
from grants.models import Project, Tranche
from grants.services import LedgerError, expenditure_record, tranche_condition_meet
from members.models import Role, User
from members.selectors import organisations_of

from . import tasks
from .models import (
    VALUE_DIGITS,
    VALUE_PLACES,
    Aggregation,
    Disaggregation,
    Evidence,
    ExpenditureLine,
    Indicator,
    IndicatorPeriod,
    Outcome,
    ProgressReport,
    ProjectIndicator,
    ProjectResult,
    ReportedPlace,
    ReportedValue,
    ReportingPeriod,
    ReportKind,
    ReportStatus,
    ResultType,
    SexCategory,
    Unit,
    ValueSplit,
)
from .selectors import budget_lines_of, spent_before
from .workflow import WORKFLOW, Actor

THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")
LARGEST_VALUE = Decimal(10) ** (VALUE_DIGITS - VALUE_PLACES)


class ResultsError(DomainError):
    """A results-framework rule refused the operation."""


class ReportInvalid(ResultsError):
    """A report's values were refused; `errors` maps each form field to its messages."""

    def __init__(self, message: str, errors: Mapping[str, list[str]]) -> None:
        super().__init__(message)
        self.errors = dict(errors)


class ReportPartlySaved(ReportInvalid):
    """A draft was saved with everything it could keep; the values in `errors` were refused and left as they were."""


@dataclass(frozen=True)
class ValueInput:
    """What a reporter typed for one indicator in the report's period; all text, parsed here."""

    value: str = ""
    comment: str = ""
    splits: Mapping[str, str] = field(default_factory=dict)  # category → text, for disaggregated indicators
    city_ids: Sequence[int] = ()
    countries: Sequence[str] = ()


def is_reporter(user: User, project: Project) -> bool:
    """Whether `user` acts as a partner for one of the project's organisations, and so reports on it."""
    return project.partners.filter(organisation__in=organisations_of(user=user, role=Role.PARTNER)).exists()


def actor_for(user: User, project: Project) -> Actor | None:
    """Who `user` is in a report's workflow: its reviewer (holding the review permission), a reporter, or none."""
    if may(user, "results.review_progressreport"):
        return Actor.STAFF
    if is_reporter(user, project):
        return Actor.REPORTER
    return None


@transaction.atomic
def indicator_periods_ensure(*, project_id: int) -> None:
    """Every indicator of the project has a row in every one of its progress periods, to hold targets and values.

    Narrative and financial reports give no indicator values."""
    indicator_ids = ProjectIndicator.objects.filter(project_id=project_id).values_list("pk", flat=True)
    period_ids = ReportingPeriod.objects.filter(project_id=project_id, kind=ReportKind.PROGRESS).values_list(
        "pk", flat=True
    )
    IndicatorPeriod.objects.bulk_create(
        [IndicatorPeriod(project_indicator_id=i, period_id=p) for i in indicator_ids for p in period_ids],
        ignore_conflicts=True,
    )


@transaction.atomic
def project_result_add(
    *, project: Project, outcome, title: str, type: int = 2, description: str = "", order: int = 0
) -> ProjectResult:
    result = ProjectResult(
        project=project, outcome=outcome, title=title, type=type, description=description, order=order
    )
    validate(result, error=ResultsError)
    result.save()
    return result


@transaction.atomic
def project_indicator_add(
    *,
    result: ProjectResult,
    indicator: Indicator,
    baseline_value: Decimal | None = None,
    baseline_date: dt.date | None = None,
    title: str = "",
    order: int = 0,
) -> ProjectIndicator:
    """A project starts measuring a corporate indicator, in each of its reporting periods."""
    project_indicator = ProjectIndicator(
        result=result,
        project_id=result.project_id,
        indicator=indicator,
        baseline_value=baseline_value,
        baseline_date=baseline_date,
        title=title,
        order=order,
    )
    validate(project_indicator, error=ResultsError)
    project_indicator.save()
    indicator_periods_ensure(project_id=result.project_id)
    return project_indicator


@dataclass(frozen=True)
class IndicatorSpec:
    """A corporate indicator a project result is measured by, with the project's baseline."""

    indicator: Indicator
    baseline_value: Decimal | None = None
    baseline_date: dt.date | None = None
    title: str = ""


@transaction.atomic
def project_result_define(
    *,
    project: Project,
    outcome: Outcome,
    title: str,
    type: int = ResultType.OUTCOME,
    description: str = "",
    indicators: Sequence[IndicatorSpec] = (),
) -> ProjectResult:
    """A result and the indicators that measure it, all or nothing; placed after the project's others."""
    result = project_result_add(
        project=project,
        outcome=outcome,
        title=title,
        type=type,
        description=description,
        order=ProjectResult.objects.filter(project=project).count(),
    )
    for position, spec in enumerate(indicators):
        try:
            project_indicator_add(
                result=result,
                indicator=spec.indicator,
                baseline_value=spec.baseline_value,
                baseline_date=spec.baseline_date,
                title=spec.title,
                order=position,
            )
        except ResultsError as error:
            entry = f"indicators.{position}"
            raise ResultsError(error.message, field=f"{entry}.{error.field}" if error.field else entry) from None
    return result


@transaction.atomic
def reporting_period_add(
    *,
    project: Project,
    start_date: dt.date,
    end_date: dt.date,
    due_date: dt.date,
    releases_tranche: Tranche | None = None,
    kind: str = ReportKind.PROGRESS,
    is_final: bool = False,
) -> ReportingPeriod:
    """Add a report the project owes for a period; it must fall within the project's dates."""
    period = ReportingPeriod(
        project=project,
        start_date=start_date,
        end_date=end_date,
        due_date=due_date,
        releases_tranche=releases_tranche,
        kind=kind,
        is_final=is_final,
    )
    return reporting_period_save(period=period)


@transaction.atomic
def reporting_period_save(*, period: ReportingPeriod) -> ReportingPeriod:
    """Save a new or changed period: inside the project's dates, overlapping none of its other periods, releasing
    a tranche of its own agreement only. Once a report is started on it, the dates it covers are fixed.

    Every indicator of the project then has a row in it, for targets and values.
    """
    if period.pk is not None:
        stored = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
        moved = (stored.project_id, stored.kind, stored.start_date, stored.end_date) != (
            period.project_id,
            period.kind,
            period.start_date,
            period.end_date,
        )
        if moved and ProgressReport.objects.filter(period=stored).exists():
            raise ResultsError(
                _("A report is started on this period: the dates it covers are fixed."), field="start_date"
            )
    validate(period, error=ResultsError)
    period.save()
    indicator_periods_ensure(project_id=period.project_id)
    return period


@transaction.atomic
def reporting_periods_extend(project: Project) -> None:
    """After the project's end moved later (an amendment), make the reports owed of each kind cover it: the last
    period of the kind is stretched to the new end (its due date moved by as much) unless a report is started on
    it; then a new period is added after it, due as long after its end."""
    new_end = project.end_date
    kinds = ReportingPeriod.objects.filter(project=project).values_list("kind", flat=True).distinct()
    for kind in sorted(set(kinds)):
        last = ReportingPeriod.objects.filter(project=project, kind=kind).order_by("-end_date").first()
        if last.end_date >= new_end:
            continue
        delay = last.due_date - last.end_date
        if not ProgressReport.objects.filter(period=last).exists():
            last.end_date, last.due_date = new_end, new_end + delay
            reporting_period_save(period=last)
            continue
        reporting_period_add(
            project=project,
            start_date=last.end_date + dt.timedelta(days=1),
            end_date=new_end,
            due_date=new_end + delay,
            kind=kind,
        )


@transaction.atomic
def period_targets_set(*, period: ReportingPeriod, targets: Mapping[int, Decimal | None]) -> None:
    """Set the targets of the period's indicators, by project-indicator id."""
    rows = {row.project_indicator_id: row for row in IndicatorPeriod.objects.filter(period=period)}
    for project_indicator_id, value in targets.items():
        row = rows.get(project_indicator_id)
        if row is None:
            raise ResultsError(_("That indicator is not measured by this project."))
        if value is not None and value < 0:
            raise ResultsError(_("A target cannot be negative."), field=f"target-{project_indicator_id}")
        row.target_value = value
    IndicatorPeriod.objects.bulk_update(rows.values(), ["target_value"])


@transaction.atomic
def reporting_period_plan(
    *,
    project: Project,
    start_date: dt.date,
    end_date: dt.date,
    due_date: dt.date,
    targets: Mapping[int, Decimal | None],
) -> ReportingPeriod:
    """A new reporting period with the targets of the project's indicators in it, all or nothing."""
    period = reporting_period_add(project=project, start_date=start_date, end_date=end_date, due_date=due_date)
    period_targets_set(period=period, targets=targets)
    return period


def _locked(report: ProgressReport) -> ProgressReport:
    return ProgressReport.objects.select_for_update().select_related("project", "period").get(pk=report.pk)


def _move(report: ProgressReport, to_status: str, user: User, comment: str = "", **changes) -> None:
    WORKFLOW.move(
        report,
        to_status,
        actor=actor_for(user, report.project),
        by=user,
        comment=comment,
        error=ResultsError,
        **changes,
    )


@transaction.atomic
def report_start(*, period: ReportingPeriod, user: User) -> ProgressReport:
    """Open the draft report of a period, or return the one already started."""
    period = ReportingPeriod.objects.select_for_update().select_related("project").get(pk=period.pk)
    if actor_for(user, period.project) != Actor.REPORTER:
        raise ResultsError(_("Only the project's partners report on it."))
    existing = ProgressReport.objects.filter(period=period).first()
    if existing is not None:
        return existing
    indicator_periods_ensure(project_id=period.project_id)
    return ProgressReport.objects.create(project=period.project, period=period, created_by=user)


def _parse(text: str, indicator: Indicator) -> tuple[Decimal | None, str | None]:
    """The number typed for an indicator, or the reason it is refused."""
    text = (text or "").strip().replace("\xa0", "").replace(" ", "")
    if text.endswith("%") and indicator.unit == Unit.PERCENTAGE:
        text = text[:-1]
    if not text:
        return None, None
    if "," in text:
        # Commas only group thousands: "12,5" is refused rather than read as 125.
        if not THOUSANDS.fullmatch(text):
            return None, _("Use a dot for decimals; a comma only separates thousands (1,250.5).")
        text = text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("Enter a number, for example 12 or 12.5.")
    if not value.is_finite():
        return None, _("Enter a number, for example 12 or 12.5.")
    if value < 0:
        return None, _("A value cannot be negative.")
    if value >= LARGEST_VALUE:
        return None, _("This number is too large.")
    if value != value.quantize(Decimal("0.01")):
        return None, _("Use at most two decimal places.")
    if indicator.unit == Unit.COUNT and value != value.to_integral_value():
        return None, _("Counts are whole numbers.")
    if indicator.unit == Unit.PERCENTAGE and value > 100:
        return None, _("A percentage is at most 100.")
    if indicator.unit == Unit.YES_NO and value not in (0, 1):
        return None, _("Answer yes (1) or no (0).")
    return value, None


@dataclass
class _Checked:
    value: Decimal | None
    comment: str
    splits: dict[str, Decimal]
    city_ids: list[int]
    countries: list[str]


def _check_values(
    rows: Sequence[IndicatorPeriod], values: Mapping[int, ValueInput], project: Project
) -> tuple[dict[int, _Checked], dict[str, list[str]]]:
    errors: dict[str, list[str]] = defaultdict(list)
    checked: dict[int, _Checked] = {}
    project_cities = {city.pk: city for city in project.cities.all()}
    project_countries = {str(row.country) for row in project.countries.all()}
    by_id = {row.pk: row for row in rows}
    for row_id in values:
        if row_id not in by_id:
            raise ResultsError(_("That indicator is not part of this report's period."))
    for row in rows:
        given = values.get(row.pk)
        if given is None:
            continue
        indicator = row.project_indicator.indicator
        key = f"value-{row.pk}"
        city_ids = list(dict.fromkeys(int(pk) for pk in given.city_ids if str(pk).isdigit()))
        countries = list(dict.fromkeys(str(code).upper() for code in given.countries))
        # Distinct counts are the places ticked, so that no place is counted twice; only places of
        # the counted kind are kept, so that the value and the places named always agree.
        if indicator.aggregation == Aggregation.DISTINCT_CITIES:
            countries = []
        elif indicator.aggregation == Aggregation.DISTINCT_COUNTRIES:
            city_ids = []
        if any(pk not in project_cities for pk in city_ids):
            errors[key].append(_("Name only cities the project works in."))
        if any(code not in project_countries for code in countries):
            errors[key].append(_("Name only countries the project works in."))
        value: Decimal | None
        if indicator.aggregation == Aggregation.DISTINCT_CITIES:
            value = Decimal(len(city_ids))
        elif indicator.aggregation == Aggregation.DISTINCT_COUNTRIES:
            value = Decimal(len(countries))
        else:
            value, problem = _parse(given.value, indicator)
            if problem:
                errors[key].append(problem)
        splits: dict[str, Decimal] = {}
        if indicator.disaggregation == Disaggregation.SEX:
            for category in SexCategory.values:
                part, problem = _parse(given.splits.get(category, ""), indicator)
                if problem:
                    errors[f"{key}-{category}"].append(problem)
                elif part is not None:
                    splits[category] = part
            if (
                value is not None
                and indicator.unit in (Unit.COUNT, Unit.AMOUNT)
                and sum(splits.values(), Decimal(0)) > value
            ):
                errors[key].append(_("Women and men together cannot be more than the total."))
            if splits and value is None:
                errors[key].append(_("Give the total as well as its parts."))
        checked[row.pk] = _Checked(value, given.comment.strip()[:500], splits, city_ids, countries)
    return checked, errors


@dataclass(frozen=True)
class ExpenditureInput:
    """What a reporter typed for one budget line of a financial report: the amount spent in the period, as text."""

    amount: str = ""
    comment: str = ""


def _parse_money(text: str) -> tuple[Decimal | None, str | None]:
    """An amount of money as typed, or the reason it is refused."""
    text = (text or "").strip().replace("\xa0", "").replace(" ", "")
    if not text:
        return None, None
    if "," in text:
        if not THOUSANDS.fullmatch(text):
            return None, _("Use a dot for decimals; a comma only separates thousands (1,250.50).")
        text = text.replace(",", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("Enter an amount, for example 1250 or 1250.50.")
    if not value.is_finite():
        return None, _("Enter an amount, for example 1250 or 1250.50.")
    if value < 0:
        return None, _("Expenditure cannot be negative.")
    if value >= LARGEST_VALUE:
        return None, _("This number is too large.")
    if value != value.quantize(Decimal("0.01")):
        return None, _("Use at most two decimal places.")
    return value, None


def _check_expenditure(
    report: ProgressReport, given: Mapping[int, ExpenditureInput]
) -> tuple[dict[int, tuple[Decimal, str]], dict[str, list[str]]]:
    """Parse every amount; a line spent beyond its budget (with what earlier reports spent) needs an explanation."""
    lines = {line.pk: line for line in budget_lines_of(report.project_id)}
    for line_id in given:
        if line_id not in lines:
            raise ResultsError(_("That budget line is not part of this grant's budget."))
    before = spent_before(report)
    errors: dict[str, list[str]] = defaultdict(list)
    checked: dict[int, tuple[Decimal, str]] = {}
    for line_id, item in given.items():
        key = f"spent-{line_id}"
        amount, problem = _parse_money(item.amount)
        comment = item.comment.strip()[:500]
        if problem:
            errors[key].append(problem)
            continue
        if amount is None:
            continue
        if before.get(line_id, Decimal(0)) + amount > lines[line_id].amount and not comment:
            errors[key].append(_("This takes the line beyond its budget: explain the over-spending in the comment."))
        checked[line_id] = (amount, comment)
    return checked, errors


def _write_expenditure(report: ProgressReport, given: Mapping[int, ExpenditureInput], checked) -> None:
    ExpenditureLine.objects.filter(report=report, budget_line_id__in=given).delete()
    ExpenditureLine.objects.bulk_create(
        [
            ExpenditureLine(report=report, budget_line_id=line_id, amount=amount, comment=comment)
            for line_id, (amount, comment) in checked.items()
        ]
    )


def report_save(
    *,
    report: ProgressReport,
    user: User,
    narrative: str,
    values: Mapping[int, ValueInput] | None = None,
    expenditure: Mapping[int, ExpenditureInput] | None = None,
    keep_valid: bool = False,
) -> ProgressReport:
    """Save a draft's narrative with its indicator values (progress reports, keyed by indicator-period id) or its
    expenditure (financial reports, keyed by budget-line id): all of them, or none (ReportInvalid).

    With `keep_valid` (the portal's form, saving as the partner types) nothing typed is lost for one bad figure:
    the narrative and every accepted value are saved, and ReportPartlySaved then names the refused ones, which
    keep what they held before. The transaction is committed before it is raised."""
    report, errors = _report_save(
        report=report,
        user=user,
        narrative=narrative,
        values=values or {},
        expenditure=expenditure or {},
        keep_valid=keep_valid,
    )
    if errors:
        raise ReportPartlySaved(_("The draft is saved, except the values marked: correct them and save again."), errors)
    return report


@transaction.atomic
def _report_save(
    *,
    report: ProgressReport,
    user: User,
    narrative: str,
    values: Mapping[int, ValueInput],
    expenditure: Mapping[int, ExpenditureInput],
    keep_valid: bool,
) -> tuple[ProgressReport, dict[str, list[str]]]:
    report = _locked(report)
    if actor_for(user, report.project) != Actor.REPORTER:
        raise ResultsError(_("Only the project's partners edit its reports."))
    if not report.is_editable:
        raise ResultsError(_("A submitted report can no longer be changed."))
    if expenditure and report.period.kind != ReportKind.FINANCIAL:
        raise ResultsError(_("Only a financial report accounts for expenditure."))
    rows = list(IndicatorPeriod.objects.filter(period=report.period).select_related("project_indicator__indicator"))
    checked, errors = _check_values(rows, values, report.project)
    spent, spent_errors = _check_expenditure(report, expenditure) if expenditure else ({}, {})
    errors.update(spent_errors)
    if errors and not keep_valid:
        raise ReportInvalid(_("Some values were refused; nothing was saved. See the messages by each field."), errors)
    report.narrative = narrative.strip()
    report.save(update_fields=["narrative", "updated_at"])
    refused = {int(key.split("-")[1]) for key in errors}  # value-<row>[-<category>], spent-<line>
    _write_values(report, {pk: item for pk, item in checked.items() if pk not in refused})
    if expenditure:
        kept = {pk: item for pk, item in expenditure.items() if pk not in refused}
        _write_expenditure(report, kept, {pk: item for pk, item in spent.items() if pk not in refused})
    return report, dict(errors)


def _write_values(report: ProgressReport, checked: Mapping[int, _Checked]) -> None:
    """Replace the report's values with the checked ones, in a constant number of queries."""
    ReportedValue.objects.filter(report=report, indicator_period_id__in=checked).delete()
    indicators = dict(
        IndicatorPeriod.objects.filter(pk__in=checked).values_list("pk", "project_indicator__indicator_id")
    )
    created = ReportedValue.objects.bulk_create(
        [
            ReportedValue(
                report=report,
                indicator_period_id=row_id,
                value=item.value,
                comment=item.comment,
                indicator_id=indicators[row_id],
                project_id=report.project_id,
                period_end=report.period.end_date,
            )
            for row_id, item in checked.items()
            if item.value is not None
        ]
    )
    if not created:
        return
    if created[0].pk is None:  # backends that do not return ids from a bulk insert
        created = list(ReportedValue.objects.filter(report=report, indicator_period_id__in=checked))
    splits, places = [], []
    cities = {}
    city_ids = {pk for item in checked.values() for pk in item.city_ids}
    if city_ids:
        cities = dict(report.project.cities.filter(pk__in=city_ids).values_list("pk", "country"))
    for reported in created:
        item = checked[reported.indicator_period_id]
        splits += [
            ValueSplit(reported=reported, dimension=Disaggregation.SEX, category=category, value=part)
            for category, part in item.splits.items()
        ]
        places += [ReportedPlace(reported=reported, city_id=pk, country=cities[pk]) for pk in item.city_ids]
        places += [ReportedPlace(reported=reported, country=code) for code in item.countries]
    ValueSplit.objects.bulk_create(splits)
    ReportedPlace.objects.bulk_create(places)


def submission_errors(report: ProgressReport) -> dict[str, list[str]]:
    """What a report still lacks, by field. A financial report answers every budget line (0 if nothing was spent)
    and has at least one supporting file; its narrative is optional. A narrative report has its narrative only."""
    errors: dict[str, list[str]] = defaultdict(list)
    if report.period.kind == ReportKind.FINANCIAL:
        lines = budget_lines_of(report.project_id)
        if not lines:
            errors["expenditure"].append(_("The grant has no budget lines to report on: ask the secretariat."))
        answered = set(ExpenditureLine.objects.filter(report=report).values_list("budget_line_id", flat=True))
        for line in lines:
            if line.pk not in answered:
                errors[f"spent-{line.pk}"].append(_("Give the amount spent on every line (0 if nothing)."))
        if not report.evidence.exists():
            errors["evidence"].append(_("Add at least one supporting file (statement, ledger extract, receipts)."))
        return errors
    if not report.narrative:
        errors["narrative"].append(_("Tell the story of the period: what was done, what changed, what got in the way."))
    missing = IndicatorPeriod.objects.filter(period=report.period, reported__isnull=True).values_list("pk", flat=True)
    for row_id in missing:
        errors[f"value-{row_id}"].append(_("Give a value for every indicator (0 if nothing changed)."))
    return errors


@transaction.atomic
def report_submit(*, report: ProgressReport, user: User, today: dt.date | None = None) -> ProgressReport:
    """Send a complete report on a period that has ended to the secretariat for review."""
    report = _locked(report)
    if actor_for(user, report.project) != Actor.REPORTER:
        raise ResultsError(_("Only the project's partners submit its reports."))
    if not report.is_editable:
        raise ResultsError(_("This report is already submitted."))
    if report.period.end_date >= (today or timezone.localdate()):
        raise ResultsError(
            _("The period ends on %(end)s: save a draft now, and submit it once the period is over.")
            % {"end": report.period.end_date.isoformat()}
        )
    errors = submission_errors(report)
    if errors:
        raise ReportInvalid(_("The report cannot be submitted yet: see the messages by each field."), errors)
    _move(report, ReportStatus.SUBMITTED, user, submitted_at=timezone.now())
    enqueue(tasks.notify_report_submitted, report.pk)
    return report


@transaction.atomic
def report_return(*, report: ProgressReport, user: User, comment: str) -> ProgressReport:
    """Send a submitted report back to its partners with what to fix; its values stay out of every figure."""
    comment = comment.strip()
    if not comment:
        raise ResultsError(_("Say what needs to change before returning the report."), field="comment")
    report = _locked(report)
    _move(report, ReportStatus.RETURNED, user, comment, review_comment=comment)
    enqueue(tasks.notify_report_decided, report.pk)
    return report


@transaction.atomic
def report_approve(*, report: ProgressReport, user: User, comment: str = "") -> ProgressReport:
    """Approve a submitted report: its values count from now on, and it may release a tranche.

    A constant number of queries whatever the portfolio's size: aggregates are read from the
    approved values when asked for, never rolled up here.
    """
    report = _locked(report)
    now = timezone.now()
    _move(report, ReportStatus.APPROVED, user, comment.strip(), approved_at=now, review_comment=comment.strip())
    if report.period.kind == ReportKind.FINANCIAL:
        _expenditure_book(report, user)
    ReportedValue.objects.filter(report=report).update(is_approved=True)
    portfolio_changed(ReportedValue)  # an update goes around the signals that forget the cached results
    if report.period.releases_tranche_id:
        tranche = Tranche.objects.get(pk=report.period.releases_tranche_id)
        tranche_condition_meet(tranche=tranche, on=timezone.localdate(now))
    enqueue(tasks.notify_report_decided, report.pk)
    return report


def _expenditure_book(report: ProgressReport, user: User) -> None:
    """An approved financial report's total is the project's expenditure of the period (IATI expenditure, dated the
    period's end). The ledger's rules hold: a closed accounting period refuses it, and with it the approval."""
    total = ExpenditureLine.objects.filter(report=report).aggregate(total=models.Sum("amount"))["total"]
    if not total:
        return
    try:
        expenditure_record(
            project=report.project,
            amount=total,
            value_date=report.period.end_date,
            currency=report.project.currency,
            reference=f"report-{report.pk}",
            description=_("Financial report %(period)s") % {"period": report.period},
            recorded_by=user,
        )
    except LedgerError as error:
        raise ResultsError(
            _("The report cannot be approved: %(reason)s") % {"reason": error.message}, field="comment"
        ) from None


@transaction.atomic
def evidence_add(
    *,
    report: ProgressReport,
    user: User,
    upload: UploadedFile,
    description: str = "",
    replaces: Evidence | None = None,
) -> Evidence:
    """Keep a file backing the report, after checking its type by its content; in place of `replaces` (a file of
    the same report) if given, which goes only if the new one is kept."""
    report = _locked(report)
    if actor_for(user, report.project) != Actor.REPORTER or not report.is_editable:
        raise ResultsError(_("Evidence is added to a draft by the project's partners."), field="file")
    try:
        content_type = upload_type(upload)
    except DomainError as error:
        raise ResultsError(error.message, field="file") from None
    if replaces is not None:
        if replaces.report_id != report.pk:
            raise ResultsError(_("Only a file of this report can be replaced here."), field="file")
        evidence_remove(evidence=replaces, user=user)
        description = description.strip() or replaces.description
    return Evidence.objects.create(
        report=report,
        file=upload,
        original_name=upload.name[:200],
        content_type=content_type,
        size=upload.size,
        description=description.strip()[:250],
        uploaded_by=user,
    )


@transaction.atomic
def evidence_remove(*, evidence: Evidence, user: User) -> None:
    """Take a file off a draft report: the partner attached the wrong one, or replaces it."""
    report = _locked(evidence.report)
    if actor_for(user, report.project) != Actor.REPORTER or not report.is_editable:
        raise ResultsError(_("Files are removed from a draft by the project's partners."), field="file")
    storage, name = evidence.file.storage, evidence.file.name
    evidence.delete()
    transaction.on_commit(lambda: storage.delete(name))  # the file goes only once its row is gone for good
