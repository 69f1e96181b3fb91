"""The grant agreement as a document: the template its text comes from, and who signed it for each side, when."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from common.sandbox import template_problem

from .ledger import GrantAgreement


class DocumentLanguage(models.TextChoices):
    ENGLISH = "en", _("English")
    FRENCH = "fr", _("French")


# What an agreement template may name: each placeholder with the keys of its value (for a list, of its items).
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    "agreement": ("reference", "date", "status"),
    "fund": ("name",),
    "grantee": ("name", "country", "registration_number"),
    "project": ("code", "title", "summary", "countries", "start_date", "end_date"),
    "amount": ("figures", "words", "currency", "currency_name"),
    "tranches": ("number", "date", "amount", "amount_words", "condition"),
    "reports": ("kind", "period", "due_date", "final"),
    "budget_lines": ("category", "description", "amount"),
    "bank": ("confirmed", "account_holder", "bank_name", "bank_country", "iban", "account_number", "bic", "currency"),
    "signatories_partner": ("name", "title", "signed_on"),
    "signatories_secretariat": ("name", "title", "signed_on"),
}

PLACEHOLDER_HELP = _(
    "Django template language, a safe subset: {{ placeholder.key }}, {% if %}, {% for item in list %}, {% with %}; "
    "filters upper, lower, title, capfirst, default, join, length, linebreaks, linebreaksbr, yesno, first, last. "
    "Placeholders: agreement (reference, date, status); fund (name); grantee (name, country, registration_number); "
    "project (code, title, summary, countries, start_date, end_date); amount (figures, words, currency, "
    "currency_name); tranches, a list (number, date, amount, amount_words, condition); reports, a list (kind, "
    "period, due_date, final); budget_lines, a list (category, description, amount); bank (confirmed, "
    "account_holder, bank_name, bank_country, iban, account_number, bic, currency); signatories_partner and "
    "signatories_secretariat, lists (name, title, signed_on). Every value is text, already written in the "
    "template's language, and escaped."
)


class AgreementTemplate(models.Model):
    """The text of grant agreements in one language, written by staff; the default of a language is used unless
    another is chosen."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    language = models.CharField(_("language"), max_length=2, choices=DocumentLanguage.choices)
    body = models.TextField(_("text"), help_text=PLACEHOLDER_HELP)
    is_default = models.BooleanField(_("default for its language"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agreement template")
        verbose_name_plural = _("agreement templates")
        ordering = ["language", "-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["language"],
                condition=Q(is_default=True),
                name="agreement_template_one_default_per_language",
                violation_error_message=_("A language has one default template: unmark the other one first."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_language_display()})"

    def save(self, *args, **kwargs):
        # A template that would not render never reaches the database, whichever door saves it.
        problem = template_problem(self.body or "", PLACEHOLDERS)
        if problem:
            raise ValidationError({"body": problem})
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        problem = template_problem(self.body or "", PLACEHOLDERS)
        if problem:
            raise ValidationError({"body": problem})


class SignatorySide(models.TextChoices):
    PARTNER = "partner", _("Grantee")
    SECRETARIAT = "secretariat", _("Secretariat")


class Signatory(models.Model):
    """A person who signed for one side, and the day they signed: of an agreement or of an amendment."""

    side = models.CharField(_("side"), max_length=12, choices=SignatorySide.choices)
    name = models.CharField(_("name"), max_length=140)
    title = models.CharField(_("title"), max_length=140, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    signed_on = models.DateField(_("signed on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name} ({self.get_side_display()})"


class AgreementSignatory(Signatory):
    """A person who signed the agreement for one side, and the day they signed."""

    agreement = models.ForeignKey(
        GrantAgreement, on_delete=models.CASCADE, related_name="signatories", verbose_name=_("agreement")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signatory")
        verbose_name_plural = _("signatories")
        ordering = ["agreement", "side", "signed_on", "pk"]
        indexes = [models.Index(fields=["agreement", "side"], name="signatory_agreement_side")]
