"""The public search reads a project's summary in every language (its French column came with the translated
texts, 0035): the triggers of 0032 pass every summary column to the search document, and fire when one
changes.
On PostgreSQL only, as 0032."""

from django.db import migrations

from common.postgres_sql import postgresql_only

SUMMARIES = "concat_ws(' ', {row}summary, {row}summary_en, {row}summary_fr)"

KEEP = """
CREATE OR REPLACE FUNCTION grants_project_search_refresh(projects bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE grants_project SET search_document = grants_project_search_document(id, code, title, {summaries})
    WHERE id = ANY(projects)
$$;
CREATE OR REPLACE FUNCTION grants_project_search_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := grants_project_search_document(NEW.id, NEW.code, NEW.title, {new_summaries});
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS grants_project_search_keep ON grants_project;
CREATE TRIGGER grants_project_search_keep BEFORE INSERT OR UPDATE OF {columns} ON grants_project
    FOR EACH ROW EXECUTE FUNCTION grants_project_search_keep();
UPDATE grants_project SET search_document = grants_project_search_document(id, code, title, {summaries});
"""

BOTH = KEEP.format(
    summaries=SUMMARIES.format(row=""),
    new_summaries=SUMMARIES.format(row="NEW."),
    columns="code, title, summary, summary_en, summary_fr",
)
ENGLISH_ONLY = KEEP.format(summaries="summary", new_summaries="NEW.summary", columns="code, title, summary")


class Migration(migrations.Migration):
    dependencies = [("grants", "0035_translated_texts")]

    operations = [postgresql_only(BOTH, ENGLISH_ONLY)]
