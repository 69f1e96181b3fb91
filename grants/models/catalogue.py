"""What the partnership funds through: windows, facilities, themes, and the cities it works in."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class FundingWindow(models.Model):
    """One of the two windows of the strategic plan: Country/City, or Global."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("funding window")
        verbose_name_plural = _("funding windows")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Facility(models.Model):
    """A line of business inside a window: Country Programmes, the Innovation Fund, …"""

    window = models.ForeignKey(
        FundingWindow, on_delete=models.PROTECT, related_name="facilities", verbose_name=_("window")
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_competitive = models.BooleanField(
        _("competitive"), default=False, help_text=_("Grants are awarded through open calls for proposals.")
    )

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["window__order", "name"]

    def __str__(self) -> str:
        return self.name


class Theme(models.Model):
    """A theme of the work programme, such as gender equality or cities and migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=160, unique=True)
    description = models.TextField(_("description"), blank=True)
    start_year = models.PositiveSmallIntegerField(_("from year"), null=True, blank=True)
    end_year = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__isnull=True) | Q(start_year__isnull=True) | Q(end_year__gte=F("start_year")),
                name="theme_end_year_not_before_start_year",
                violation_error_message=_("A theme cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PositionSource(models.TextChoices):
    GAZETTEER = "gazetteer", _("Gazetteer")
    STAFF = "staff", _("Set by the secretariat")
    NOT_FOUND = "not-found", _("Not in the gazetteer")


class City(models.Model):
    """A city or municipality, a row of its own so it counts once across projects."""

    name = models.CharField(_("name"), max_length=120)
    country = CountryField(_("country"))
    # A name a partner typed that matched no city: the secretariat confirms it before any project counts it.
    confirmed = models.BooleanField(
        _("confirmed"), default=True, help_text=_("Proposed by a partner and not yet confirmed when unticked.")
    )
    proposed_by = models.ForeignKey(
        "members.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    # Filled from the gazetteer when the city is recorded (services.city_locate); staff correct them in the admin.
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    position_source = models.CharField(_("coordinates from"), max_length=10, choices=PositionSource.choices, blank=True)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["country", "name"]
        # The application form suggests the cities of the chosen countries as the partner types.
        indexes = [models.Index(fields=["country", "name"], name="city_country_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "country"],
                name="city_unique_per_country",
                violation_error_message=_("This city is already recorded for that country."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="city_coordinates_on_earth",
                violation_error_message=_(
                    "Give both coordinates, a latitude between -90 and 90 and a longitude between -180 and 180."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.country.name}"

    @property
    def is_located(self) -> bool:
        return self.latitude is not None and self.longitude is not None
