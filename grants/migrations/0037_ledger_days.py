"""The ledger summed per window, publicity, kind, currency and value date (`LedgerDay`), kept on PostgreSQL by
the database itself, in the same transaction as the write, whichever door wrote: transactions inserted (once
per statement, however many rows a COPY or a bulk insert wrote; ledger rows are never changed), a project published,
withdrawn or moved to another facility, a facility moved to another window. The table is filled from the
ledger as it stands when the migration runs. On SQLite none of this exists: the table stays empty and the pages
read the ledger itself (grants/selectors/ledger.py, `public_ledger_days`).
"""

import common.money
import django.db.models.deletion
from django.db import migrations, models

from common.postgres_sql import postgresql_only

# Adds to the kept sums the rows of a query of (window_id, is_public, kind, currency, value_date, amount, rows),
# summed per key and in the key's order, so that two writers lock the rows they share in the same order.
ADD = """
    INSERT INTO grants_ledgerday AS kept (window_id, is_public, kind, currency, value_date, amount, rows)
    SELECT window_id, is_public, kind, currency, value_date, SUM(amount), SUM(rows)
    FROM ({changed}) AS changed
    GROUP BY 1, 2, 3, 4, 5
    HAVING SUM(amount) <> 0 OR SUM(rows) <> 0
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (window_id, is_public, kind, currency, value_date)
    DO UPDATE SET amount = kept.amount + EXCLUDED.amount, rows = kept.rows + EXCLUDED.rows
"""
# Ledger rows, each under its project's window and publicity.
ROWS = """
    SELECT facility.window_id, project.is_public, t.kind, t.currency, t.value_date, t.amount, 1 AS rows
    FROM {table} t
    JOIN grants_project project ON project.id = t.project_id
    JOIN grants_facility facility ON facility.id = project.facility_id
"""
# A project's rows taken from its old key (-1) and added under its new one (+1).
PROJECT_MOVED = """
    SELECT moved.window_id, moved.is_public, t.kind, t.currency, t.value_date,
           moved.sign * t.amount AS amount, moved.sign AS rows
    FROM grants_transaction t,
         (VALUES ((SELECT window_id FROM grants_facility WHERE id = OLD.facility_id), OLD.is_public, -1),
                 ((SELECT window_id FROM grants_facility WHERE id = NEW.facility_id), NEW.is_public, 1))
             AS moved(window_id, is_public, sign)
    WHERE t.project_id = NEW.id
"""
# The rows of a facility's projects taken from its old window and added under its new one.
FACILITY_MOVED = """
    SELECT moved.window_id, project.is_public, t.kind, t.currency, t.value_date,
           moved.sign * t.amount AS amount, moved.sign AS rows
    FROM grants_transaction t
    JOIN grants_project project ON project.id = t.project_id,
         (VALUES (OLD.window_id, -1), (NEW.window_id, 1)) AS moved(window_id, sign)
    WHERE project.facility_id = NEW.id
"""

CREATE = f"""
-- Ledger rows are only ever inserted (0004 refuses an update or a delete): once per statement, however many rows.
CREATE FUNCTION grants_ledger_day_after_transactions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {ADD.format(changed=ROWS.format(table="new_rows"))};
    RETURN NULL;
END $$;
CREATE TRIGGER grants_transaction_ledger_day AFTER INSERT ON grants_transaction
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION grants_ledger_day_after_transactions();

-- A project published, withdrawn or moved to another facility: its sums leave their old key for the new one.
CREATE FUNCTION grants_ledger_day_after_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {ADD.format(changed=PROJECT_MOVED)};
    RETURN NULL;
END $$;
CREATE TRIGGER grants_project_ledger_day AFTER UPDATE OF is_public, facility_id ON grants_project
    FOR EACH ROW WHEN (OLD.is_public IS DISTINCT FROM NEW.is_public OR OLD.facility_id IS DISTINCT FROM NEW.facility_id)
    EXECUTE FUNCTION grants_ledger_day_after_project();

-- A facility moved to another window: the sums of its projects follow.
CREATE FUNCTION grants_ledger_day_after_facility() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {ADD.format(changed=FACILITY_MOVED)};
    RETURN NULL;
END $$;
CREATE TRIGGER grants_facility_ledger_day AFTER UPDATE OF window_id ON grants_facility
    FOR EACH ROW WHEN (OLD.window_id IS DISTINCT FROM NEW.window_id)
    EXECUTE FUNCTION grants_ledger_day_after_facility();

-- The ledger as it stands.
{ADD.format(changed=ROWS.format(table="grants_transaction"))};
"""

DROP = """
DROP TRIGGER grants_facility_ledger_day ON grants_facility;
DROP FUNCTION grants_ledger_day_after_facility();
DROP TRIGGER grants_project_ledger_day ON grants_project;
DROP FUNCTION grants_ledger_day_after_project();
DROP TRIGGER grants_transaction_ledger_day ON grants_transaction;
DROP FUNCTION grants_ledger_day_after_transactions();
"""


class Migration(migrations.Migration):

    dependencies = [
        ('grants', '0036_search_both_summaries'),
    ]

    operations = [
        migrations.CreateModel(
            name='LedgerDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('is_public', models.BooleanField(verbose_name='public')),
                ('kind', models.PositiveSmallIntegerField(choices=[(1, 'Incoming funds'), (2, 'Commitment'), (3, 'Disbursement'), (4, 'Expenditure')], verbose_name='type')),
                ('currency', common.money.CurrencyField(help_text='Three-letter ISO 4217 code, such as CHF, EUR or USD.', max_length=3, validators=[common.money.validate_currency], verbose_name='currency')),
                ('value_date', models.DateField(verbose_name='value date')),
                ('amount', common.money.MoneyField(decimal_places=2, max_digits=24, verbose_name='amount')),
                ('rows', models.IntegerField(verbose_name='transactions')),
                ('window', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='grants.fundingwindow', verbose_name='window')),
            ],
            options={
                'verbose_name': 'ledger day',
                'verbose_name_plural': 'ledger days',
                'default_permissions': (),
                'constraints': [models.UniqueConstraint(fields=('window', 'is_public', 'kind', 'currency', 'value_date'), name='ledger_day_key')],
            },
        ),
        postgresql_only(CREATE, DROP),
    ]
