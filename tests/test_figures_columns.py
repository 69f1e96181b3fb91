"""Sums kept across the ledger's appended rows are kept under a version of each column they read
(common/figures.py): a save that names the columns it writes forgets only what read them, and what the database
makes of them (the project's search document, remade by a trigger when its title changes, or when a city or a
partner it names changes)."""

from __future__ import annotations

import pytest

from common.figures import columns_named, kept_key
from grants.models import Project, Transaction
from tests.factories import CityFactory, OrganisationFactory, ProjectFactory, ProjectPartnerFactory

pytestmark = pytest.mark.django_db


def test_the_columns_a_ledger_selection_reads_are_named_table_by_table():
    rows = Transaction.objects.filter(project__facility__window__code="core", project__code__icontains="P2")

    named = columns_named(rows.values_list("currency"))

    assert {"code", "facility_id"} <= named["grants_project"]
    assert "window_id" in named["grants_facility"]
    assert {"currency", "project_id"} <= named["grants_transaction"]
    assert "title" not in named["grants_project"]


def test_a_save_naming_its_columns_forgets_what_read_them_and_what_the_database_makes_of_them():
    project = ProjectFactory()
    reads_code = {"grants_project": frozenset({"id", "code"})}
    reads_search = {"grants_project": frozenset({"search_document"})}
    before = kept_key("sum", columns=reads_code), kept_key("sum", columns=reads_search)

    project.title = "Another title"
    project.save(update_fields=["title"])
    after_title = kept_key("sum", columns=reads_code), kept_key("sum", columns=reads_search)
    project.code = "KE-P9-1"
    project.save(update_fields=["code"])

    assert after_title[0] == before[0]  # neither its code nor its key was written
    assert after_title[1] != before[1]  # the search document, which the database remakes from the title
    assert kept_key("sum", columns=reads_code) != after_title[0]


def test_a_save_naming_no_columns_forgets_what_read_any_of_its_table():
    project = ProjectFactory()
    reads_code = {"grants_project": frozenset({"code"})}
    before = kept_key("sum", columns=reads_code)

    project.title = "Another title"
    project.save()

    assert kept_key("sum", columns=reads_code) != before


READS_CODE = {"grants_project": frozenset({"id", "code"})}
READS_SEARCH = {"grants_project": frozenset({"search_document"})}


def _kept_keys() -> tuple[str, str]:
    return kept_key("sum", columns=READS_CODE), kept_key("sum", columns=READS_SEARCH)


def _rename_city(project) -> None:
    city = project.cities.get()
    city.name = "Renamed city"
    city.save()


def _rename_partner(project) -> None:
    organisation = project.partners.get().organisation
    organisation.short_name = "RENAMED"
    organisation.save(update_fields=["short_name"])


def _add_city(project) -> None:
    project.cities.add(CityFactory())


def _add_partner(project) -> None:
    ProjectPartnerFactory(project=project, organisation=OrganisationFactory())


@pytest.mark.parametrize("change", [_rename_city, _rename_partner, _add_city, _add_partner])
def test_a_change_the_database_carries_into_the_projects_search_document_forgets_what_read_it(change):
    project = ProjectFactory()
    project.cities.add(CityFactory())
    ProjectPartnerFactory(project=project, organisation=OrganisationFactory())
    reads_code, reads_search = _kept_keys()

    change(project)

    after_code, after_search = _kept_keys()
    assert after_code == reads_code  # no project's code was written
    assert after_search != reads_search


@pytest.mark.postgres
@pytest.mark.parametrize("change", [_rename_city, _rename_partner, _add_city, _add_partner])
def test_each_of_those_changes_is_one_the_database_carries_into_the_search_document(change):
    project = ProjectFactory()
    project.cities.add(CityFactory())
    ProjectPartnerFactory(project=project, organisation=OrganisationFactory())
    before = Project.objects.values_list("search_document", flat=True).get(pk=project.pk)

    change(project)

    assert Project.objects.values_list("search_document", flat=True).get(pk=project.pk) != before
