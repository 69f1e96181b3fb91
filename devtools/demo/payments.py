"""The demo's payments stage: Monrovia's grant (CUF-LBR-2019) with its third tranche released, one payment
request paid through a confirmed payment run and a second one waiting for a programme officer's check.

Only with DEBUG on, as the people who act are demo logins (the demo's programme and finance officers, and
Monrovia's treasurer, treasurer.monrovia@example.org): without DEBUG the demo makes no account.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from common.records import ensure
from devtools.demo.logins import _ensure_user, staff_login
from grants import services
from grants.models import PaymentRequest, Tranche
from members.models import BankAccount, Organisation, OrganisationRole, Role
from members.roles import FINANCE_OFFICER, PROGRAMME_OFFICER
from members.services import bank_account_save, bank_account_verify

PROJECT = "CUF-LBR-2019"
TRANCHE = 3
RELEASED_ON = dt.date(2026, 6, 1)  # the day its report was approved, in the demo's story


TREASURER = ("treasurer.monrovia@example.org", "Monrovia Treasurer Demo")


@transaction.atomic
def load_demo_payments() -> None:
    """A second run changes nothing; before the tranche's release date nothing is requested."""
    if not settings.DEBUG:
        return
    tranche = Tranche.objects.select_related("agreement__grantee").get(agreement__project__code=PROJECT, number=TRANCHE)
    if PaymentRequest.objects.filter(tranche__agreement=tranche.agreement).exists():
        return
    today = timezone.localdate()
    if today < RELEASED_ON:
        return
    grantee: Organisation = tranche.agreement.grantee
    treasurer = _ensure_user(*TREASURER)
    ensure(OrganisationRole, {"user": treasurer, "organisation": grantee, "role": Role.PARTNER})
    checker, approver = staff_login(PROGRAMME_OFFICER), staff_login(FINANCE_OFFICER)

    services.tranche_condition_meet(tranche=tranche, on=RELEASED_ON)
    account = BankAccount.objects.filter(organisation=grantee, currency=tranche.agreement.currency).first()
    if account is None:
        account = bank_account_save(
            organisation=grantee,
            by=treasurer,
            account_holder="Monrovia City Corporation",
            bank_name="Ecobank Liberia",
            bank_country="LR",
            account_number="0011020304050",
            bic="ECOCLRLMXXX",
            currency=tranche.agreement.currency,
        )
    if not account.is_verified:
        account = bank_account_verify(account=account, by=approver)

    def ask(amount: str, note: str) -> PaymentRequest:
        return services.payment_request_create(
            tranche=tranche, amount=Decimal(amount), bank_account=account, requested_by=treasurer, note=note
        )

    paid = services.payment_request_check(request=ask("120000.00", "Water kiosks, second batch"), by=checker)
    paid = services.payment_request_approve(request=paid, by=approver)
    run = services.payment_run_create(requests=[paid], by=approver)
    services.payment_run_send(run=run, by=approver)
    services.payment_run_confirm(run=run, by=approver, value_date=today)
    ask("50000.00", "Drainage works, first phase")
