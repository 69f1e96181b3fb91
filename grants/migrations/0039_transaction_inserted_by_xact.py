"""On PostgreSQL, each ledger row carries the transaction that inserted it (`inserted_by_xact`), set by the
database whichever door wrote the row, and indexed: a sum of ledger rows kept with the snapshot it was read in is
brought up to date by reading only the rows that snapshot could not see (common/appended_sums.py). Ledger rows are
never updated (0004), so the stamp is the row's for good. The model does not name the column: Django's inserts
leave it to its default. Rows already in the ledger take the migration's own transaction, which every later
snapshot sees.
"""

from django.db import migrations

from common.postgres_sql import postgresql_only

ADD = """
ALTER TABLE grants_transaction ADD COLUMN inserted_by_xact xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX transaction_inserted_by_xact ON grants_transaction (inserted_by_xact);
-- So that the planner knows the stamps at once, and walks the index for the few rows a snapshot did not see.
ANALYZE grants_transaction (inserted_by_xact);
"""
DROP = """
DROP INDEX IF EXISTS transaction_inserted_by_xact;
ALTER TABLE grants_transaction DROP COLUMN IF EXISTS inserted_by_xact;
"""


class Migration(migrations.Migration):
    dependencies = [("grants", "0038_transaction_currency_index")]

    operations = [postgresql_only(ADD, DROP)]
