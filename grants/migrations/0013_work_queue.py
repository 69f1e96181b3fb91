# The staff work queue: a due date on each review, and indexes for the queue's counts and lists.

import datetime as dt

from django.db import migrations, models
from django.utils import timezone

import grants.models.calls

REVIEW_TIME = dt.timedelta(days=21)


def date_existing_reviews(apps, schema_editor):
    """A review assigned before due dates existed is due three weeks after its assignment."""
    ReviewAssignment = apps.get_model("grants", "ReviewAssignment")
    reviews = list(ReviewAssignment.objects.only("pk", "assigned_at"))
    for review in reviews:
        review.due_on = timezone.localdate(review.assigned_at) + REVIEW_TIME
    ReviewAssignment.objects.bulk_update(reviews, ["due_on"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("grants", "0012_act_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="reviewassignment",
            name="due_on",
            field=models.DateField(null=True, verbose_name="review due"),
        ),
        migrations.RunPython(date_existing_reviews, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reviewassignment",
            name="due_on",
            field=models.DateField(default=grants.models.calls.review_due_default, verbose_name="review due"),
        ),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                condition=models.Q(("status__in", ["submitted", "screening", "in_review"])),
                fields=["status"],
                name="application_in_progress",
            ),
        ),
        migrations.AddIndex(
            model_name="reviewassignment",
            index=models.Index(
                condition=models.Q(("submitted_at__isnull", True)), fields=["due_on"], name="review_outstanding"
            ),
        ),
        migrations.AddIndex(
            model_name="tranche",
            index=models.Index(
                condition=models.Q(("disbursed_total__lt", models.F("amount"))),
                fields=["planned_date"],
                name="tranche_unpaid",
            ),
        ),
    ]
