"""The acts of the conversation and of bulk e-mail: programme officers and the grants committee answer partners'
messages; programme officers keep the e-mail templates and send mailings to a call's applicants; every staff role
reads the conversations, the templates and the mailings."""

from django.db import migrations

from members.roles import FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER, acts_migration

SEEN = ("grants.view_message", "grants.view_emailtemplate", "grants.view_mailing")
ACTS = {
    PROGRAMME_OFFICER: (
        *SEEN,
        "grants.add_message",
        "grants.add_emailtemplate",
        "grants.change_emailtemplate",
        "grants.add_mailing",
    ),
    GRANTS_COMMITTEE: (*SEEN, "grants.add_message"),
    FINANCE_OFFICER: SEEN,
}


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0013_agreement_document_acts"),
        ("grants", "0027_messages"),
    ]

    operations = [migrations.RunPython(*acts_migration(ACTS))]
