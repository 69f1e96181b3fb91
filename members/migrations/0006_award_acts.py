"""The acts of the award: the director approves below a call's review minimum, programme officers publish."""

from django.db import migrations

from members.roles import GRANTS_COMMITTEE, PROGRAMME_OFFICER, acts_migration

ACTS = {
    GRANTS_COMMITTEE: ("grants.override_review_minimum",),
    PROGRAMME_OFFICER: ("grants.publish_project",),
}


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0005_pledge_schedule_permissions"),
        ("grants", "0015_award_schedule"),
    ]

    operations = [migrations.RunPython(*acts_migration(ACTS))]
