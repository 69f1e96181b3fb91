"""Whether a period's report is sent in (submitted or approved), kept on the period by the database itself
whichever door writes the report (a service, an IATI import, a bulk insert): PostgreSQL once per statement,
however many rows it wrote; SQLite once per row. The periods still owed are then read from a small partial
index instead of a pass over every period and its report. Filled from the reports as they stand.
"""

from django.db import migrations, models

from common.vendor_sql import per_vendor

SENT = "('submitted', 'approved')"
# The periods of the reports `changed` names, told again whether their report is sent in.
RECOMPUTE = (
    "UPDATE results_reportingperiod SET report_sent = EXISTS (SELECT 1 FROM results_progressreport report"
    f" WHERE report.period_id = results_reportingperiod.id AND report.status IN {SENT})"
    " WHERE id IN ({changed})"
)
FILL = f"UPDATE results_reportingperiod SET report_sent = TRUE WHERE id IN (SELECT period_id FROM results_progressreport WHERE status IN {SENT})"

POSTGRESQL = [
    f"""
CREATE FUNCTION results_period_report_sent_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {RECOMPUTE.format(changed="SELECT period_id FROM new_rows")};
    ELSIF TG_OP = 'DELETE' THEN
        {RECOMPUTE.format(changed="SELECT period_id FROM old_rows")};
    ELSE
        {RECOMPUTE.format(changed="SELECT period_id FROM new_rows UNION SELECT period_id FROM old_rows")};
    END IF;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER results_progressreport_sent_insert AFTER INSERT ON results_progressreport"
    " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION results_period_report_sent_keep()",
    "CREATE TRIGGER results_progressreport_sent_update AFTER UPDATE ON results_progressreport"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION results_period_report_sent_keep()",
    "CREATE TRIGGER results_progressreport_sent_delete AFTER DELETE ON results_progressreport"
    " REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION results_period_report_sent_keep()",
    FILL,
]
SQLITE = [
    "CREATE TRIGGER results_progressreport_sent_insert AFTER INSERT ON results_progressreport BEGIN"
    f" {RECOMPUTE.format(changed='NEW.period_id')}; END",
    "CREATE TRIGGER results_progressreport_sent_update AFTER UPDATE OF status, period_id ON results_progressreport"
    f" BEGIN {RECOMPUTE.format(changed='OLD.period_id, NEW.period_id')}; END",
    "CREATE TRIGGER results_progressreport_sent_delete AFTER DELETE ON results_progressreport BEGIN"
    f" {RECOMPUTE.format(changed='OLD.period_id')}; END",
    FILL,
]
DROP = {
    "postgresql": [
        "DROP TRIGGER results_progressreport_sent_insert ON results_progressreport",
        "DROP TRIGGER results_progressreport_sent_update ON results_progressreport",
        "DROP TRIGGER results_progressreport_sent_delete ON results_progressreport",
        "DROP FUNCTION results_period_report_sent_keep()",
    ],
    "sqlite": [
        "DROP TRIGGER results_progressreport_sent_insert",
        "DROP TRIGGER results_progressreport_sent_update",
        "DROP TRIGGER results_progressreport_sent_delete",
    ],
}


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0037_ledger_days"),
        ("results", "0006_translated_texts"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportingperiod",
            name="report_sent",
            field=models.BooleanField(default=False, editable=False, verbose_name="report sent in"),
        ),
        migrations.AddIndex(
            model_name="reportingperiod",
            index=models.Index(
                condition=models.Q(("report_sent", False)), fields=["due_date"], name="reporting_period_owed_due"
            ),
        ),
        per_vendor({"postgresql": POSTGRESQL, "sqlite": SQLITE}, DROP),
    ]
