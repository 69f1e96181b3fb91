"""The acts of project updates: programme officers publish or reject partners' updates; every staff role sees them."""

from django.db import migrations

from members.roles import ADMINISTRATOR, PROGRAMME_OFFICER, ROLES, acts_migration

SEEN = ("grants.view_projectupdate", "grants.view_updatephoto")
ACTS = {role: SEEN for role in ROLES if role != ADMINISTRATOR}
ACTS[PROGRAMME_OFFICER] = (*SEEN, "grants.moderate_projectupdate")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0015_call_acts"),
        ("grants", "0030_project_updates"),
    ]

    operations = [migrations.RunPython(*acts_migration(ACTS))]
