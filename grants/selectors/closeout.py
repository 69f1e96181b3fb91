"""A project's closeout checklist: each item met or not, and what is missing, in a constant number of queries.

The items about reports belong to the results app, which registers them at start-up (`report_checks`), so the
funding side reads them without importing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from common.money import format_money

from ..models import Closeout, Project, Tranche, Transaction, TransactionKind


class Owner:
    """Who must act for an item: the partner (shown in the portal) or the secretariat."""

    PARTNER = "partner"
    SECRETARIAT = "secretariat"


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    met: bool
    missing: list[str] = field(default_factory=list)
    owner: str = Owner.SECRETARIAT

    def snapshot(self) -> dict:
        return {"key": self.key, "label": str(self.label), "met": self.met, "missing": [str(m) for m in self.missing]}


ReportCheck = Callable[[Project], list[ChecklistItem]]


class ReportChecks:
    """The checklist items an app built on grants adds (the results app: the reports), in registration order."""

    def __init__(self) -> None:
        self._checks: list[ReportCheck] = []

    def register(self, check: ReportCheck) -> ReportCheck:
        if check not in self._checks:
            self._checks.append(check)
        return check

    def of(self, project: Project) -> list[ChecklistItem]:
        return [item for check in self._checks for item in check(project)]


report_checks = ReportChecks()


@dataclass(frozen=True)
class CloseoutState:
    project: Project
    closeout: Closeout | None
    items: list[ChecklistItem]
    tranches: list[Tranche]
    refunds: list[Transaction]
    unspent: Decimal
    written_off: Decimal

    @property
    def currency(self) -> str:
        return self.project.currency

    @property
    def to_settle(self) -> Decimal:
        """The unspent balance neither refunded (a refund lowers what was disbursed) nor written off."""
        return max(self.unspent - self.written_off, Decimal(0))

    @property
    def is_closed(self) -> bool:
        return self.closeout is not None and self.closeout.is_closed

    @property
    def is_ready(self) -> bool:
        return all(item.met for item in self.items)

    @property
    def unmet(self) -> list[ChecklistItem]:
        return [item for item in self.items if not item.met]

    @property
    def partner_items(self) -> list[ChecklistItem]:
        """What the partner still owes for closeout."""
        return [item for item in self.unmet if item.owner == Owner.PARTNER]


def closeout_state(project: Project) -> CloseoutState:
    """The checklist of `project` now: the reports (from the results app), the tranches, the unspent balance and
    the evaluation. Four queries, plus those of the registered report checks (one for the results app)."""
    project = Project.objects.select_related("agreement").get(pk=project.pk)
    closeout = Closeout.objects.filter(project=project).first()
    tranches = list(Tranche.objects.filter(agreement__project=project).order_by("number"))
    refunds = list(
        Transaction.objects.filter(
            project=project, kind=TransactionKind.DISBURSEMENT, takes_back__isnull=False
        ).order_by("value_date", "pk")
    )
    currency = project.currency
    unpaid = [tranche for tranche in tranches if tranche.remaining > 0]
    unspent = project.disbursed_total - project.spent_total
    written_off = closeout.written_off if closeout else Decimal(0)
    to_settle = max(unspent - written_off, Decimal(0))
    items = [
        *report_checks.of(project),
        ChecklistItem(
            key="tranches",
            label=_("Every tranche paid or cancelled"),
            met=not unpaid,
            missing=[
                _("Tranche %(number)s: %(remaining)s left to pay: pay it or cancel it.")
                % {"number": tranche.number, "remaining": format_money(tranche.remaining, currency)}
                for tranche in unpaid
            ],
        ),
        ChecklistItem(
            key="balance",
            label=_("Unspent balance refunded or written off"),
            met=to_settle <= 0,
            missing=[
                _("%(amount)s disbursed and not reported as spent: the grantee refunds it, or finance writes it off.")
                % {"amount": format_money(to_settle, currency)}
            ]
            if to_settle > 0
            else [],
            owner=Owner.PARTNER,
        ),
        ChecklistItem(
            key="evaluation",
            label=_("Evaluation uploaded"),
            met=bool(closeout and closeout.evaluation),
            missing=[] if closeout and closeout.evaluation else [_("No evaluation is uploaded yet.")],
        ),
    ]
    return CloseoutState(
        project=project,
        closeout=closeout,
        items=items,
        tranches=tranches,
        refunds=refunds,
        unspent=unspent,
        written_off=written_off,
    )
