"""The results framework: corporate outcomes and indicators, and what each project reports against them.

The project side maps one-to-one onto IATI 2.03: `ProjectResult` is a result, `ProjectIndicator`
an indicator with its baseline, `IndicatorPeriod` a period with its target, and the
`ReportedValue` of an approved `ProgressReport` the period's actual (with `ValueSplit` rows as
its dimensions and `ReportedPlace` rows as its locations). Only approved reports count anywhere.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from common.dates import date_span
from common.money import CurrencyField, MoneyField
from grants.models import RECORDED_CONDITIONS, City, GrantBudgetLine, Project, Tranche

VALUE_DIGITS = 20
VALUE_PLACES = 2


def value_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES, **kwargs)


class Unit(models.TextChoices):
    COUNT = "count", _("Count")
    PERCENTAGE = "percentage", _("Percentage")
    AMOUNT = "amount", _("Currency amount")
    YES_NO = "yes_no", _("Yes / no")


class Counted(models.TextChoices):
    CITIES = "cities", _("Cities")
    COUNTRIES = "countries", _("Countries")
    PEOPLE = "people", _("People")
    WOMEN = "women", _("Women")
    PROJECTS = "projects", _("Projects")
    PLANS = "plans", _("Strategies and plans")
    MECHANISMS = "mechanisms", _("Mechanisms and forums")
    INSTITUTIONS = "institutions", _("Institutions")
    MONEY = "money", _("Money")
    OTHER = "other", _("Other")


class Aggregation(models.TextChoices):
    """How reported values add up, across periods and across projects."""

    SUM = "sum", _("Sum of all approved values")
    MAXIMUM = "max", _("Highest approved value")
    LATEST = "latest", _("Latest value of each project, added up")
    DISTINCT_CITIES = "cities", _("Distinct cities named")
    DISTINCT_COUNTRIES = "countries", _("Distinct countries named")

    @classmethod
    def distinct(cls) -> set[str]:
        return {cls.DISTINCT_CITIES, cls.DISTINCT_COUNTRIES}


class Disaggregation(models.TextChoices):
    NONE = "", _("None")
    SEX = "sex", _("By sex")


class SexCategory(models.TextChoices):
    """Categories of the IATI dimension name="sex"."""

    FEMALE = "female", _("Women and girls")
    MALE = "male", _("Men and boys")


class ResultType(models.IntegerChoices):
    """IATI ResultType codes."""

    OUTPUT = 1, _("Output")
    OUTCOME = 2, _("Outcome")
    IMPACT = 3, _("Impact")
    OTHER = 9, _("Other")


class Outcome(models.Model):
    """An outcome of the corporate results framework, such as "National policy frameworks developed"."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords(excluded_fields=["title_en", "title_fr", "description_en", "description_fr"])

    class Meta:
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"


class Indicator(models.Model):
    """A corporate indicator: what is counted, in which unit, and how projects' values add up."""

    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("outcome"))
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=250)
    definition = models.TextField(_("definition"), blank=True, help_text=_("What counts, and how it is verified."))
    unit = models.CharField(_("unit"), max_length=12, choices=Unit.choices, default=Unit.COUNT)
    currency = CurrencyField(blank=True, help_text=_("For currency amounts only."))
    counted = models.CharField(_("what is counted"), max_length=14, choices=Counted.choices)
    aggregation = models.CharField(_("aggregation"), max_length=10, choices=Aggregation.choices)
    disaggregation = models.CharField(
        _("disaggregation"), max_length=10, choices=Disaggregation.choices, blank=True, default=""
    )
    ascending = models.BooleanField(_("higher is better"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords(excluded_fields=["name_en", "name_fr", "definition_en", "definition_fr"])

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["outcome__order", "order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit="amount", currency__regex=r"^[A-Z]{3}$") | (~Q(unit="amount") & Q(currency="")),
                name="indicator_currency_for_amounts",
                violation_error_message=_("Currency amounts name their currency; other units have none."),
            ),
            models.CheckConstraint(
                condition=~Q(aggregation__in=["cities", "countries"]) | Q(unit="count"),
                name="indicator_distinct_counts_are_counts",
                violation_error_message=_("Distinct cities or countries are counted: use the unit Count."),
            ),
            models.CheckConstraint(
                condition=~Q(unit="percentage") | Q(aggregation__in=["max", "latest"]),
                name="indicator_percentages_not_summed",
                violation_error_message=_("Percentages cannot be added up: use Highest or Latest."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def is_distinct_count(self) -> bool:
        return self.aggregation in Aggregation.distinct()

    @property
    def is_disaggregated(self) -> bool:
        return bool(self.disaggregation)


class PortfolioTarget(models.Model):
    """What the whole portfolio aims to reach on an indicator by the end of a year."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("indicator")
    )
    year = models.PositiveSmallIntegerField(_("target year"), validators=[MinValueValidator(1999)])
    value = value_field(_("target"), validators=[MinValueValidator(0)])
    source = models.CharField(
        _("source"), max_length=200, blank=True, help_text=_("Strategy or agreement it comes from.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("portfolio target")
        verbose_name_plural = _("portfolio targets")
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "year"],
                name="portfolio_target_unique_year",
                violation_error_message=_("This indicator already has a target for that year."),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="portfolio_target_not_negative",
                violation_error_message=_("A target cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.value:g} by {self.year}"


class ProjectResult(models.Model):
    """A result a project works towards (IATI result), under one corporate outcome."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="results", verbose_name=_("project"))
    outcome = models.ForeignKey(
        Outcome, on_delete=models.PROTECT, related_name="project_results", verbose_name=_("outcome")
    )
    title = models.CharField(_("title"), max_length=250)
    description = models.TextField(_("description"), blank=True)
    type = models.PositiveSmallIntegerField(_("type"), choices=ResultType.choices, default=ResultType.OUTCOME)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project result")
        verbose_name_plural = _("project results")
        ordering = ["project", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.project.code} · {self.title}"


class ProjectIndicator(models.Model):
    """A corporate indicator as one project measures it (IATI indicator with its baseline)."""

    result = models.ForeignKey(
        ProjectResult, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("result")
    )
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="indicators", editable=False, verbose_name=_("project")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="project_indicators", verbose_name=_("corporate indicator")
    )
    title = models.CharField(
        _("title"), max_length=250, blank=True, help_text=_("Leave empty to use the corporate name.")
    )
    baseline_value = value_field(_("baseline"), null=True, blank=True, validators=[MinValueValidator(0)])
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    baseline_comment = models.CharField(_("baseline comment"), max_length=250, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project indicator")
        verbose_name_plural = _("project indicators")
        ordering = ["result__order", "order", "pk"]
        indexes = [models.Index(fields=["indicator", "project"], name="project_indicator_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "indicator"],
                name="project_indicator_once",
                violation_error_message=_("The project already measures this corporate indicator."),
            ),
            models.CheckConstraint(
                condition=Q(baseline_value__isnull=True) | Q(baseline_date__isnull=False),
                name="project_indicator_baseline_dated",
                violation_error_message=_("A baseline needs the date it was measured."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.code} · {self.name}"

    def save(self, *args, **kwargs):
        self.project_id = self.result.project_id
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        return self.title or self.indicator.name


class ReportKind(models.TextChoices):
    """What a report owed under a grant agreement accounts for."""

    PROGRESS = "progress", _("Progress report: narrative and results")
    NARRATIVE = "narrative", _("Narrative report")
    FINANCIAL = "financial", _("Financial report")


REPORT_NAMES = {
    ReportKind.PROGRESS: _("Progress report"),
    ReportKind.NARRATIVE: _("Narrative report"),
    ReportKind.FINANCIAL: _("Financial report"),
}


class ReportingPeriod(models.Model):
    """A report the project owes: its kind, the period it covers and the date it is due.

    Periods of one kind never overlap; a final report (`is_final`) closes the grant's reporting of its kind.
    """

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="reporting_periods", verbose_name=_("project")
    )
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    due_date = models.DateField(_("report due"))
    kind = models.CharField(_("kind of report"), max_length=10, choices=ReportKind.choices, default=ReportKind.PROGRESS)
    is_final = models.BooleanField(_("final report"), default=False)
    releases_tranche = models.OneToOneField(
        Tranche,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="releasing_period",
        verbose_name=_("releases tranche"),
        help_text=_("Approving this period's report meets the tranche's release condition."),
    )
    reminded_on = models.DateField(
        _("last reminder"), null=True, blank=True, editable=False, help_text=_("The day partners were last reminded.")
    )
    # Whether its report is sent in (submitted or approved): kept by the database itself (migration 0007's
    # triggers) whichever door writes the report, so that the periods still owed are read from a small index.
    report_sent = models.BooleanField(_("report sent in"), default=False, editable=False)

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["project", "start_date"]
        indexes = [
            models.Index(fields=["due_date"], name="reporting_period_due"),
            models.Index(fields=["due_date"], condition=Q(report_sent=False), name="reporting_period_owed_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "kind", "start_date"],
                name="reporting_period_unique_start",
                violation_error_message=_(
                    "The project already has a report of this kind for a period starting that day."
                ),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="reporting_period_end_not_before_start",
                violation_error_message=_("A period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("end_date")),
                name="reporting_period_due_after_end",
                violation_error_message=_("A report is due on or after the end of its period."),
            ),
        ]

    def __str__(self) -> str:
        return date_span(self.start_date, self.end_date)

    @property
    def report_name(self) -> str:
        """What the report is called in lists and e-mails: "Financial report", "Final narrative report"."""
        name = REPORT_NAMES[self.kind]
        return _("Final %(name)s") % {"name": name.lower()} if self.is_final else str(name)

    def clean(self) -> None:
        project = self.project if self.project_id else None
        if project is None:
            return
        if self.releases_tranche_id and self.releases_tranche.agreement.project_id != project.pk:
            raise ValidationError({"releases_tranche": _("The tranche belongs to another project's agreement.")})
        if self.releases_tranche_id and self.releases_tranche.condition_kind not in RECORDED_CONDITIONS:
            raise ValidationError(
                {"releases_tranche": _("That tranche is released by its date, not by a report: choose another.")}
            )
        if not (self.start_date and self.end_date):
            return
        if self.start_date < project.start_date or self.end_date > project.end_date:
            raise ValidationError(
                {
                    "start_date": _("A reporting period must fall within the project (%(start)s to %(end)s).")
                    % {"start": project.start_date.isoformat(), "end": project.end_date.isoformat()}
                }
            )
        overlapping = (
            ReportingPeriod.objects.filter(
                project=project, kind=self.kind, start_date__lte=self.end_date, end_date__gte=self.start_date
            )
            .exclude(pk=self.pk)
            .first()
        )
        if overlapping:
            raise ValidationError(
                {"start_date": _("This period overlaps the period %(period)s.") % {"period": overlapping}}
            )


class IndicatorPeriod(models.Model):
    """An indicator in one reporting period with its target (IATI period/target)."""

    project_indicator = models.ForeignKey(
        ProjectIndicator, on_delete=models.CASCADE, related_name="periods", verbose_name=_("indicator")
    )
    period = models.ForeignKey(
        ReportingPeriod, on_delete=models.CASCADE, related_name="indicator_periods", verbose_name=_("period")
    )
    target_value = value_field(_("target"), null=True, blank=True, validators=[MinValueValidator(0)])
    target_comment = models.CharField(_("target comment"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("indicator period")
        verbose_name_plural = _("indicator periods")
        ordering = ["project_indicator", "period__start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["project_indicator", "period"],
                name="indicator_period_once",
                violation_error_message=_("This indicator already has a target for that period."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_indicator} · {self.period}"


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    APPROVED = "approved", _("Approved")


class ProgressReport(models.Model):
    """A partner's report on a project for one reporting period: values, narrative and evidence."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="progress_reports", verbose_name=_("project")
    )
    period = models.OneToOneField(
        ReportingPeriod, on_delete=models.PROTECT, related_name="report", verbose_name=_("period")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT, db_index=True
    )
    narrative = models.TextField(_("narrative"), blank=True)
    review_comment = models.TextField(_("comment from the secretariat"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
        help_text=_("Empty for reports loaded from another system."),
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-period__end_date", "project__code"]
        permissions = [("review_progressreport", _("Can approve or return progress reports"))]
        indexes = [models.Index(fields=["status", "submitted_at"], name="progress_report_queue")]

    def __str__(self) -> str:
        return f"{self.project.code} · {self.period}"

    @property
    def is_editable(self) -> bool:
        return self.status in {ReportStatus.DRAFT, ReportStatus.RETURNED}


class ReportTransition(models.Model):
    """One step of a report's workflow: who moved it, when, from where to where, and why."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("report")
    )
    from_status = models.CharField(_("from"), max_length=10, choices=ReportStatus.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=ReportStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("report step")
        verbose_name_plural = _("report steps")
        ordering = ["report", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.report} · {self.from_status} → {self.to_status}"


class ReportedValue(models.Model):
    """The value a report gives for one indicator in its period (IATI actual, once approved).

    The corporate indicator, the project, the year the period ends and whether the report is
    approved are copied here when the value is written (and `is_approved` when the report is),
    so that portfolio figures read one table instead of joining five.
    """

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="values", verbose_name=_("report")
    )
    indicator_period = models.OneToOneField(
        IndicatorPeriod, on_delete=models.CASCADE, related_name="reported", verbose_name=_("indicator period")
    )
    value = value_field(_("value"), validators=[MinValueValidator(0)])
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", editable=False, verbose_name=_("corporate indicator")
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", editable=False)
    period_end = models.DateField(_("period end"), editable=False)
    is_approved = models.BooleanField(_("approved"), default=False, editable=False)

    class Meta:
        verbose_name = _("reported value")
        verbose_name_plural = _("reported values")
        ordering = ["report", "indicator_period"]
        indexes = [
            models.Index(
                fields=["indicator", "period_end", "project"],
                condition=Q(is_approved=True),
                name="reported_value_approved",
            ),
            models.Index(fields=["project", "indicator"], condition=Q(is_approved=True), name="reported_value_project"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="reported_value_not_negative",
                violation_error_message=_("A reported value cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_period}: {self.value:g}"


class ValueSplit(models.Model):
    """Part of a reported value in one category of a disaggregation (IATI dimension)."""

    reported = models.ForeignKey(
        ReportedValue, on_delete=models.CASCADE, related_name="splits", verbose_name=_("value")
    )
    dimension = models.CharField(_("dimension"), max_length=10, choices=Disaggregation.choices[1:])
    category = models.CharField(_("category"), max_length=10, choices=SexCategory.choices)
    value = value_field(_("value"), validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("disaggregated value")
        verbose_name_plural = _("disaggregated values")
        ordering = ["reported", "dimension", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["reported", "dimension", "category"],
                name="value_split_once",
                violation_error_message=_("This category already has a value."),
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0),
                name="value_split_not_negative",
                violation_error_message=_("A disaggregated value cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.value:g}"


class ReportedPlace(models.Model):
    """A city or country a value names, so that distinct counts never count one place twice."""

    reported = models.ForeignKey(
        ReportedValue, on_delete=models.CASCADE, related_name="places", verbose_name=_("value")
    )
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("city")
    )
    country = CountryField(_("country"))

    class Meta:
        verbose_name = _("place named")
        verbose_name_plural = _("places named")
        ordering = ["reported", "country", "city"]
        indexes = [
            models.Index(fields=["city"], name="reported_place_city"),
            models.Index(fields=["country"], name="reported_place_country"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reported", "city"],
                condition=Q(city__isnull=False),
                name="reported_place_city_once",
                violation_error_message=_("This city is already named."),
            ),
            models.UniqueConstraint(
                fields=["reported", "country"],
                condition=Q(city__isnull=True),
                name="reported_place_country_once",
                violation_error_message=_("This country is already named."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.city) if self.city_id else self.country.name


class Evidence(models.Model):
    """A file backing a progress report: a plan adopted, minutes of a forum, photos."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("report")
    )
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    description = models.CharField(_("description"), max_length=250, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["report", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ExpenditureLine(models.Model):
    """What a financial report says was spent on one budget line in its period, in the grant's currency."""

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="expenditure", verbose_name=_("report")
    )
    budget_line = models.ForeignKey(
        GrantBudgetLine, on_delete=models.PROTECT, related_name="expenditure", verbose_name=_("budget line")
    )
    amount = MoneyField(_("spent in the period"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("expenditure line")
        verbose_name_plural = _("expenditure lines")
        ordering = ["report", "budget_line__order", "budget_line_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "budget_line"],
                name="expenditure_line_once",
                violation_error_message=_("This budget line is already answered in the report."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="expenditure_line_not_negative",
                violation_error_message=_("Expenditure cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget_line}: {self.amount}"


from .sums import IndicatorYear, PlaceYear, ValueSplitTotal  # noqa: E402, F401  (the kept sums: results/sums.py)
