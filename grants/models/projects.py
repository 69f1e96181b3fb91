"""Projects the fund supports, where they work and with whom."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from common.money import (
    CurrencyField,
    MoneyField,
    currency_shape_check,
    format_money,
    require_booked_currency_kept,
)
from members.models import Organisation

from .catalogue import City, Facility, Theme
from .totals import LedgerTotalsKept


class ProjectStatus(models.IntegerChoices):
    """IATI ActivityStatus codes."""

    PIPELINE = 1, _("Pipeline / identification")
    IMPLEMENTATION = 2, _("Implementation")
    FINALISATION = 3, _("Finalisation")
    CLOSED = 4, _("Closed")
    CANCELLED = 5, _("Cancelled")
    SUSPENDED = 6, _("Suspended")


# The pooled fund's own IATI activity is published under this code: no project may take it.
POOLED_FUND_CODE = "FUND"


class Project(LedgerTotalsKept):
    """A grant-funded piece of work, from a country programme to an Innovation Fund grant."""

    LEDGER_TOTALS = ("committed_total", "disbursed_total", "spent_total")

    code = models.CharField(_("code"), max_length=40, unique=True, help_text=_("For example CP-GHA-2014."))
    title = models.CharField(_("title"), max_length=250)
    summary = models.TextField(_("summary"), blank=True)
    status = models.PositiveSmallIntegerField(
        _("status"), choices=ProjectStatus.choices, default=ProjectStatus.PIPELINE
    )
    # Indexed first in `project_facility_status`, which also serves every read by facility.
    facility = models.ForeignKey(
        Facility, on_delete=models.PROTECT, related_name="projects", verbose_name=_("facility"), db_index=False
    )
    themes = models.ManyToManyField(Theme, blank=True, related_name="projects", verbose_name=_("themes"))
    cities = models.ManyToManyField(City, blank=True, related_name="projects", verbose_name=_("cities"))
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    actual_end_date = models.DateField(
        _("actual end"), null=True, blank=True, editable=False, help_text=_("Set when the project is closed.")
    )
    currency = CurrencyField()
    approved_budget = MoneyField(_("approved budget"))
    co_financing = MoneyField(
        _("co-financing"), default=0, help_text=_("Contributions of partners to the project itself.")
    )
    leveraged_investment = MoneyField(
        _("leveraged investment"), default=0, help_text=_("Follow-on investment the project helped mobilise.")
    )
    committed_total = MoneyField(_("committed"), default=0, editable=False)
    disbursed_total = MoneyField(_("disbursed"), default=0, editable=False)
    spent_total = MoneyField(_("spent"), default=0, editable=False)
    # Unpublished until staff publish it (`project_publish`): only a published project is on the public pages, in
    # the API's public reads and in the IATI files.
    is_public = models.BooleanField(
        _("published"),
        default=False,
        editable=False,
        help_text=_("Shown on the public pages, in the open data API and in the IATI files."),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("published by"),
    )
    is_demo = models.BooleanField(
        _("demo record"), default=False, help_text=_("Illustrative record loaded with the demo portfolio.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # What the public search reads on PostgreSQL: the title, summary, code, cities and partners' names, unaccented,
    # stemmed in French and in English. The database keeps it (triggers of migration 0032, GIN index
    # `project_search`), whichever door wrote the project, its cities or its partners; empty on SQLite.
    search_document = SearchVectorField(null=True, editable=False)
    history = HistoricalRecords(
        m2m_fields=[themes, cities],
        # The summary's columns per language (grants/translation.py) come after the history is made: it keeps
        # `summary`, in the language it was saved in.
        excluded_fields=[
            "committed_total",
            "disbursed_total",
            "spent_total",
            "summary_en",
            "summary_fr",
            "search_document",
        ],
    )

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-start_date", "code"]
        permissions = [
            ("import_iati", _("Can import projects from IATI activity files")),
            ("import_foreign_iati", _("Can import other publishers' IATI activities, after mapping them")),
            ("publish_project", _("Can publish a project on the public portfolio, or withdraw it")),
        ]
        indexes = [
            # The keys beside the facility: a list filtered by window (the ledger's, say) finds its 40,000 projects
            # in this index alone, not by reading every project's whole row (110 MB at 50,000 projects).
            models.Index(fields=["facility", "status"], include=["id"], name="project_facility_status"),
            models.Index(fields=["start_date"], name="project_start"),
            models.Index(fields=["is_public", "status"], name="project_public_status"),
            # The public list's order, with the key and what its filters read (window and facility, status, year):
            # a page's projects are found in the index alone (common.paging), however far down the list.
            models.Index(
                fields=["-start_date", "code"],
                include=["id", "facility", "status", "end_date"],
                condition=Q(is_public=True),
                name="project_public_order",
            ),
            # A subset of the projects (a donor's five thousand) put in the list's order from their keys alone: the
            # sort columns read beside each key in the index, not from each project's whole row (common.paging).
            models.Index(fields=["id"], include=["start_date", "code"], name="project_key_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="project_end_not_before_start",
                violation_error_message=_("A project cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(approved_budget__gt=0),
                name="project_budget_positive",
                violation_error_message=_("The approved budget must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(co_financing__gte=0) & Q(leveraged_investment__gte=0),
                name="project_cofinancing_not_negative",
                violation_error_message=_("Co-financing and leveraged investment cannot be negative."),
            ),
            currency_shape_check("currency", "project_currency_iso"),
            models.CheckConstraint(
                condition=Q(committed_total__gte=0)
                & Q(disbursed_total__gte=0)
                & Q(disbursed_total__lte=F("committed_total")),
                name="project_not_overdisbursed",
                violation_error_message=_("A project cannot be paid more than was committed to it."),
            ),
            models.CheckConstraint(
                condition=Q(approved_budget__gte=F("committed_total")),
                name="project_budget_covers_commitment",
                violation_error_message=_("The approved budget cannot be less than what is committed to the project."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("grants:project-detail", kwargs={"code": self.code})

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.code.upper() == POOLED_FUND_CODE:
            message = _("%(code)s names the pooled fund in the open data files; choose another code.")
            errors["code"] = message % {"code": self.code}
        if self.approved_budget is not None and self.approved_budget < self.committed_total:
            errors["approved_budget"] = _(
                "%(committed)s is committed to %(code)s: the approved budget cannot be less."
            ) % {
                "committed": format_money(self.committed_total, self.currency),
                "code": self.code,
            }
        try:
            require_booked_currency_kept(self, "transactions")
        except ValidationError as error:
            errors.update(error.message_dict)
        if errors:
            raise ValidationError(errors)


class ProjectCountry(models.Model):
    """A recipient country of a project, with its share of the project (IATI recipient-country)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="countries", verbose_name=_("project"))
    country = CountryField(_("country"))
    percentage = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("recipient country")
        verbose_name_plural = _("recipient countries")
        ordering = ["project", "-percentage", "country"]
        indexes = [models.Index(fields=["country", "project"], name="project_country_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "country"],
                name="project_country_unique",
                violation_error_message=_("This country is already listed for the project."),
            ),
            models.CheckConstraint(
                condition=Q(percentage__gte=0) & Q(percentage__lte=100),
                name="project_country_percentage_range",
                violation_error_message=_("A country's share is between 0 and 100 percent."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country.name} ({self.percentage:g}%)"


class PartnerRole(models.IntegerChoices):
    """IATI OrganisationRole codes."""

    FUNDING = 1, _("Funding")
    ACCOUNTABLE = 2, _("Contract partner (accountable)")
    EXTENDING = 3, _("Extending")
    IMPLEMENTING = 4, _("Implementing")


class ProjectPartner(models.Model):
    """An organisation taking part in a project, in one IATI role."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partners", verbose_name=_("project"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="project_roles", verbose_name=_("organisation")
    )
    role = models.PositiveSmallIntegerField(_("role"), choices=PartnerRole.choices)

    class Meta:
        verbose_name = _("project partner")
        verbose_name_plural = _("project partners")
        ordering = ["project", "role", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organisation", "role"],
                name="project_partner_unique_role",
                violation_error_message=_("This organisation already has that role in the project."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.get_role_display()}"
