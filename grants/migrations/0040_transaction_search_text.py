"""The ledger searched as stored (grants/selectors/ledger_search.py): each row's reference and description in
lower case, made by the database as the row is inserted (`search_text`, a stored generated column), and, on
PostgreSQL, the projects' codes indexed by trigrams (`pg_trgm`), so that finding the projects whose code holds a
word reads the index, not the 50,000 codes, in each query of a search's list.
"""

import django.db.models.functions.text
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

from common.postgres_sql import postgresql_only

# The expression of Django's `code__icontains`, so that the planner uses it.
PROJECT_CODE_TRIGRAMS = """
CREATE INDEX project_code_trigrams ON grants_project USING gin (UPPER(code::text) gin_trgm_ops);
"""
DROP_PROJECT_CODE_TRIGRAMS = "DROP INDEX IF EXISTS project_code_trigrams;"


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0039_transaction_inserted_by_xact"),
    ]

    operations = [
        migrations.AddField(
            model_name="transaction",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Lower(
                    django.db.models.functions.text.Concat("reference", models.Value("\x1f"), "description")
                ),
                output_field=models.TextField(),
            ),
        ),
        TrigramExtension(),
        postgresql_only(PROJECT_CODE_TRIGRAMS, DROP_PROJECT_CODE_TRIGRAMS),
    ]
