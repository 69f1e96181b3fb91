# The worker making a donor report gives signs of life; a report whose worker stopped giving them is taken
# over by another worker.

from django.db import migrations, models
from django.db.models import F


def started_is_the_last_sign_of_life(apps, schema_editor):
    """Reports being made during the upgrade: their start is the last sign of life known."""
    DonorReport = apps.get_model("donors", "DonorReport")
    DonorReport.objects.filter(status="running").update(heartbeat_at=F("started_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("donors", "0002_act_permissions"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="donorreport",
            name="donor_report_claim",
        ),
        migrations.AddField(
            model_name="donorreport",
            name="heartbeat_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Given by the worker making the report.",
                null=True,
                verbose_name="last sign of life",
            ),
        ),
        migrations.AddIndex(
            model_name="donorreport",
            index=models.Index(fields=["status", "heartbeat_at"], name="donor_report_claim"),
        ),
        migrations.RunPython(started_is_the_last_sign_of_life, migrations.RunPython.noop),
    ]
