"""The demo's closed grant (demo data): a two-year Innovation Fund grant in Jinja whose last tranche was cancelled,
whose grantee refunded part of its unspent balance and whose rest was written off, with its evaluation.

Its ledger is loaded with the portfolio, before the demo closes its past accounting periods; its final reports and
its closing come with the demo's results (`devtools.demo.closeout_reports`), the app that keeps reports.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from django.core.files.uploadedfile import SimpleUploadedFile

from common.records import ensure, ensure_m2m
from devtools.demo.agreements import demo_signatures
from grants import services
from grants.models import (
    City,
    Facility,
    GrantAgreement,
    PartnerRole,
    Project,
    ProjectCountry,
    ProjectPartner,
    ProjectStatus,
)
from members.models import Organisation

CODE = "IF-UGA-2019"

# The smallest PDF, standing in for the evaluation report.
EVALUATION = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def load_demo_closeout_ledger(orgs: dict[str, Organisation]) -> Project:
    """The grant, its agreement and its money up to closeout; a second run changes nothing."""
    project = Project.objects.filter(code=CODE).first()
    if project is None:
        project = Project(
            code=CODE,
            title="Savings groups of Jinja's market vendors",
            summary="Market vendors' savings groups and a municipal market fund (demo data; the grant is closed).",
            facility=Facility.objects.get(code="innovation-fund"),
            status=ProjectStatus.IMPLEMENTATION,
            start_date=dt.date(2019, 7, 1),
            end_date=dt.date(2021, 6, 30),
            currency="USD",
            approved_budget=D("150000.00"),
            is_public=True,
            is_demo=True,
        )
        project.full_clean()
        project.save()
    ensure(ProjectCountry, {"project": project, "country": "UG"}, {"percentage": D(100)})
    ensure_m2m(project.cities, City.objects.filter(name="Jinja"))
    for short_name, role in (("Jinja", PartnerRole.IMPLEMENTING), ("UNOPS", PartnerRole.ACCOUNTABLE)):
        ensure(ProjectPartner, {"project": project, "organisation": orgs[short_name], "role": role})
    if GrantAgreement.objects.filter(project=project).exists():
        return project
    agreement = services.grant_agreement_sign(
        project=project,
        reference=f"GA-{CODE}",
        grantee=orgs["Jinja"],
        signed_on=dt.date(2019, 7, 15),
        signatures=demo_signatures(dt.date(2019, 7, 15), orgs["Jinja"].name),
        amount=D("150000.00"),
        tranches=[
            services.TrancheSpec(dt.date(2019, 8, 1), D("60000.00")),
            services.TrancheSpec(dt.date(2020, 8, 1), D("60000.00")),
            services.TrancheSpec(dt.date(2021, 3, 1), D("30000.00")),
        ],
    )
    first, second, third = agreement.tranches.order_by("number")
    for tranche, paid_on in ((first, dt.date(2019, 8, 5)), (second, dt.date(2020, 8, 10))):
        services.disbursement_record(
            project=project,
            tranche=tranche,
            amount=tranche.amount,
            value_date=paid_on,
            reference=f"PAY-{CODE}-{tranche.number}",
            description="Demo data",
        )
    services.expenditure_record(
        project=project, amount=D("110000.00"), value_date=dt.date(2021, 6, 30), description="Demo data"
    )
    services.tranche_cancel(
        tranche=third,
        reason="The groups became self-financing: the third phase was not needed",
        by=None,
        value_date=dt.date(2021, 7, 20),
    )
    services.refund_record(
        project=project, amount=D("7000.00"), value_date=dt.date(2021, 8, 16), reference=f"RF-{CODE}"
    )
    services.balance_write_off(
        project=project,
        amount=D("3000.00"),
        reason="Bank charges and exchange losses the grantee cannot recover",
        by=None,
    )
    services.evaluation_upload(project=project, upload=SimpleUploadedFile("final-evaluation.pdf", EVALUATION), by=None)
    return project
