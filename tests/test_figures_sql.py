"""What the figures keep is keyed by the SQL of the query they read: compiled once for each query object (an admin
list's count, totals and drill-down ask of the same rows), and afresh for every query derived from it."""

from __future__ import annotations

import pytest
from django.db.models.sql import Query

from common.figures import sql_of, tables_named
from grants.models import Project, ProjectStatus

pytestmark = pytest.mark.django_db


def test_a_query_is_compiled_once_and_each_query_derived_from_it_on_its_own(monkeypatch):
    compiled = []
    compile_query = Query.sql_with_params
    monkeypatch.setattr(Query, "sql_with_params", lambda query: compiled.append(query) or compile_query(query))
    rows = Project.objects.filter(code__icontains="UGA")

    first, again = sql_of(rows), sql_of(rows)
    narrower = sql_of(rows.filter(status=ProjectStatus.CLOSED))
    named = tables_named(rows.filter(partners__organisation__name="Jinja"))

    assert first is again and len(compiled) == 3
    assert "WHERE" in first[0] and narrower[0].count("%s") == first[0].count("%s") + 1
    assert ProjectStatus.CLOSED in narrower[1] and ProjectStatus.CLOSED not in first[1]
    assert named == {"grants_project", "grants_projectpartner", "members_organisation"}
