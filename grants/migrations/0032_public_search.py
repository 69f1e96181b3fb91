"""The public search: on PostgreSQL, a search document kept on each project by the database itself.

`ca_french` and `ca_english` are the French and English text search configurations with accents removed first
(`unaccent`), so that "developpement" finds "Développement". A project's document holds its code and title
(weight A), its cities' and partners' names (B) and its summary (C), in both languages. Triggers keep it
current whichever door writes: a project's own row (before insert or update of its code, title or summary),
its cities and partners (after each statement on the link tables, once per statement however many rows a
COPY or a bulk insert wrote) and a renamed city or organisation. On SQLite none of this exists and the search
reads the rows themselves (grants/selectors/search.py).
"""

import django.contrib.postgres.search
from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations, models

from common.postgres_sql import postgresql_only

CREATE = """
CREATE TEXT SEARCH CONFIGURATION ca_french (COPY = french);
ALTER TEXT SEARCH CONFIGURATION ca_french
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
CREATE TEXT SEARCH CONFIGURATION ca_english (COPY = english);
ALTER TEXT SEARCH CONFIGURATION ca_english
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;

CREATE FUNCTION grants_project_search_document(project bigint, code text, title text, summary text)
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('ca_french', heading) || to_tsvector('ca_english', heading), 'A')
        || setweight(to_tsvector('ca_french', names) || to_tsvector('ca_english', names), 'B')
        || setweight(to_tsvector('ca_french', summary) || to_tsvector('ca_english', summary), 'C')
    FROM (SELECT code || ' ' || title AS heading, concat_ws(' ',
        (SELECT string_agg(city.name, ' ') FROM grants_city city
            JOIN grants_project_cities link ON link.city_id = city.id WHERE link.project_id = project),
        (SELECT string_agg(concat_ws(' ', organisation.name, organisation.short_name), ' ')
            FROM members_organisation organisation
            JOIN grants_projectpartner partner ON partner.organisation_id = organisation.id
            WHERE partner.project_id = project)) AS names) AS parts
$$;

CREATE FUNCTION grants_project_search_refresh(projects bigint[]) RETURNS void LANGUAGE sql AS $$
    UPDATE grants_project SET search_document = grants_project_search_document(id, code, title, summary)
    WHERE id = ANY(projects)
$$;

CREATE FUNCTION grants_project_search_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := grants_project_search_document(NEW.id, NEW.code, NEW.title, NEW.summary);
    RETURN NEW;
END $$;
CREATE TRIGGER grants_project_search_keep BEFORE INSERT OR UPDATE OF code, title, summary ON grants_project
    FOR EACH ROW EXECUTE FUNCTION grants_project_search_keep();

-- A row of grants_project_cities or grants_projectpartner written, moved or removed: its projects again.
CREATE FUNCTION grants_project_search_after_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM grants_project_search_refresh(ARRAY(SELECT DISTINCT project_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM grants_project_search_refresh(ARRAY(SELECT DISTINCT project_id FROM old_rows));
    ELSE
        PERFORM grants_project_search_refresh(ARRAY(
            SELECT project_id FROM new_rows UNION SELECT project_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER grants_project_cities_search_insert AFTER INSERT ON grants_project_cities
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION grants_project_search_after_link();
CREATE TRIGGER grants_project_cities_search_update AFTER UPDATE ON grants_project_cities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION grants_project_search_after_link();
CREATE TRIGGER grants_project_cities_search_delete AFTER DELETE ON grants_project_cities
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION grants_project_search_after_link();
CREATE TRIGGER grants_projectpartner_search_insert AFTER INSERT ON grants_projectpartner
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION grants_project_search_after_link();
CREATE TRIGGER grants_projectpartner_search_update AFTER UPDATE ON grants_projectpartner
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION grants_project_search_after_link();
CREATE TRIGGER grants_projectpartner_search_delete AFTER DELETE ON grants_projectpartner
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION grants_project_search_after_link();

-- A city or an organisation renamed: the projects that name it.
CREATE FUNCTION grants_project_search_after_city_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM grants_project_search_refresh(ARRAY(
        SELECT DISTINCT link.project_id FROM grants_project_cities link
        JOIN new_rows ON new_rows.id = link.city_id JOIN old_rows ON old_rows.id = new_rows.id
        WHERE new_rows.name IS DISTINCT FROM old_rows.name));
    RETURN NULL;
END $$;
CREATE TRIGGER grants_city_search_rename AFTER UPDATE ON grants_city
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION grants_project_search_after_city_rename();

CREATE FUNCTION grants_project_search_after_organisation_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM grants_project_search_refresh(ARRAY(
        SELECT DISTINCT partner.project_id FROM grants_projectpartner partner
        JOIN new_rows ON new_rows.id = partner.organisation_id JOIN old_rows ON old_rows.id = new_rows.id
        WHERE new_rows.name IS DISTINCT FROM old_rows.name
            OR new_rows.short_name IS DISTINCT FROM old_rows.short_name));
    RETURN NULL;
END $$;
CREATE TRIGGER members_organisation_search_rename AFTER UPDATE ON members_organisation
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION grants_project_search_after_organisation_rename();

UPDATE grants_project SET search_document = grants_project_search_document(id, code, title, summary);
-- Only published projects are searched.
CREATE INDEX project_search ON grants_project USING gin (search_document) WHERE is_public;
"""

DROP = """
DROP INDEX IF EXISTS project_search;
DROP TRIGGER IF EXISTS members_organisation_search_rename ON members_organisation;
DROP TRIGGER IF EXISTS grants_city_search_rename ON grants_city;
DROP TRIGGER IF EXISTS grants_projectpartner_search_delete ON grants_projectpartner;
DROP TRIGGER IF EXISTS grants_projectpartner_search_update ON grants_projectpartner;
DROP TRIGGER IF EXISTS grants_projectpartner_search_insert ON grants_projectpartner;
DROP TRIGGER IF EXISTS grants_project_cities_search_delete ON grants_project_cities;
DROP TRIGGER IF EXISTS grants_project_cities_search_update ON grants_project_cities;
DROP TRIGGER IF EXISTS grants_project_cities_search_insert ON grants_project_cities;
DROP TRIGGER IF EXISTS grants_project_search_keep ON grants_project;
DROP FUNCTION IF EXISTS grants_project_search_after_organisation_rename();
DROP FUNCTION IF EXISTS grants_project_search_after_city_rename();
DROP FUNCTION IF EXISTS grants_project_search_after_link();
DROP FUNCTION IF EXISTS grants_project_search_keep();
DROP FUNCTION IF EXISTS grants_project_search_refresh(bigint[]);
DROP FUNCTION IF EXISTS grants_project_search_document(bigint, text, text, text);
DROP TEXT SEARCH CONFIGURATION IF EXISTS ca_english;
DROP TEXT SEARCH CONFIGURATION IF EXISTS ca_french;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0031_public_project_order"),
        ("members", "__first__"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="project", name="project_public_order"),
        migrations.AddField(
            model_name="project",
            name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="project",
            index=models.Index(
                condition=models.Q(("is_public", True)),
                fields=["-start_date", "code"],
                include=("id", "facility", "status", "end_date"),
                name="project_public_order",
            ),
        ),
        UnaccentExtension(),
        postgresql_only(CREATE, DROP),
    ]
