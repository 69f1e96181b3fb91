"""Projects from IATI activities: their dates, money, places, themes and partners.

A project is matched by its code, the activity identifier without the partnership's prefix;
an activity new to the portfolio needs its facility named in a tag of the partnership's own
vocabulary. Budgets never lower the approved budget: IATI budgets are yearly slices.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from grants.models import (
    Facility,
    PartnerRole,
    Project,
    ProjectCountry,
    ProjectPartner,
    ProjectStatus,
    Theme,
    TransactionKind,
)

from .. import codes
from . import ledger, reading, results
from .reading import ActivityOutcome, ActivityRefused


def code_of(identifier: str) -> str:
    """The project code an activity identifier gives: without the partnership's prefix."""
    prefix = f"{settings.IATI_ORGANISATION_IDENTIFIER}-"
    code = identifier[len(prefix) :] if identifier.startswith(prefix) else identifier
    if not code or len(code) > 40:
        raise ActivityRefused(_("The identifier must give a project code of 1 to 40 characters."))
    return code


def project_load(element, identifier: str) -> ActivityOutcome:
    code = code_of(identifier)
    title = reading.text(element, "title")
    start, end = reading.date(element, "activity-date[@type='1']"), reading.date(element, "activity-date[@type='3']")
    start = start or reading.date(element, "activity-date[@type='2']")
    end = end or reading.date(element, "activity-date[@type='4']")
    if not (title and start and end):
        raise ActivityRefused(_("An activity needs a title and planned (or actual) start and end dates."))
    currency = element.get("default-currency") or ""
    budgets = [reading.decimal(v.text, _("A budget")) for v in element.iterfind("budget/value")]
    commitments = [
        reading.decimal(t.findtext("value"), _("A commitment"))
        for t in element.iterfind("transaction")
        if t.find("transaction-type").get("code") == str(TransactionKind.COMMITMENT)
    ]
    # The budgets, or the commitment when it is more: a project never commits beyond its approved budget.
    approved_budget = max(sum(budgets, Decimal(0)), sum(commitments, Decimal(0)))
    tags = {tag.get("code"): tag for tag in element.iterfind("tag") if tag.get("vocabulary") == codes.OWN_VOCABULARY}
    facility_codes = [c.split(":", 1)[1] for c in tags if c.startswith("facility:")]
    facility = Facility.objects.filter(code__in=facility_codes).first() if facility_codes else None
    project = Project.objects.filter(code=code).first()
    if facility is None and project is None:
        raise ActivityRefused(_("Name the activity's facility with a tag of vocabulary 99, code facility:<code>."))
    if project is None and approved_budget <= 0:
        raise ActivityRefused(_("A new activity needs a budget or a commitment."))
    status = int(element.find("activity-status").get("code")) if element.find("activity-status") is not None else 1
    # A closed activity's actual end, when it is not its planned end (the export writes the planned end otherwise).
    actual_end = reading.date(element, "activity-date[@type='4']")
    fields = {
        "title": title[:250],
        # An activity described by its title alone has no summary of its own.
        "summary": "" if reading.text(element, "description") == title else reading.text(element, "description"),
        "status": status if status in ProjectStatus.values else ProjectStatus.PIPELINE,
        "start_date": start,
        "end_date": end,
        "actual_end_date": actual_end if status == ProjectStatus.CLOSED and actual_end != end else None,
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
        ledger.project_transactions(project, element, outcome),
        results.project_results(project, element, outcome),
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
        organisation = reading.organisation(org)
        role = int(org.get("role"))
        if organisation is None or role not in PartnerRole.values:
            continue
        _, created = ProjectPartner.objects.get_or_create(project=project, organisation=organisation, role=role)
        changed |= created
    return changed
