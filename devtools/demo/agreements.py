"""The demo's agreements as documents: who signed each for both sides, and one agreement still awaiting the
grantee's signature, to show the stage where nothing may be paid yet."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from common.records import ensure
from grants.models import GrantAgreement, PartnerRole, Project, ProjectCountry, ProjectPartner, ProjectStatus
from grants.models.catalogue import Facility
from grants.services import SignatureInput, TrancheSpec, agreement_signature_record, grant_agreement_sign

SECRETARIAT_SIGNATORY = ("Helena Marsh", "Head of Programmes, Cities Alliance Secretariat")
AWAITING_CODE = "CUF-UGA-2027"


def demo_signatures(on: dt.date, grantee: str) -> list[SignatureInput]:
    """Both sides of a demo agreement signed on one day."""
    name, title = SECRETARIAT_SIGNATORY
    return [
        SignatureInput(side="partner", name=f"Director, {grantee}", title="Authorised representative", signed_on=on),
        SignatureInput(side="secretariat", name=name, title=title, signed_on=on),
    ]


def load_demo_awaiting_signature(orgs: dict) -> None:
    """A second round of Jinja's community upgrading: the secretariat has signed, the grantee has not."""
    project = ensure(
        Project,
        {"code": AWAITING_CODE},
        {
            "title": "Jinja Community Upgrading Fund: street lights and footpaths",
            "summary": "Small works chosen by the settlement forums of Jinja: drainage, footpaths and street lights.",
            "facility": Facility.objects.get(code="community-upgrading-fund"),
            "status": ProjectStatus.IMPLEMENTATION,
            "start_date": dt.date(2026, 1, 1),
            "end_date": dt.date(2027, 12, 31),
            "currency": "USD",
            "approved_budget": D("300000"),
            "is_public": True,  # the demo's projects are published
            "is_demo": True,
        },
    )
    ensure(ProjectCountry, {"project": project, "country": "UG"}, {"percentage": D(100)})
    ensure(ProjectPartner, {"project": project, "organisation": orgs["Jinja"], "role": PartnerRole.IMPLEMENTING})
    ensure(ProjectPartner, {"project": project, "organisation": orgs["UNOPS"], "role": PartnerRole.ACCOUNTABLE})
    if GrantAgreement.objects.filter(project=project).exists():
        return
    agreement = grant_agreement_sign(
        project=project,
        reference=f"GA-{AWAITING_CODE}",
        grantee=orgs["Jinja"],
        signed_on=dt.date(2025, 11, 20),
        amount=D("300000"),
        tranches=[
            TrancheSpec(dt.date(2026, 2, 1), D("150000")),
            TrancheSpec(dt.date(2027, 2, 1), D("150000"), "Annual report 2026", kind="report"),
        ],
    )
    name, title = SECRETARIAT_SIGNATORY
    agreement_signature_record(
        agreement=agreement,
        side="secretariat",
        name=name,
        title=title,
        signed_on=dt.date(2025, 11, 20),
        recorded_by=None,
    )
