"""The acts of the agreement document: the grants committee records signatures and the signed copy, and keeps the
agreement texts; every staff role sees the texts and the signatories."""

from django.db import migrations

from members.roles import FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER, acts_migration

SEEN = ("grants.view_agreementtemplate", "grants.view_agreementsignatory")
ACTS = {
    GRANTS_COMMITTEE: (
        *SEEN,
        "grants.sign_grantagreement",
        "grants.add_agreementtemplate",
        "grants.change_agreementtemplate",
    ),
    PROGRAMME_OFFICER: SEEN,
    FINANCE_OFFICER: SEEN,
}


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0012_amendment_acts"),
        ("grants", "0025_agreements_signed_and_default_texts"),
    ]

    operations = [migrations.RunPython(*acts_migration(ACTS))]
