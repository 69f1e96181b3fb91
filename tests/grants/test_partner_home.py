"""The partner's home: where partners land after signing in, what they have to do first, a header with only
the pages their roles use, and the way back to the call a newcomer came from."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from grants.models import PartnerRole
from members.models import Organisation
from results.services import report_return, report_save, report_start, report_submit
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    EmailAddressFactory,
    OrganisationFactory,
    PartnerUserFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    ReportingPeriodFactory,
    ReviewFactory,
    StaffFactory,
    VerifiedUserFactory,
)

pytestmark = pytest.mark.django_db
TODAY = dt.datetime(2020, 3, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _on_the_first_of_march_2020():
    with time_machine.travel(TODAY, tick=False):
        yield


def partner_with_a_project():
    partner = PartnerUserFactory()
    organisation = partner.organisation_roles.get().organisation
    project = ProjectFactory(code="CA-JIN-01", start_date=dt.date(2019, 1, 1), end_date=dt.date(2021, 12, 31))
    ProjectPartnerFactory(project=project, organisation=organisation, role=PartnerRole.IMPLEMENTING)
    return partner, organisation, project


def test_a_partner_lands_on_the_portal_home_after_signing_in(client):
    partner = PartnerUserFactory(password="a-long-pass-word-1")
    EmailAddressFactory(user=partner)

    response = client.post(reverse("account_login"), {"login": partner.email, "password": "a-long-pass-word-1"})

    assert response["Location"] == reverse("grants:dashboard")


def test_the_home_lists_what_is_late_first_then_what_is_due_and_the_drafts_to_finish(
    client, django_assert_max_num_queries
):
    partner, organisation, project = partner_with_a_project()
    ReportingPeriodFactory(project=project, due_date=dt.date(2020, 1, 31))  # 2019: a month late
    soon = ReportingPeriodFactory(project=project, end_date=dt.date(2020, 2, 29), due_date=dt.date(2020, 3, 20))
    ReportingPeriodFactory(project=project)  # due 2021: not yet
    call = CallFactory(title="Resilient cities call")
    ApplicationFactory(organisation=organisation, call=call, title="Flood maps", created_by=partner)
    theirs = ProjectFactory(code="CA-OTHER")
    ProjectPartnerFactory(project=theirs, organisation=OrganisationFactory(), role=PartnerRole.IMPLEMENTING)
    ReportingPeriodFactory(project=theirs, due_date=dt.date(2020, 1, 31))
    client.force_login(partner)

    with django_assert_max_num_queries(17):  # each kind of to-do is one query
        page = client.get(reverse("grants:dashboard")).content.decode()

    todos = page[page.index('id="todo-title"') : page.index("My applications</h2>")]
    assert todos.index("Late") < todos.index("Progress report: narrative and results due: CA-JIN-01")
    assert "Due on 31 Jan 2020: 30 days late." in todos
    assert f"Due on 20 Mar 2020, for {soon}." in todos
    assert "Finish and submit: Flood maps" in todos and "Resilient cities call closes on" in todos
    assert todos.count("CA-JIN-01") == 2 and "CA-OTHER" not in todos


def test_a_report_returned_for_changes_is_a_todo_linked_to_the_report(client):
    partner, _organisation, project = partner_with_a_project()
    period = ReportingPeriodFactory(project=project, due_date=dt.date(2020, 4, 30))
    report = report_start(period=period, user=partner)
    report_save(report=report, user=partner, narrative="Done.", values={})
    report_submit(report=report, user=partner, today=dt.date(2020, 3, 1))
    report_return(report=report, user=StaffFactory(is_superuser=True), comment="Add the photos.")
    client.force_login(partner)

    page = client.get(reverse("grants:dashboard")).content.decode()

    assert "Returned for changes: Progress report: narrative and results, CA-JIN-01" in page
    assert reverse("results:report", args=[report.pk]) in page


def test_the_header_offers_only_the_pages_the_users_roles_use(client):
    partner = PartnerUserFactory()
    client.force_login(partner)
    header = client.get(reverse("home")).content.decode().split("</nav>")[0]
    assert "My portal" in header and ">Reports<" in header and "Reviews" not in header

    ReviewFactory(reviewer=partner)
    header = client.get(reverse("home")).content.decode().split("</nav>")[0]
    assert "Reviews" in header

    client.force_login(VerifiedUserFactory())  # a newcomer, acting for no organisation yet
    header = client.get(reverse("home")).content.decode().split("</nav>")[0]
    assert "My portal" not in header and ">Reports<" not in header and "Reviews" not in header
    assert "Your organisation" in header


def test_a_newcomer_registering_from_a_call_is_taken_back_to_the_call(client):
    call = CallFactory()
    client.force_login(VerifiedUserFactory())
    call_page = client.get(call.get_absolute_url()).content.decode()
    onboarding = f"{reverse('members:onboarding')}?next={call.get_absolute_url()}"
    assert onboarding in call_page

    form = client.get(onboarding).content.decode()
    assert f'name="next" value="{call.get_absolute_url()}"' in form
    response = client.post(
        reverse("members:onboarding"),
        {"name": "Gulu City Council", "kind": "local_government", "country": "UG", "next": call.get_absolute_url()},
    )

    assert response["Location"] == call.get_absolute_url()
    assert "Start an application" in client.get(call.get_absolute_url()).content.decode()


def test_an_address_elsewhere_is_not_followed_after_registering(client):
    client.force_login(VerifiedUserFactory())

    response = client.post(
        reverse("members:onboarding"),
        {"name": "Gulu City Council", "kind": "local_government", "country": "UG", "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("members:organisation", args=[Organisation.objects.get().pk])


def test_an_agreement_awaiting_the_grantees_signature_is_a_todo_until_it_is_signed(client):
    from grants.services.agreements import agreement_signature_record
    from tests.factories import GrantAgreementFactory

    partner, organisation, project = partner_with_a_project()
    agreement = GrantAgreementFactory(project=project, grantee=organisation, signed=False)
    others = GrantAgreementFactory(signed=False)  # another organisation's
    client.force_login(partner)

    page = client.get(reverse("grants:dashboard")).content.decode()
    assert "Sign the grant agreement of CA-JIN-01" in page
    assert reverse("grants:agreement", args=["CA-JIN-01"]) in page
    assert others.project.code not in page

    agreement_signature_record(
        agreement=agreement, side="partner", name="Amina Okello", signed_on=dt.date(2020, 2, 2), recorded_by=None
    )
    assert "Sign the grant agreement" not in client.get(reverse("grants:dashboard")).content.decode()
