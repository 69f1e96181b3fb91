"""Copy each value's corporate indicator, project, period end and approval onto the value itself."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_onto_values(apps, schema_editor):
    ReportedValue = apps.get_model("results", "ReportedValue")
    IndicatorPeriod = apps.get_model("results", "IndicatorPeriod")
    ProgressReport = apps.get_model("results", "ProgressReport")
    row = IndicatorPeriod.objects.filter(pk=OuterRef("indicator_period_id"))
    report = ProgressReport.objects.filter(pk=OuterRef("report_id"))
    ReportedValue.objects.update(
        indicator_id=Subquery(row.values("project_indicator__indicator_id")[:1]),
        project_id=Subquery(report.values("project_id")[:1]),
        period_end=Subquery(row.values("period__end_date")[:1]),
    )
    ReportedValue.objects.filter(report__status="approved").update(is_approved=True)


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0006_calls_and_applications"),
        ("results", "0001_results_framework"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportedvalue",
            name="indicator",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="results.indicator",
                verbose_name="corporate indicator",
            ),
        ),
        migrations.AddField(
            model_name="reportedvalue",
            name="project",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="grants.project",
            ),
        ),
        migrations.AddField(
            model_name="reportedvalue",
            name="period_end",
            field=models.DateField(editable=False, null=True, verbose_name="period end"),
        ),
        migrations.AddField(
            model_name="reportedvalue",
            name="is_approved",
            field=models.BooleanField(default=False, editable=False, verbose_name="approved"),
        ),
        migrations.RunPython(copy_onto_values, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="reportedvalue",
            name="indicator",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="results.indicator",
                verbose_name="corporate indicator",
            ),
        ),
        migrations.AlterField(
            model_name="reportedvalue",
            name="project",
            field=models.ForeignKey(
                editable=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="grants.project"
            ),
        ),
        migrations.AlterField(
            model_name="reportedvalue",
            name="period_end",
            field=models.DateField(editable=False, verbose_name="period end"),
        ),
        migrations.AddIndex(
            model_name="reportedvalue",
            index=models.Index(
                condition=models.Q(("is_approved", True)),
                fields=["indicator", "period_end", "project"],
                name="reported_value_approved",
            ),
        ),
        migrations.AddIndex(
            model_name="reportedvalue",
            index=models.Index(
                condition=models.Q(("is_approved", True)),
                fields=["project", "indicator"],
                name="reported_value_project",
            ),
        ),
    ]
