"""The demo's amended grant: Ghana's agreement given a revised budget, approved by the committee, so the demo
shows an amendment with its two versions side by side (issue 16, point 2). A budget revision leaves the project's
own record as the demo loads it, so loading the demo again changes nothing."""

from __future__ import annotations

from decimal import Decimal

from grants.models import GrantAgreement
from members.models import User

REFERENCE = "GA-CP-GHA-2014"
# The demo's logins act in its history: the programme officer asks, the director (grants committee) approves.
REQUESTER, APPROVER = "programme@example.org", "director@example.org"


def load_demo_amendments() -> None:
    """Once, when the demo logins exist (with DEBUG on): request and approve the budget revision; a second run
    finds it and changes nothing."""
    from grants.services import BudgetLineInput
    from grants.services.amendments import AmendmentTerms, amendment_approve, amendment_request

    agreement = GrantAgreement.objects.filter(reference=REFERENCE).first()
    requester, approver = (User.objects.filter(email=email).first() for email in (REQUESTER, APPROVER))
    if agreement is None or requester is None or approver is None or agreement.amendments.exists():
        return
    shares = [("staff", "0.40", "Municipal planning staff"), ("works", "0.45", "Slum upgrading works")]
    lines = [BudgetLineInput(c, (agreement.amount * Decimal(s)).quantize(Decimal("0.01")), d) for c, s, d in shares]
    lines.append(BudgetLineInput("events", agreement.amount - sum(line.amount for line in lines), "Community forums"))
    amendment = amendment_request(
        agreement=agreement,
        user=requester,
        terms=AmendmentTerms(
            kind="budget_revision",
            reason="The municipal forums cost more than planned; fewer consultants are needed. (Demo data.)",
            budget_lines=lines,
        ),
    )
    amendment_approve(amendment=amendment, user=approver, comment="The plans are on track again.")
