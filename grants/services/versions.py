"""The versions of a grant agreement's terms: one at signing, one after each approved amendment."""

from __future__ import annotations

from django.db.models import Max

from ..models import AgreementVersion, Amendment, GrantAgreement, GrantBudgetLine, Project, Tranche
from ..models.amendments import agreement_terms


def agreement_version_make(*, agreement: GrantAgreement, amendment: Amendment | None = None) -> AgreementVersion:
    """Keep the agreement's terms as they stand now as its next version. Called inside the transaction that
    changed them (signing, an amendment's approval), with the agreement locked."""
    project = Project.objects.only("end_date").get(pk=agreement.project_id)
    agreement = GrantAgreement.objects.get(pk=agreement.pk)
    terms = agreement_terms(
        agreement=agreement,
        end_date=project.end_date,
        tranches=Tranche.objects.filter(agreement=agreement).order_by("number"),
        budget_lines=GrantBudgetLine.objects.filter(agreement=agreement).order_by("order", "pk"),
    )
    last = AgreementVersion.objects.filter(agreement=agreement).aggregate(last=Max("number"))["last"] or 0
    return AgreementVersion.objects.create(agreement=agreement, number=last + 1, terms=terms, amendment=amendment)
