"""The approved values summed per corporate indicator, facility, publicity and year (`IndicatorYear`), with the
places they name (`PlaceYear`) and their splits (`ValueSplitTotal`): what the portfolio's results pages add
up, a few thousand rows whatever the number of projects.

On PostgreSQL the database keeps these rows (migration 0008's triggers) whatever writes the values (a partner's
report approved, an import, COPY) or moves a project (publishing it, another facility), in the same
transaction as the write. SQLite, the development database, has no triggers and leaves the tables empty: its
pages add up the values themselves (results/portfolio_figures.py).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from grants.models import City, Facility

from .models import VALUE_DIGITS, VALUE_PLACES, Indicator, SexCategory

SUM_DIGITS = VALUE_DIGITS + 6


def _sum_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=SUM_DIGITS, decimal_places=VALUE_PLACES, **kwargs)


def _key(to, verbose_name, **kwargs) -> models.ForeignKey:
    """A key the triggers write: never a reason to refuse deleting what it names (the triggers remove it)."""
    return models.ForeignKey(
        to, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+", verbose_name=verbose_name, **kwargs
    )


class KeptSlice(models.Model):
    """What every kept sum is keyed by: a corporate indicator, in the projects of one facility, public or not."""

    indicator = _key(Indicator, _("corporate indicator"))
    facility = _key(Facility, _("facility"))
    is_public = models.BooleanField(_("public"))

    class Meta:
        abstract = True


class IndicatorYear(KeptSlice):
    """One corporate indicator's approved values of one year, of the projects of one facility, public or not.

    `total`, `value_count` and `highest` are the values' sum, number and largest. Each project's last value of the
    year (its latest period's) makes `last_total` and `projects`; `last_change` is the sum of how much each
    project's last value moved since the previous year it reported (its whole value the first year it
    reported, which `first_projects` counts): added up year after year, it is the sum of every project's
    latest value so far."""

    year = models.PositiveSmallIntegerField(_("year"))
    total = _sum_field(_("total"))
    value_count = models.IntegerField(_("values"))
    highest = _sum_field(_("highest value"), null=True)
    last_total = _sum_field(_("sum of each project's last value"))
    projects = models.IntegerField(_("projects reporting"))
    last_change = _sum_field(_("change of the projects' latest values"))
    first_projects = models.IntegerField(_("projects reporting for the first time"))

    class Meta:
        verbose_name = _("indicator year")
        verbose_name_plural = _("indicator years")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "facility", "is_public", "year"], name="indicator_year_key")
        ]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.facility_id} {self.year}"


class PlaceYear(KeptSlice):
    """How many approved values of one corporate indicator named one place (a city of a country, or the country
    alone) in one year, in the projects of one facility, public or not. Its unique key, which treats "no city"
    as one value, is PostgreSQL's alone (migration 0008)."""

    city = _key(City, _("city"), null=True)
    country = models.CharField(_("country"), max_length=2)
    year = models.PositiveSmallIntegerField(_("year"))
    value_count = models.IntegerField(_("values"))

    class Meta:
        verbose_name = _("place year")
        verbose_name_plural = _("place years")
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.country} {self.city_id or ''} {self.year}"


class ValueSplitTotal(KeptSlice):
    """The parts of one corporate indicator's approved values in one category (women, say), in the projects of
    one facility, public or not: their sum and number."""

    category = models.CharField(_("category"), max_length=10, choices=SexCategory.choices)
    total = _sum_field(_("total"))
    value_count = models.IntegerField(_("values"))

    class Meta:
        verbose_name = _("value split total")
        verbose_name_plural = _("value split totals")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "facility", "is_public", "category"], name="value_split_total_key"
            )
        ]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.facility_id} {self.category}"
