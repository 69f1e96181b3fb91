"""Version 1 of every agreement signed before amendments existed: its terms as they stand."""

from django.db import migrations



def agreement_terms(*, agreement, end_date, tranches, budget_lines) -> dict:
    """A frozen copy of grants.models.amendments.agreement_terms as it was when this migration was written."""
    return {
        "amount": str(agreement.amount),
        "currency": agreement.currency,
        "signed_on": agreement.signed_on.isoformat(),
        "end_date": end_date.isoformat(),
        "tranches": [
            {
                "number": tranche.number,
                "planned_date": tranche.planned_date.isoformat(),
                "amount": str(tranche.amount),
                "condition_kind": tranche.condition_kind,
                "condition": tranche.condition,
                "release_on": tranche.condition_met_on.isoformat()
                if tranche.condition_kind == "date" and tranche.condition_met_on
                else None,
            }
            for tranche in tranches
        ],
        "budget_lines": [
            {"category": line.category, "description": line.description, "amount": str(line.amount)}
            for line in budget_lines
        ],
    }


def first_versions(apps, schema_editor):
    GrantAgreement = apps.get_model("grants", "GrantAgreement")
    AgreementVersion = apps.get_model("grants", "AgreementVersion")
    for agreement in GrantAgreement.objects.select_related("project").filter(versions__isnull=True):
        AgreementVersion.objects.create(
            agreement=agreement,
            number=1,
            terms=agreement_terms(
                agreement=agreement,
                end_date=agreement.project.end_date,
                tranches=agreement.tranches.order_by("number"),
                budget_lines=agreement.budget_lines.order_by("order", "pk"),
            ),
            made_at=agreement.created_at,
        )


def forget(apps, schema_editor):
    apps.get_model("grants", "AgreementVersion").objects.filter(amendment__isnull=True, number=1).delete()


class Migration(migrations.Migration):
    dependencies = [("grants", "0022_amendments")]

    operations = [migrations.RunPython(first_versions, forget)]
