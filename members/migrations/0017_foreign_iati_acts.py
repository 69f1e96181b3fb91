"""The act of importing other publishers' IATI activities after mapping them: programme officers'."""

from django.db import migrations

from members.roles import PROGRAMME_OFFICER, acts_migration

ACTS = {PROGRAMME_OFFICER: ("grants.import_foreign_iati",)}


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0016_update_acts"),
        ("grants", "0033_foreign_iati_import"),
    ]

    operations = [migrations.RunPython(*acts_migration(ACTS))]
