"""A project is published by the publish act alone: until then it is on no public page, in no public read of the
API and in no IATI file, while staff, its partners and the donors who fund it still see it where they may."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import tablib
import time_machine
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from grants.models import Project
from grants.resources import ProjectResource
from grants.selectors import portfolio_headline
from grants.services import PublicationError, TrancheSpec, application_approve, project_publish, project_unpublish
from members.models import Role
from members.roles import FINANCE_OFFICER, PROGRAMME_OFFICER
from opendata import iati
from opendata.importer import import_activities
from tests.factories import (
    AllocationFactory,
    ApplicationFactory,
    ContributionFactory,
    OrganisationRoleFactory,
    PartnerUserFactory,
    ProjectFactory,
    StaffFactory,
    UserFactory,
    reviewed,
    staff_in_role,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
CODE = "IF-UGA-2030"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.fixture
def award() -> Project:
    """A project just awarded from an application (funded by a donor), beside an older, published one."""
    ProjectFactory(code="CP-OLD", title="Published long ago")
    application = reviewed(ApplicationFactory(complete=True, status="in_review", title="Kampala water kiosks"))
    with time_machine.travel(dt.datetime(2030, 5, 1, tzinfo=dt.UTC), tick=False):
        project = application_approve(
            application=application,
            user=StaffFactory(),
            grant_reference=CODE,
            signed_on=dt.date(2030, 6, 1),
            tranches=[TrancheSpec(dt.date(2030, 6, 1), percentage=Decimal(100))],
        )
    AllocationFactory(contribution=ContributionFactory(), project=project, amount=Decimal("80000.00"))
    return project


def public_doors(client, project: Project) -> dict[str, object]:
    """What each public door says of the project: listed or not, and the answer to its own address."""
    api = APIClient()
    if client.session.session_key:
        api.cookies = client.cookies
    identifier = iati.activity_identifier(project)
    organisation_file = client.get(reverse("opendata:organisation")).content.decode()
    return {
        "project list": project.code in client.get(reverse("grants:project-list")).content.decode(),
        "project page": client.get(project.get_absolute_url()).status_code,
        "api list": project.code in [row["code"] for row in api.get(f"{API}/projects/").json()["results"]],
        "api detail": api.get(f"{API}/projects/{project.pk}/").status_code,
        "api ledger": project.code in api.get(f"{API}/transactions/").content.decode(),
        "iati file": identifier in b"".join(client.get(reverse("opendata:activities")).streaming_content).decode(),
        "iati activity": client.get(reverse("opendata:activity", kwargs={"code": project.code})).status_code,
        "iati commitments": "2030-01-01" in organisation_file,
    }


HIDDEN = {
    "project list": False,
    "project page": 404,
    "api list": False,
    "api detail": 404,
    "api ledger": False,
    "iati file": False,
    "iati activity": 404,
    "iati commitments": False,
}
SHOWN = {
    "project list": True,
    "project page": 200,
    "api list": True,
    "api detail": 200,
    "api ledger": True,
    "iati file": True,
    "iati activity": 200,
    "iati commitments": True,
}


def test_an_award_is_on_no_public_page_api_read_or_iati_file(client, award):

    assert (award.is_public, award.published_at) == (False, None)
    assert public_doors(client, award) == HIDDEN
    assert portfolio_headline().projects == 1  # the older, published project only


def test_someone_signed_in_who_is_not_its_partner_sees_no_more(client, award):
    client.force_login(PartnerUserFactory())

    assert public_doors(client, award) == HIDDEN


def test_once_published_the_project_is_on_every_public_door(client, award):
    officer = staff_in_role(PROGRAMME_OFFICER)

    project_publish(project=award, user=officer)

    award.refresh_from_db()
    assert (award.is_public, award.published_by) == (True, officer)
    assert award.published_at is not None
    assert public_doors(client, award) == SHOWN
    assert portfolio_headline().projects == 2


def test_withdrawn_from_the_public_it_leaves_every_public_door(client, award):
    officer = staff_in_role(PROGRAMME_OFFICER)
    project_publish(project=award, user=officer)

    project_unpublish(project=award, user=officer)

    assert public_doors(client, award) == HIDDEN


def test_its_partners_and_staff_see_its_page_marked_unpublished(client, award):
    partner = UserFactory()
    OrganisationRoleFactory(user=partner, organisation=award.application.organisation, role=Role.PARTNER)
    api = APIClient()
    seen = {}
    for who, user in (("partner", partner), ("staff", staff_in_role(FINANCE_OFFICER))):
        client.force_login(user)
        api.force_authenticate(user)
        page = client.get(award.get_absolute_url())
        seen[who] = (
            page.status_code,
            "Not published: only the secretariat and the project's partners see this page" in page.content.decode(),
            api.get(f"{API}/projects/{award.pk}/").status_code,
        )

    assert seen == {"partner": (200, True, 200), "staff": (200, True, 200)}


def test_the_donor_who_funds_it_sees_it_on_its_dashboard(client, award):
    donor = award.allocations.get().contribution.donor
    user = UserFactory()
    OrganisationRoleFactory(user=user, organisation=donor, role=Role.DONOR)
    client.force_login(user)

    page = client.get(reverse("donors:project", args=[donor.pk, award.code]))

    assert page.status_code == 200 and "Kampala water kiosks" in page.content.decode()


# The publish act: its own permission, at every door


def test_the_programme_officer_publishes_from_the_projects_list(client, award):
    client.force_login(staff_in_role(PROGRAMME_OFFICER))

    done = client.post(
        reverse("admin:grants_project_changelist"), {"action": "publish", "_selected_action": [award.pk]}, follow=True
    )

    assert "Projects published: 1." in done.content.decode()
    assert Project.objects.get(pk=award.pk).is_public


def test_the_programme_officer_publishes_and_withdraws_with_the_button_on_the_project_page(client, award):
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    button = reverse("admin:grants_project_publish", args=[award.pk])

    for page in ("admin:grants_project_record", "admin:grants_project_change"):
        assert button in client.get(reverse(page, args=[award.pk])).content.decode(), page
    published = client.post(button, follow=True)
    assert f"{CODE} is published." in published.content.decode()
    assert Project.objects.get(pk=award.pk).is_public
    client.post(button, {"withdraw": "1"})
    assert not Project.objects.get(pk=award.pk).is_public


def test_the_finance_officer_publishes_nothing_at_any_door(client, award):
    officer = staff_in_role(FINANCE_OFFICER)
    client.force_login(officer)
    api = APIClient()
    api.force_authenticate(officer)
    form = client.get(reverse("admin:grants_project_changelist")).context["action_form"]

    button = client.post(reverse("admin:grants_project_publish", args=[award.pk]))
    action = client.post(
        reverse("admin:grants_project_changelist"), {"action": "publish", "_selected_action": [award.pk]}
    )
    through_api = api.post(f"{API}/projects/{award.pk}/publish/")
    with pytest.raises(PublicationError):
        project_publish(project=award, user=officer)

    assert form is None or "publish" not in {name for name, _label in form.fields["action"].choices}
    assert (button.status_code, through_api.status_code) == (403, 403)
    assert action.status_code == 200  # the list again: no action of theirs publishes
    for page in ("admin:grants_project_record", "admin:grants_project_change"):
        shown = client.get(reverse(page, args=[award.pk])).content.decode()
        assert reverse("admin:grants_project_publish", args=[award.pk]) not in shown, page
    assert not Project.objects.get(pk=award.pk).is_public


def test_the_api_publishes_and_withdraws_for_the_programme_officer(award):
    api = APIClient()
    api.force_authenticate(staff_in_role(PROGRAMME_OFFICER))

    published = api.post(f"{API}/projects/{award.pk}/publish/")
    assert published.status_code == 200 and published.json()["is_public"] is True
    assert published.json()["published_at"] is not None
    assert APIClient().get(f"{API}/projects/{award.pk}/").status_code == 200

    withdrawn = api.post(f"{API}/projects/{award.pk}/unpublish/")
    assert withdrawn.status_code == 200 and withdrawn.json()["is_public"] is False
    assert APIClient().get(f"{API}/projects/{award.pk}/").status_code == 404


def test_editing_a_project_publishes_nothing_in_the_admin_or_the_api(client, award):
    officer = staff_in_role(PROGRAMME_OFFICER)
    client.force_login(officer)
    form = client.get(reverse("admin:grants_project_change", args=[award.pk])).context["adminform"].form
    api = APIClient()
    api.force_authenticate(officer)

    patched = api.patch(f"{API}/projects/{award.pk}/", {"title": "Renamed", "is_public": True}, format="json")

    assert "is_public" not in form.fields
    assert patched.status_code == 200
    award.refresh_from_db()
    assert (award.title, award.is_public) == ("Renamed", False)


def test_a_spreadsheet_import_publishes_nothing(award):
    headers = ["code", "title", "status", "facility", "start_date", "end_date", "currency", "approved_budget"]
    row = [CODE, "Imported", "2", award.facility.code, "2030-01-01", "2031-12-31", "USD", "80000.00", "1"]
    new = ["CP-NEW", "New", "1", award.facility.code, "2030-01-01", "2031-12-31", "USD", "1000.00", "1"]
    rows = tablib.Dataset(row, new, headers=[*headers, "is_public"])

    result = ProjectResource().import_data(rows, dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert dict(Project.objects.filter(code__in=[CODE, "CP-NEW"]).values_list("code", "is_public")) == {
        CODE: False,
        "CP-NEW": False,
    }
    assert "is_public" in ProjectResource().export().headers


def test_an_iati_import_of_a_new_activity_publishes_nothing(award):
    # The award's own activity, under a code the portfolio does not know yet.
    activity = b"".join(iati.activities_xml(list(iati.iati_projects(Project.objects.filter(pk=award.pk)))))

    report = import_activities(activity.replace(CODE.encode(), b"IF-UGA-2030-COPY"))

    assert [(outcome.action, outcome.reason) for outcome in report.outcomes] == [("created", "")]
    assert Project.objects.get(code="IF-UGA-2030-COPY").is_public is False
