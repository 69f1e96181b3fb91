"""The accounting journal: finance officers keep the account mappings and export a period's journal; every staff
role sees the mappings, as it sees the rest of the ledger."""

from django.db import migrations

from members.roles import FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER, acts_migration

SEEN = ("grants.view_accountmapping",)
ACTS = {
    FINANCE_OFFICER: (
        *SEEN,
        "grants.export_journal",
        "grants.add_accountmapping",
        "grants.change_accountmapping",
        "grants.delete_accountmapping",
    ),
    PROGRAMME_OFFICER: SEEN,
    GRANTS_COMMITTEE: SEEN,
}


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_bank_accounts"),
        ("grants", "0018_account_mappings"),
    ]

    operations = [migrations.RunPython(*acts_migration(ACTS))]
