"""Reads of the agreement document: who may see an agreement, and the plain values its text is written from.

The context of an agreement's text holds only strings and lists of dicts of strings, already written in the
document's language (figures by `format_money`, dates by Django's formats, amounts in words by num2words): the
staff-written template reaches nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import get_currency_name
from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from num2words import num2words

from common.money import format_money, money_locale
from common.permissions import may
from members.models import BankAccount, Role, User
from members.selectors import organisations_of

from ..models import (
    AgreementSignatory,
    AgreementStatus,
    AgreementTemplate,
    DocumentLanguage,
    GrantAgreement,
    ReleaseCondition,
    SignatorySide,
)
from ..todos import Todo
from .amendments import amendments_awaiting_signature

# The words the document takes from the data, in each language (the interface itself is in English only).
WORDS = {
    "en": {
        "and": "and",
        "cents": "%(cents)s/100",
        "period": "%(start)s to %(end)s",
        "yes": "yes",
        "not_before": "Not before %(date)s",
        "colon": ": ",
    },
    "fr": {
        "and": "et",
        "cents": "%(cents)s/100",
        "period": "du %(start)s au %(end)s",
        "yes": "oui",
        "not_before": "Pas avant le %(date)s",
        "colon": "\u00a0: ",
    },
}
LABELS_FR = {
    # results.ReportKind
    "progress": "Rapport d'avancement : narratif et résultats",
    "narrative": "Rapport narratif",
    "financial": "Rapport financier",
    # BudgetCategory
    "staff": "Personnel",
    "consultants": "Consultants et experts",
    "travel": "Déplacements",
    "works": "Travaux et infrastructures",
    "equipment": "Équipement",
    "events": "Ateliers et événements",
    "other": "Autres coûts",
    # ReleaseCondition
    ReleaseCondition.REPORT: "Approbation d'un rapport",
    ReleaseCondition.DOCUMENT: "Réception d'un document",
    # AgreementStatus
    "awaiting": "En attente des signatures",
    "signed": "Signé par les deux parties",
    "closed": "Clos",
}


def _label(language: str, value: str, english: str) -> str:
    return LABELS_FR.get(value, english) if language == "fr" else english


def visible_agreements(user: User) -> QuerySet[GrantAgreement]:
    """Staff who view agreements see all of them; a partner the agreements its organisations are the grantee of
    (they hold the grantee's bank details); anyone else none."""
    if may(user, "grants.view_grantagreement"):
        return GrantAgreement.objects.all()
    if not user.is_authenticated:
        return GrantAgreement.objects.none()
    return GrantAgreement.objects.filter(grantee__in=organisations_of(user=user, role=Role.PARTNER))


def agreement_with_signatories(agreements: QuerySet[GrantAgreement]) -> QuerySet[GrantAgreement]:
    return agreements.select_related("project", "grantee").prefetch_related(
        Prefetch("signatories", queryset=AgreementSignatory.objects.order_by("side", "signed_on", "pk"))
    )


def partner_agreement(user: User, code: str) -> GrantAgreement:
    """The agreement of the partner's project `code`; DoesNotExist (a 404) for anyone else's."""
    return agreement_with_signatories(visible_agreements(user)).get(project__code=code)


def partner_agreements(user: User) -> QuerySet[GrantAgreement]:
    """The agreements the user's organisations are the grantee of, newest first (for the portal's dashboard)."""
    if not user.is_authenticated:
        return GrantAgreement.objects.none()
    return (
        GrantAgreement.objects.filter(grantee__in=organisations_of(user=user, role=Role.PARTNER))
        .select_related("project")
        .order_by("-signed_on", "reference")
    )


def signature_todos(user: User, today: dt.date) -> list[Todo]:
    """The portal home's agreements and amendments to sign: those of the user's organisations still awaiting the
    grantee's signature (the secretariat records it from the signed copy returned). Two queries."""
    partner_signed = AgreementSignatory.objects.filter(agreement=OuterRef("pk"), side=SignatorySide.PARTNER)
    waiting = (
        partner_agreements(user)
        .filter(status=AgreementStatus.AWAITING_SIGNATURES)
        .exclude(Exists(partner_signed))
        .select_related("grantee")[:20]
    )
    return [
        Todo(
            title=_("Sign the grant agreement of %(code)s") % {"code": agreement.project.code},
            detail=_("Download it, have it signed for %(grantee)s and return the signed copy to the secretariat.")
            % {"grantee": agreement.grantee},
            url=reverse("grants:agreement", args=[agreement.project.code]),
        )
        for agreement in waiting
    ] + _amendment_signature_todos(user)


def _amendment_signature_todos(user: User) -> list[Todo]:
    """Approved amendments the grantee has still to sign: one query."""
    waiting = (
        amendments_awaiting_signature(user)
        .select_related(None)
        .prefetch_related(None)
        .select_related("agreement__project")[:20]
    )
    return [
        Todo(
            title=_("Sign amendment %(number)s of %(code)s")
            % {"number": amendment.number, "code": amendment.agreement.project.code},
            detail=_("Download the amendment letter, have it signed and return the signed copy to the secretariat."),
            url=reverse("grants:amendments", args=[amendment.agreement.project.code]),
        )
        for amendment in waiting
    ]


def document_template(language: str) -> AgreementTemplate | None:
    return AgreementTemplate.objects.filter(language=language).order_by("-is_default", "-updated_at").first()


def active_bank_account(agreement: GrantAgreement) -> BankAccount | None:
    """The grantee's account the document names: in use and verified by the secretariat."""
    return (
        BankAccount.objects.filter(organisation=agreement.grantee_id, is_active=True, verified_at__isnull=False)
        .order_by("-verified_at")
        .first()
    )


def amount_in_words(amount: Decimal, currency: str, language: str) -> str:
    """'one hundred thousand US dollars', 'cent mille dollars des États-Unis'; cents as a fraction."""
    whole = int(amount)
    cents = int((amount - whole) * 100)
    name = get_currency_name(currency, count=whole, locale=language)
    words = f"{num2words(whole, lang=language)} {name}"
    if cents:
        words += f" {WORDS[language]['and']} {WORDS[language]['cents'] % {'cents': f'{cents:02d}'}}"
    return words


@dataclass(frozen=True)
class DocumentValues:
    """The values of an agreement's text in one language, and the signatories for the page around it."""

    language: str
    values: dict


def agreement_document_values(agreement: GrantAgreement, language: str) -> DocumentValues:
    """Everything an agreement template may name, in `language`, as plain strings (a few queries, however many
    tranches, reports and budget lines)."""
    if language not in DocumentLanguage.values:
        language = settings.LANGUAGE_CODE
    project = agreement.project
    words = WORDS[language]
    with translation.override(language):
        locale = money_locale()
        currency = agreement.currency

        def money(amount: Decimal) -> str:
            return format_money(amount, currency)

        def day(value) -> str:
            return date_format(value) if value else ""

        tranches = []
        for tranche in agreement.tranches.order_by("number"):
            condition = ""
            if tranche.condition_kind == ReleaseCondition.DATE:
                condition = words["not_before"] % {"date": day(tranche.condition_met_on)}
                condition = f"{condition}{words['colon']}{tranche.condition}" if tranche.condition else condition
            elif tranche.condition_kind == ReleaseCondition.OTHER:
                condition = tranche.condition
            elif tranche.condition_kind != ReleaseCondition.NONE:
                kind = _label(language, tranche.condition_kind, str(tranche.get_condition_kind_display()))
                condition = f"{kind}{words['colon']}{tranche.condition}"
            tranches.append(
                {
                    "number": str(tranche.number),
                    "date": day(tranche.planned_date),
                    "amount": money(tranche.amount),
                    "amount_words": amount_in_words(tranche.amount, currency, language),
                    "condition": condition,
                }
            )
        reports = [
            {
                "kind": _label(language, period.kind, str(period.get_kind_display())),
                "period": words["period"] % {"start": day(period.start_date), "end": day(period.end_date)},
                "due_date": day(period.due_date),
                "final": words["yes"] if period.is_final else "",
            }
            for period in project.reporting_periods.order_by("due_date", "kind")
        ]
        budget_lines = [
            {
                "category": _label(language, line.category, str(line.get_category_display())),
                "description": line.description,
                "amount": money(line.amount),
            }
            for line in agreement.budget_lines.all()
        ]
        account = active_bank_account(agreement)
        bank = {"confirmed": ""}
        if account is not None:
            bank = {
                "confirmed": words["yes"],
                "account_holder": account.account_holder,
                "bank_name": account.bank_name,
                "bank_country": str(account.bank_country.name),
                "iban": account.iban,
                "account_number": account.account_number,
                "bic": account.bic,
                "currency": account.currency,
            }
        signatories = {side: [] for side in SignatorySide.values}
        for person in agreement.signatories.all():
            signatories[person.side].append(
                {"name": person.name, "title": person.title, "signed_on": day(person.signed_on)}
            )
        countries = ", ".join(str(country.country.name) for country in project.countries.all())
        values = {
            "agreement": {
                "reference": agreement.reference,
                "date": day(agreement.signed_on),
                "status": _label(language, agreement.status, str(agreement.get_status_display())),
            },
            "fund": {"name": settings.IATI_ORGANISATION_NAME},
            "grantee": {
                "name": agreement.grantee.name,
                "country": str(agreement.grantee.country.name) if agreement.grantee.country else "",
                "registration_number": agreement.grantee.registration_number,
            },
            "project": {
                "code": project.code,
                "title": project.title,
                "summary": project.summary,
                "countries": countries,
                "start_date": day(project.start_date),
                "end_date": day(project.end_date),
            },
            "amount": {
                "figures": money(agreement.amount),
                "words": amount_in_words(agreement.amount, currency, language),
                "currency": currency,
                "currency_name": get_currency_name(currency, locale=locale),
            },
            "tranches": tranches,
            "reports": reports,
            "budget_lines": budget_lines,
            "bank": bank,
            "signatories_partner": signatories[SignatorySide.PARTNER],
            "signatories_secretariat": signatories[SignatorySide.SECRETARIAT],
        }
    return DocumentValues(language=language, values=values)


def signed_sides(agreement: GrantAgreement) -> dict[str, list[AgreementSignatory]]:
    """The signatories of each side, from the prefetched rows."""
    sides = {side: [] for side in SignatorySide.values}
    for person in agreement.signatories.all():
        sides[person.side].append(person)
    return sides
