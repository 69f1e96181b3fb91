"""On PostgreSQL, the database itself refuses to update or delete a ledger row."""

from django.db import migrations

from common.postgres_sql import postgresql_only

CREATE = """
CREATE OR REPLACE FUNCTION grants_transaction_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Ledger rows are never edited or deleted: record a reversal instead.';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER grants_transaction_append_only
    BEFORE UPDATE OR DELETE ON grants_transaction
    FOR EACH ROW EXECUTE FUNCTION grants_transaction_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS grants_transaction_append_only ON grants_transaction;
DROP FUNCTION IF EXISTS grants_transaction_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("grants", "0003_ledger")]

    operations = [postgresql_only(CREATE, DROP)]
