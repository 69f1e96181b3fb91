"""Reads of the public and donor pages go to a read replica when one is configured; writes, accounts and
everything after a write go to the primary. The replica here is the test database itself (tests/conftest.py),
so each test sees which alias answered a query, not replication."""

from __future__ import annotations

import re

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from citiesalliance.db_router import PIN_COOKIE, REPLICA_PAGES, ReplicaRouter, reads_from_replica
from grants.models import Project
from members.models import Role, User
from tests.factories import OrganisationFactory, OrganisationRoleFactory, ProjectFactory, VerifiedUserFactory

# Committed rows: a transaction left open by the test would send every read to the primary.
both_databases = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def with_replica(settings):
    settings.DATABASE_REPLICAS = ["replica"]


class Reads:
    """The tables each alias read from (the table after FROM: a join reads along) within the block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"]).__enter__()
        self.replica = CaptureQueriesContext(connections["replica"]).__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    @staticmethod
    def _tables(context) -> set[str]:
        return {table for query in context.captured_queries for table in _tables_in(query["sql"])}

    @property
    def primary_tables(self) -> set[str]:
        return self._tables(self.primary)

    @property
    def replica_tables(self) -> set[str]:
        return self._tables(self.replica)


def _tables_in(sql: str) -> list[str]:
    return re.findall(r'\bFROM "(\w+)"', sql)


@both_databases
def test_without_a_replica_the_public_pages_read_from_the_primary(client):
    ProjectFactory(title="Kampala drainage")
    with Reads() as reads:
        response = client.get(reverse("grants:project-list"))
    assert "Kampala drainage" in response.text
    assert not reads.replica.captured_queries
    assert "grants_project" in reads.primary_tables


@both_databases
def test_the_public_project_list_reads_the_portfolio_from_the_replica(client, with_replica):
    ProjectFactory(title="Kampala drainage")
    with Reads() as reads:
        response = client.get(reverse("grants:project-list"))
    assert "Kampala drainage" in response.text
    assert "grants_project" in reads.replica_tables
    assert "grants_project" not in reads.primary_tables


@both_databases
def test_a_donors_dashboard_reads_figures_from_the_replica_and_who_the_user_is_from_the_primary(client, with_replica):
    donor = OrganisationFactory(short_name="SECO")
    user = VerifiedUserFactory()
    OrganisationRoleFactory(user=user, organisation=donor, role=Role.DONOR)
    client.force_login(user)
    with Reads() as reads:
        response = client.get(reverse("donors:dashboard", args=[donor.pk]))
    assert response.status_code == 200
    assert any(table.startswith(("grants_", "donors_")) for table in reads.replica_tables)
    assert {"django_session", User._meta.db_table} <= reads.primary_tables
    assert not any(table.startswith(("members_", "django_", "auth_")) for table in reads.replica_tables)


@both_databases
def test_a_donors_report_jobs_are_read_from_the_primary_where_workers_write_them(client, with_replica):
    donor = OrganisationFactory()
    user = VerifiedUserFactory()
    OrganisationRoleFactory(user=user, organisation=donor, role=Role.DONOR)
    client.force_login(user)
    with Reads() as reads:
        assert client.get(reverse("donors:reports", args=[donor.pk])).status_code == 200
    assert not reads.replica.captured_queries


@both_databases
def test_the_portal_and_the_admin_read_from_the_primary(staff_client, with_replica):
    ProjectFactory()
    with Reads() as reads:
        assert staff_client.get(reverse("admin:grants_project_changelist")).status_code == 200
        staff_client.get(reverse("grants:dashboard"))
    assert not reads.replica.captured_queries


@both_databases
def test_a_browser_that_posted_reads_from_the_primary_for_a_while(client, with_replica, settings):
    settings.DATABASE_REPLICA_PIN_SECONDS = 7
    ProjectFactory(title="Kampala drainage")
    response = client.post(reverse("grants:project-list"))
    assert response.cookies[PIN_COOKIE]["max-age"] == 7
    with Reads() as reads:
        assert "Kampala drainage" in client.get(reverse("grants:project-list")).text
    assert not reads.replica.captured_queries


@both_databases
def test_after_a_write_the_rest_of_the_block_reads_from_the_primary(with_replica):
    project = ProjectFactory()
    router = ReplicaRouter()
    with reads_from_replica() as alias:
        assert alias == "replica"
        assert router.db_for_read(Project) == "replica"
        assert router.db_for_read(User) == "default"
        with transaction.atomic():
            assert router.db_for_read(Project) == "default"
        assert router.db_for_read(Project) == "replica"
        project.save(update_fields=["title"])
        assert router.db_for_read(Project) == "default"
        assert Project.objects.get(pk=project.pk)._state.db == "default"
    assert router.db_for_read(Project) == "default"


def test_nothing_is_migrated_or_written_on_a_replica():
    router = ReplicaRouter()
    assert router.allow_migrate("replica", "grants") is False
    assert router.allow_migrate("default", "grants") is True
    with reads_from_replica():
        assert router.db_for_write(Project) == "default"


@pytest.mark.parametrize(
    ("path", "replica"),
    [
        ("/", True),
        ("/projects/", True),
        ("/projects/CP-UGA-2024/", True),
        ("/results/", True),
        ("/calls/", True),
        ("/calls/urban-2030/", True),
        ("/iati/activities.xml", True),
        ("/donors/", True),
        ("/donors/7/", True),
        ("/donors/7/projects/CP-UGA-2024/", True),
        ("/donors/7/contributions.csv", True),
        ("/calls/urban-2030/apply/", False),
        ("/iati/import/", False),
        ("/donors/7/reports/", False),
        ("/donors/7/reports/3/pdf/", False),
        ("/portal/", False),
        ("/portal/reports/", False),
        ("/admin/", False),
        ("/api/v1/projects/", False),
        ("/accounts/login/", False),
        ("/health/", False),
    ],
)
def test_which_pages_may_read_from_a_replica(path, replica):
    assert bool(REPLICA_PAGES.match(path)) is replica
