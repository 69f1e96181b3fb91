"""A grant ready to be paid through payment requests: its grantee's partner, a verified account, staff roles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from grants.models import PaymentRequest
from grants.services import (
    TrancheSpec,
    payment_request_approve,
    payment_request_check,
    payment_request_create,
)
from members.roles import FINANCE_OFFICER, PROGRAMME_OFFICER
from members.services import bank_account_verify
from tests.factories import (
    BankAccountFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    PartnerUserFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    staff_in_role,
)

DUE = dt.date(2019, 3, 1)  # long past: a tranche without a condition is released
FUTURE = dt.date(2099, 1, 1)


def verified_account(organisation, *, entered_by=None, verifier=None, **fields):
    account = BankAccountFactory(organisation=organisation, entered_by=entered_by, **fields)
    return bank_account_verify(account=account, by=verifier or staff_in_role(FINANCE_OFFICER))


def paying_grant(
    *,
    currency: str = "EUR",
    tranches=None,
    code: str | None = None,
    grantee: str = "Kampala Capital City Authority",
    signed_on: dt.date = dt.date(2019, 2, 1),
) -> SimpleNamespace:
    """A signed grant of 100,000 in `currency` (two tranches of 40,000 and 60,000, the first due), its grantee's
    partner, a verified account in that currency, a programme officer and two finance officers."""
    grantee = OrganisationFactory(name=grantee)
    project = ProjectFactory(currency=currency, is_public=False, **({"code": code} if code else {}))
    ProjectPartnerFactory(project=project, organisation=grantee)
    agreement = GrantAgreementFactory(
        project=project,
        grantee=grantee,
        signed_on=signed_on,
        tranches=tranches or [TrancheSpec(DUE, Decimal("40000.00")), TrancheSpec(FUTURE, Decimal("60000.00"))],
    )
    partner = PartnerUserFactory(organisation=grantee, email=f"treasurer@{project.code.lower()}.example.org")
    finance = staff_in_role(FINANCE_OFFICER)
    account = verified_account(
        grantee,
        verifier=finance,
        iban="DE89370400440532013000",
        bic="COBADEFFXXX",
        bank_country="DE",
        bank_name="Commerzbank",
        currency=currency,
    )
    return SimpleNamespace(
        agreement=agreement,
        project=project,
        grantee=grantee,
        tranche=agreement.tranches.get(number=1),
        later=agreement.tranches.filter(number=2).first(),
        partner=partner,
        account=account,
        officer=staff_in_role(PROGRAMME_OFFICER),
        finance=finance,
        finance_2=staff_in_role(FINANCE_OFFICER),
    )


def requested(grant: SimpleNamespace, amount: str = "10000.00") -> PaymentRequest:
    return payment_request_create(
        tranche=grant.tranche, amount=Decimal(amount), bank_account=grant.account, requested_by=grant.partner
    )


def approved(grant: SimpleNamespace, amount: str = "10000.00") -> PaymentRequest:
    request = payment_request_check(request=requested(grant, amount), by=grant.officer)
    return payment_request_approve(request=request, by=grant.finance)
