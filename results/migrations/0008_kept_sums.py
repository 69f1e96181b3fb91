"""The approved values summed per corporate indicator, facility, publicity and year, with their places and
their splits (results/sums.py), kept on PostgreSQL by the database itself, in the same transaction as the write,
whichever door wrote: values inserted, changed (approved, say) or deleted, places and splits inserted, changed or
deleted (once per statement, however many rows a COPY or a bulk write touched), a project published, withdrawn or
moved to another facility. The tables are filled from the values as they stand when the migration runs. On
SQLite none of this exists: the tables stay empty and the pages add up the values themselves.

Each write takes from the sums what the rows it changed gave before and adds what they give now: for a project's
last value of each year and how it moved since its previous year, every approved value of each (indicator,
project) pair a written value belongs to. A largest value cannot be taken away: where an approved value left a
key, its largest value is read again.
"""

import django.db.models.deletion
from django.db import migrations, models

from common.postgres_sql import postgresql_only

# Signed approved values {signed}: (id, indicator_id, project_id, period_end, value, facility_id, is_public, sign),
# sign -1 for what they gave before the write and +1 for what they give now.
INDICATOR_YEARS = """
    WITH signed AS ({signed}),
    yearly AS (SELECT signed.*, EXTRACT(YEAR FROM period_end)::int AS year FROM signed),
    last_of_year AS (
        SELECT DISTINCT ON (sign, indicator_id, project_id, year)
            sign, indicator_id, project_id, facility_id, is_public, year, value
        FROM yearly
        ORDER BY sign, indicator_id, project_id, year, period_end DESC, id DESC
    ),
    moved AS (
        SELECT sign, indicator_id, facility_id, is_public, year, value,
               value - COALESCE(LAG(value) OVER project_years, 0) AS change,
               CASE WHEN LAG(value) OVER project_years IS NULL THEN 1 ELSE 0 END AS first
        FROM last_of_year
        WINDOW project_years AS (PARTITION BY sign, indicator_id, project_id ORDER BY year)
    ),
    per_key AS (
        SELECT indicator_id, facility_id, is_public, year, SUM(sign * value) AS total, SUM(sign) AS value_count,
               MAX(value) FILTER (WHERE sign > 0) AS highest,
               0 AS last_total, 0 AS projects, 0 AS last_change, 0 AS first_projects
        FROM yearly GROUP BY 1, 2, 3, 4
        UNION ALL
        SELECT indicator_id, facility_id, is_public, year, 0, 0, NULL,
               SUM(sign * value), SUM(sign), SUM(sign * change), SUM(sign * first)
        FROM moved GROUP BY 1, 2, 3, 4
    )
    INSERT INTO results_indicatoryear AS kept (indicator_id, facility_id, is_public, year, total, value_count,
        highest, last_total, projects, last_change, first_projects)
    SELECT indicator_id, facility_id, is_public, year, SUM(total), SUM(value_count), MAX(highest),
           SUM(last_total), SUM(projects), SUM(last_change), SUM(first_projects)
    FROM per_key GROUP BY 1, 2, 3, 4
    -- A write that changed no approved value (a partner's draft saved) changes no sum, and writes none.
    HAVING SUM(value_count) <> 0 OR SUM(total) <> 0 OR SUM(last_total) <> 0 OR SUM(projects) <> 0
        OR SUM(last_change) <> 0 OR SUM(first_projects) <> 0
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (indicator_id, facility_id, is_public, year) DO UPDATE SET
        total = kept.total + EXCLUDED.total, value_count = kept.value_count + EXCLUDED.value_count,
        highest = GREATEST(kept.highest, EXCLUDED.highest), last_total = kept.last_total + EXCLUDED.last_total,
        projects = kept.projects + EXCLUDED.projects, last_change = kept.last_change + EXCLUDED.last_change,
        first_projects = kept.first_projects + EXCLUDED.first_projects
"""
# Signed places {places}: (indicator_id, facility_id, is_public, city_id, country, period_end, sign).
PLACE_YEARS = """
    INSERT INTO results_placeyear AS kept (indicator_id, facility_id, is_public, city_id, country, year, value_count)
    SELECT indicator_id, facility_id, is_public, city_id, country, EXTRACT(YEAR FROM period_end)::int, SUM(sign)
    FROM ({places}) AS places
    GROUP BY 1, 2, 3, 4, 5, 6 HAVING SUM(sign) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (indicator_id, facility_id, is_public, city_id, country, year)
    DO UPDATE SET value_count = kept.value_count + EXCLUDED.value_count
"""
# Signed splits {splits}: (indicator_id, facility_id, is_public, category, value, sign).
SPLIT_TOTALS = """
    INSERT INTO results_valuesplittotal AS kept (indicator_id, facility_id, is_public, category, total, value_count)
    SELECT indicator_id, facility_id, is_public, category, SUM(sign * value), SUM(sign)
    FROM ({splits}) AS splits
    GROUP BY 1, 2, 3, 4 HAVING SUM(sign) <> 0 OR SUM(sign * value) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (indicator_id, facility_id, is_public, category)
    DO UPDATE SET total = kept.total + EXCLUDED.total, value_count = kept.value_count + EXCLUDED.value_count
"""
PLACES_OF = """
    SELECT signed.indicator_id, signed.facility_id, signed.is_public, place.city_id, place.country,
           signed.period_end, signed.sign
    FROM ({signed}) AS signed JOIN results_reportedplace place ON place.reported_id = signed.id
"""
SPLITS_OF = """
    SELECT signed.indicator_id, signed.facility_id, signed.is_public, split.category, split.value, signed.sign
    FROM ({signed}) AS signed JOIN results_valuesplit split ON split.reported_id = signed.id
"""
# The largest value of each key an approved value {removed} (signed rows) left, read again.
HIGHEST_AGAIN = """
    UPDATE results_indicatoryear kept SET highest = (
        SELECT MAX(v.value) FROM results_reportedvalue v JOIN grants_project project ON project.id = v.project_id
        WHERE v.is_approved AND v.indicator_id = kept.indicator_id
          AND v.period_end >= make_date(kept.year, 1, 1) AND v.period_end < make_date(kept.year + 1, 1, 1)
          AND project.facility_id = kept.facility_id AND project.is_public = kept.is_public
    )
    FROM (SELECT DISTINCT indicator_id, facility_id, is_public, EXTRACT(YEAR FROM period_end)::int AS year
          FROM ({removed}) AS removed) AS left_key
    WHERE kept.indicator_id = left_key.indicator_id AND kept.facility_id = left_key.facility_id
      AND kept.is_public = left_key.is_public AND kept.year = left_key.year
"""
VALUE_COLUMNS = "id, indicator_id, project_id, period_end, value, is_approved"
NO_VALUES = f"(SELECT {VALUE_COLUMNS} FROM results_reportedvalue WHERE FALSE)"
# The approved values {values} (with VALUE_COLUMNS), signed {sign}, under their project's facility and publicity.
SIGNED = """
    SELECT v.id, v.indicator_id, v.project_id, v.period_end, v.value, project.facility_id, project.is_public,
           {sign} AS sign
    FROM ({values}) AS v JOIN grants_project project ON project.id = v.project_id
    WHERE v.is_approved
"""
# Every value of the (indicator, project) pairs a statement wrote, as they stand ({new}) and as they stood ({old}).
PAIRS = "SELECT indicator_id, project_id FROM {old} AS o UNION SELECT indicator_id, project_id FROM {new} AS n"
NOW = f"""
    SELECT {VALUE_COLUMNS} FROM results_reportedvalue v
    WHERE (v.indicator_id, v.project_id) IN ({PAIRS})
"""
BEFORE = f"""
    SELECT {VALUE_COLUMNS} FROM results_reportedvalue v
    WHERE (v.indicator_id, v.project_id) IN ({PAIRS}) AND NOT EXISTS (SELECT 1 FROM {{new}} AS n WHERE n.id = v.id)
    UNION ALL SELECT {VALUE_COLUMNS} FROM {{old}} AS o
"""


def keep(signed: str, places: str, splits: str, removed: str | None) -> str:
    statements = [
        INDICATOR_YEARS.format(signed=signed),
        PLACE_YEARS.format(places=places),
        SPLIT_TOTALS.format(splits=splits),
    ]
    if removed:
        statements.append(HIGHEST_AGAIN.format(removed=removed))
    return ";\n".join(statements) + ";"


def after_values(old: str, new: str) -> str:
    """The body keeping the sums after a statement on the values; `old` and `new` its transition tables."""
    now = SIGNED.format(values=NOW.format(old=old, new=new), sign=1)
    before = SIGNED.format(values=BEFORE.format(old=old, new=new), sign=-1)
    signed = f"{now} UNION ALL {before}"
    return keep(
        signed,
        PLACES_OF.format(signed=signed),
        SPLITS_OF.format(signed=signed),
        SIGNED.format(values=f"SELECT {VALUE_COLUMNS} FROM {old} AS o", sign=-1) if old != NO_VALUES else None,
    )


def after_parts(kind: str, old: str, new: str) -> str:
    """The body keeping the sums after a statement on the places or the splits of values."""
    columns = {"place": "city_id, country", "split": "category, value"}[kind]
    parts = f"SELECT reported_id, {columns}, -1 AS sign FROM {old} AS o UNION ALL SELECT reported_id, {columns}, 1 FROM {new} AS n"
    valued = f"""
        SELECT v.indicator_id, project.facility_id, project.is_public, {{picked}}
        FROM ({parts}) AS part
        JOIN results_reportedvalue v ON v.id = part.reported_id AND v.is_approved
        JOIN grants_project project ON project.id = v.project_id
    """
    if kind == "place":
        return (
            PLACE_YEARS.format(places=valued.format(picked="part.city_id, part.country, v.period_end, part.sign")) + ";"
        )
    return SPLIT_TOTALS.format(splits=valued.format(picked="part.category, part.value, part.sign")) + ";"


def trigger_functions(table: str, name: str, body) -> str:
    """A function and a statement trigger for each of inserts, updates and deletes on `table`."""
    no_rows = f"(SELECT * FROM {table} WHERE FALSE)"
    events = {
        "insert": ("REFERENCING NEW TABLE AS new_rows", no_rows, "new_rows"),
        "update": ("REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "old_rows", "new_rows"),
        "delete": ("REFERENCING OLD TABLE AS old_rows", "old_rows", no_rows),
    }
    made = []
    for event, (referencing, old, new) in events.items():
        function = f"results_kept_sums_after_{name}_{event}"
        made.append(f"""
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {body(old, new)}
    RETURN NULL;
END $$;
CREATE TRIGGER {function} AFTER {event.upper()} ON {table}
    {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}();
""")
    return "\n".join(made)


def values_body(old: str, new: str) -> str:
    """A statement that wrote no approved value, before or after (a partner's draft saved), changes no sum."""
    no_rows = "(SELECT * FROM results_reportedvalue WHERE FALSE)"
    return f"""
    IF NOT EXISTS (SELECT 1 FROM {old} AS o WHERE o.is_approved)
       AND NOT EXISTS (SELECT 1 FROM {new} AS n WHERE n.is_approved) THEN
        RETURN NULL;
    END IF;
    {after_values(NO_VALUES if old == no_rows else old, NO_VALUES if new == no_rows else new)}"""


PROJECT_MOVED = """
    SELECT v.id, v.indicator_id, v.project_id, v.period_end, v.value, moved.facility_id, moved.is_public, moved.sign
    FROM results_reportedvalue v,
         (VALUES (OLD.facility_id, OLD.is_public, -1), (NEW.facility_id, NEW.is_public, 1))
             AS moved(facility_id, is_public, sign)
    WHERE v.project_id = NEW.id AND v.is_approved
"""
ALL_VALUES = SIGNED.format(values=f"SELECT {VALUE_COLUMNS} FROM results_reportedvalue", sign=1)

CREATE = f"""
-- "No city" is one place: a unique key that holds it once.
CREATE UNIQUE INDEX place_year_key ON results_placeyear (indicator_id, facility_id, is_public, city_id, country, year)
    NULLS NOT DISTINCT;
{trigger_functions("results_reportedvalue", "values", values_body)}
{trigger_functions("results_reportedplace", "places", lambda old, new: after_parts("place", old, new))}
{trigger_functions("results_valuesplit", "splits", lambda old, new: after_parts("split", old, new))}
-- A project published, withdrawn or moved to another facility: its sums leave their old key for the new one.
CREATE FUNCTION results_kept_sums_after_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {
    keep(
        PROJECT_MOVED,
        PLACES_OF.format(signed=PROJECT_MOVED),
        SPLITS_OF.format(signed=PROJECT_MOVED),
        f"SELECT * FROM ({PROJECT_MOVED}) AS moved WHERE sign < 0",
    )
}
    RETURN NULL;
END $$;
CREATE TRIGGER results_kept_sums_after_project AFTER UPDATE OF is_public, facility_id ON grants_project
    FOR EACH ROW WHEN (OLD.is_public IS DISTINCT FROM NEW.is_public OR OLD.facility_id IS DISTINCT FROM NEW.facility_id)
    EXECUTE FUNCTION results_kept_sums_after_project();

-- The values as they stand.
{keep(ALL_VALUES, PLACES_OF.format(signed=ALL_VALUES), SPLITS_OF.format(signed=ALL_VALUES), None)}
"""

DROP = "\n".join(
    [
        "DROP TRIGGER results_kept_sums_after_project ON grants_project;",
        "DROP FUNCTION results_kept_sums_after_project();",
        *[
            f"DROP TRIGGER results_kept_sums_after_{name}_{event} ON {table}; "
            f"DROP FUNCTION results_kept_sums_after_{name}_{event}();"
            for table, name in [
                ("results_reportedvalue", "values"),
                ("results_reportedplace", "places"),
                ("results_valuesplit", "splits"),
            ]
            for event in ("insert", "update", "delete")
        ],
        "DROP INDEX place_year_key;",
    ]
)


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0038_transaction_currency_index"),
        ("results", "0007_report_sent"),
    ]

    operations = [
        migrations.CreateModel(
            name="PlaceYear",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("is_public", models.BooleanField(verbose_name="public")),
                ("country", models.CharField(max_length=2, verbose_name="country")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("value_count", models.IntegerField(verbose_name="values")),
                (
                    "city",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="grants.city",
                        verbose_name="city",
                    ),
                ),
                (
                    "facility",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="grants.facility",
                        verbose_name="facility",
                    ),
                ),
                (
                    "indicator",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="results.indicator",
                        verbose_name="corporate indicator",
                    ),
                ),
            ],
            options={
                "verbose_name": "place year",
                "verbose_name_plural": "place years",
                "default_permissions": (),
            },
        ),
        migrations.CreateModel(
            name="IndicatorYear",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("is_public", models.BooleanField(verbose_name="public")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("total", models.DecimalField(decimal_places=2, max_digits=26, verbose_name="total")),
                ("value_count", models.IntegerField(verbose_name="values")),
                (
                    "highest",
                    models.DecimalField(decimal_places=2, max_digits=26, null=True, verbose_name="highest value"),
                ),
                (
                    "last_total",
                    models.DecimalField(
                        decimal_places=2, max_digits=26, verbose_name="sum of each project's last value"
                    ),
                ),
                ("projects", models.IntegerField(verbose_name="projects reporting")),
                (
                    "last_change",
                    models.DecimalField(
                        decimal_places=2, max_digits=26, verbose_name="change of the projects' latest values"
                    ),
                ),
                ("first_projects", models.IntegerField(verbose_name="projects reporting for the first time")),
                (
                    "facility",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="grants.facility",
                        verbose_name="facility",
                    ),
                ),
                (
                    "indicator",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="results.indicator",
                        verbose_name="corporate indicator",
                    ),
                ),
            ],
            options={
                "verbose_name": "indicator year",
                "verbose_name_plural": "indicator years",
                "default_permissions": (),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("indicator", "facility", "is_public", "year"), name="indicator_year_key"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ValueSplitTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("is_public", models.BooleanField(verbose_name="public")),
                (
                    "category",
                    models.CharField(
                        choices=[("female", "Women and girls"), ("male", "Men and boys")],
                        max_length=10,
                        verbose_name="category",
                    ),
                ),
                ("total", models.DecimalField(decimal_places=2, max_digits=26, verbose_name="total")),
                ("value_count", models.IntegerField(verbose_name="values")),
                (
                    "facility",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="grants.facility",
                        verbose_name="facility",
                    ),
                ),
                (
                    "indicator",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="results.indicator",
                        verbose_name="corporate indicator",
                    ),
                ),
            ],
            options={
                "verbose_name": "value split total",
                "verbose_name_plural": "value split totals",
                "default_permissions": (),
                "constraints": [
                    models.UniqueConstraint(
                        fields=("indicator", "facility", "is_public", "category"), name="value_split_total_key"
                    )
                ],
            },
        ),
        postgresql_only(CREATE, DROP),
    ]
