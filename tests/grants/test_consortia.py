"""Consortia: the lead applicant invites co-applicant organisations to view or edit its draft; they accept or decline
from their portal home; each right opens what it says and nothing more, through the portal's pages, the file
downloads and the API; on award the co-applicants become the project's implementing partners, on its pages and in
its IATI activity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from lxml import etree
from rest_framework.test import APIClient

from grants import services
from grants.models import (
    Application,
    ApplicationStatus,
    ConsortiumMember,
    ConsortiumStatus,
    PartnerRole,
    Project,
    ProjectPartner,
)
from grants.services import ApplicationError, TrancheSpec
from members.models import Organisation
from opendata import iati
from opendata.importer import import_activities
from tests.factories import (
    PDF,
    ApplicationFactory,
    OrganisationFactory,
    PartnerUserFactory,
    StaffFactory,
    reviewed,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus


def partner(name: str, **organisation):
    """A partner user of a new organisation called `name`."""
    return PartnerUserFactory(organisation=OrganisationFactory(name=name, **organisation))


def org_of(user) -> Organisation:
    return user.organisation_roles.get().organisation


class Consortium:
    """A draft led by Jinja, with a co-applicant that may view it, one that may edit it, and an outsider."""

    def __init__(self) -> None:
        self.lead = partner("Municipal Council of Jinja")
        self.application = ApplicationFactory(
            complete=True, organisation=org_of(self.lead), created_by=self.lead, title="Women's markets in Jinja"
        )
        self.attachment = services.attachment_add(
            application=self.application, user=self.lead, upload=SimpleUploadedFile("plan.pdf", PDF)
        )
        self.viewer = partner("Slum Dwellers International")
        self.editor = partner("Habitat for Humanity International", iati_identifier="XM-HFH-1")
        self.outsider = partner("Monrovia City Corporation")
        self.view_member = join(self.application, self.lead, self.viewer, "view")
        self.edit_member = join(self.application, self.lead, self.editor, "edit")


def invite(application: Application, lead, invited, rights: str = "view") -> ConsortiumMember:
    return services.consortium_invite(application=application, user=lead, organisation=org_of(invited), rights=rights)


def join(application: Application, lead, invited, rights: str) -> ConsortiumMember:
    return services.consortium_accept(member=invite(application, lead, invited, rights), user=invited)


@pytest.fixture
def team(settings, tmp_path) -> Consortium:
    settings.MEDIA_ROOT = tmp_path
    return Consortium()


def rows() -> list[tuple]:
    return list(ConsortiumMember.objects.order_by("pk").values_list("organisation__name", "rights", "status"))


# -- The rules of the service ---------------------------------------------------------------------------------


def test_the_lead_invites_an_organisation_whose_partners_are_emailed_and_accept_from_their_home(
    client, django_capture_on_commit_callbacks
):
    lead, invited = partner("Lead city"), partner("Slum Dwellers International")
    PartnerUserFactory(organisation=org_of(invited), email="second@sdi.example.org")
    application = ApplicationFactory(complete=True, organisation=org_of(lead), created_by=lead)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        member = invite(application, lead, invited, "edit")

    assert (member.status, member.rights, member.invited_by) == (ConsortiumStatus.INVITED, "edit", lead)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([invited.email, "second@sdi.example.org"])
    assert "Lead city invites you to apply with it" in mail.outbox[0].subject
    client.force_login(invited)
    home = client.get(reverse("grants:dashboard")).content.decode()
    assert "Requests to answer" in home and "Answer: Lead city invites you to apply with it" in home
    assert client.get(reverse("grants:application", args=[application.pk])).status_code == 404  # not before accepting

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("grants:consortium-accept", args=[member.pk]))

    assert answer["Location"] == reverse("grants:application", args=[application.pk])
    assert rows() == [("Slum Dwellers International", "edit", "accepted")]
    assert [m.to for m in mail.outbox] == [[lead.email]] and "accepted your invitation" in mail.outbox[0].subject
    assert "Requests to answer" not in client.get(reverse("grants:dashboard")).content.decode()


@pytest.mark.parametrize("who", ["editor", "viewer", "outsider", "staff"])
def test_only_the_leads_partners_invite(team, who):
    newcomer = partner("IIED")
    user = StaffFactory() if who == "staff" else getattr(team, who)
    before = rows()

    with pytest.raises(ApplicationError, match="Only the lead applicant's partners invite co-applicants"):
        invite(team.application, user, newcomer)

    assert rows() == before


def test_invitations_and_removals_are_made_while_the_application_is_a_draft(team):
    Application.objects.filter(pk=team.application.pk).update(status=S.SUBMITTED)
    before = rows()

    with pytest.raises(ApplicationError, match="only while the application is a draft"):
        invite(team.application, team.lead, partner("IIED"))
    with pytest.raises(ApplicationError, match="only while the application is a draft"):
        services.consortium_remove(member=team.view_member, user=team.lead)
    assert rows() == before


def test_an_organisation_is_invited_once_and_the_database_refuses_a_second_row(team):
    with pytest.raises(ApplicationError, match="Slum Dwellers International is already accepted"):
        invite(team.application, team.lead, team.viewer, "edit")
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsortiumMember.objects.create(
            application=team.application, organisation=org_of(team.viewer), invited_by=team.lead
        )


@pytest.mark.postgres
def test_the_lead_is_never_its_own_co_applicant_and_the_database_refuses_it_too(team):
    with pytest.raises(ApplicationError, match="The lead applicant is not its own co-applicant"):
        invite(team.application, team.lead, team.lead)
    with pytest.raises(IntegrityError, match="not its own co-applicant"), transaction.atomic():
        ConsortiumMember.objects.create(
            application=team.application, organisation=team.application.organisation, invited_by=team.lead
        )


def test_only_the_invited_organisation_answers_and_only_once(team):
    member = invite(team.application, team.lead, invited := partner("IIED"))
    for someone in (team.lead, team.editor, team.outsider):
        with pytest.raises(ApplicationError, match="Only the invited organisation's partners answer"):
            services.consortium_accept(member=member, user=someone)
        with pytest.raises(ApplicationError, match="Only the invited organisation's partners answer"):
            services.consortium_decline(member=member, user=someone)

    services.consortium_decline(member=member, user=invited)

    with pytest.raises(ApplicationError, match="already answered: declined"):
        services.consortium_accept(member=member, user=invited)
    assert ("IIED", "view", "declined") in rows()


def test_a_declined_or_removed_organisation_may_be_invited_again(team):
    services.consortium_remove(member=team.view_member, user=team.lead)

    again = invite(team.application, team.lead, team.viewer, "edit")

    assert again.pk == team.view_member.pk and (again.status, again.rights) == ("invited", "edit")
    assert again.answered_at is None and again.removed_at is None


def test_an_invitation_left_unanswered_lapses_when_the_lead_submits(team):
    member = invite(team.application, team.lead, invited := partner("IIED"))
    Application.objects.filter(pk=team.application.pk).update(status=S.SUBMITTED)

    with pytest.raises(ApplicationError, match="too late to join"):
        services.consortium_accept(member=member, user=invited)


def test_an_organisation_is_found_by_its_name_iati_identifier_or_a_partners_email(team):
    habitat = org_of(team.editor)
    assert services.organisation_find(text="habitat for humanity international") == habitat
    assert services.organisation_find(text="xm-hfh-1") == habitat
    assert services.organisation_find(text=team.editor.email.upper()) == habitat
    OrganisationFactory(name="Not in the portal")  # nobody acts for it: it cannot answer
    with pytest.raises(ApplicationError, match="No organisation registered in the portal answers to “Not in the"):
        services.organisation_find(text="Not in the portal")


def test_the_lead_removes_a_member_whose_partners_then_see_nothing(client, team):
    client.force_login(team.lead)
    client.post(reverse("grants:consortium-remove", args=[team.view_member.pk]))

    assert ("Slum Dwellers International", "view", "removed") in rows()
    client.force_login(team.viewer)
    assert client.get(reverse("grants:application", args=[team.application.pk])).status_code == 404
    assert client.get(reverse("grants:attachment", args=[team.attachment.pk])).status_code == 404


# -- What each right opens, through the portal ----------------------------------------------------------------


def test_the_leads_page_lists_the_consortium_and_invites_by_name(client, team):
    client.force_login(team.lead)
    page = client.get(reverse("grants:application", args=[team.application.pk])).content.decode()
    assert 'id="consortium-form"' in page
    assert "Slum Dwellers International" in page and "Habitat for Humanity International" in page

    response = client.post(
        reverse("grants:consortium-invite", args=[team.application.pk]),
        {"organisation": "Monrovia City Corporation", "rights": "view"},
        follow=True,
    )

    assert "Monrovia City Corporation is invited" in response.content.decode()
    assert ("Monrovia City Corporation", "view", "invited") in rows()


def test_a_refused_invitation_says_why_and_changes_nothing(client, team):
    client.force_login(team.lead)
    before = rows()
    response = client.post(
        reverse("grants:consortium-invite", args=[team.application.pk]),
        {"organisation": "Nowhere Council", "rights": "edit"},
        follow=True,
    )
    assert response.status_code == 200
    assert "No organisation registered in the portal answers to “Nowhere Council”" in response.content.decode()
    assert rows() == before


def test_a_co_applicant_who_may_view_reads_the_application_and_its_files_but_changes_nothing(client, team):
    client.force_login(team.viewer)
    page_url = reverse("grants:application", args=[team.application.pk])

    page = client.get(page_url)
    assert page.status_code == 200 and "Women&#x27;s markets in Jinja" in page.content.decode()
    assert 'id="application-form"' not in page.content.decode() and 'id="consortium-form"' not in page.content.decode()
    download = client.get(reverse("grants:attachment", args=[team.attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert client.get(reverse("grants:application-pdf", args=[team.application.pk])).status_code == 200

    assert client.post(page_url, {"title": "Changed"}).status_code == 403
    assert client.get(reverse("grants:application-review", args=[team.application.pk])).status_code == 403
    upload = SimpleUploadedFile("more.pdf", PDF)
    assert (
        client.post(reverse("grants:attachment-upload", args=[team.application.pk]), {"file": upload}).status_code
        == 403
    )
    assert client.post(reverse("grants:attachment-remove", args=[team.attachment.pk])).status_code == 403
    assert client.post(reverse("grants:application-withdraw", args=[team.application.pk])).status_code == 403
    assert client.post(reverse("grants:consortium-invite", args=[team.application.pk])).status_code == 403
    assert client.post(reverse("grants:consortium-remove", args=[team.edit_member.pk])).status_code == 404
    saved = Application.objects.get(pk=team.application.pk)
    assert (saved.title, saved.status, saved.attachments.count()) == ("Women's markets in Jinja", S.DRAFT, 1)


def test_a_co_applicant_who_may_edit_saves_the_draft_and_files_but_only_the_lead_submits(client, team):
    client.force_login(team.editor)
    page_url = reverse("grants:application", args=[team.application.pk])
    form = client.get(page_url).content.decode()
    assert 'id="application-form"' in form and "Review and submit" not in form

    saved = client.post(
        page_url,
        {
            "title": "Women's markets in Jinja and Mbale",
            "summary": "Market stalls run by women's savings groups.",
            "countries": ["UG"],
            "start_date": "2030-01-01",
            "end_date": "2031-12-31",
            "requested_amount": "80000.00",
            "co_financing": "20000.00",
            "expected_results": "Two markets.",
            "budget-TOTAL_FORMS": "1",
            "budget-INITIAL_FORMS": "0",
            "budget-0-category": "staff",
            "budget-0-amount": "80000.00",
        },
        HTTP_ACCEPT="application/json",
    )
    assert saved.status_code == 200 and saved.json()["saved"] is True
    upload = SimpleUploadedFile("budget.pdf", PDF)
    assert (
        client.post(reverse("grants:attachment-upload", args=[team.application.pk]), {"file": upload}).status_code
        == 302
    )

    review = client.get(reverse("grants:application-review", args=[team.application.pk])).content.decode()
    assert "Submit the application" not in review and "The lead applicant submits the application." in review
    assert client.post(reverse("grants:application-review", args=[team.application.pk])).status_code == 403
    assert client.post(reverse("grants:application-withdraw", args=[team.application.pk])).status_code == 403
    application = Application.objects.get(pk=team.application.pk)
    assert (application.title, application.status) == ("Women's markets in Jinja and Mbale", S.DRAFT)
    assert application.attachments.count() == 2
    with pytest.raises(ApplicationError):
        services.application_submit(application=application, user=team.editor)

    client.force_login(team.lead)
    client.post(reverse("grants:application-review", args=[team.application.pk]))
    assert Application.objects.get(pk=team.application.pk).status == S.SUBMITTED


@pytest.mark.parametrize("who", ["outsider", "invited"])
def test_an_organisation_outside_the_consortium_is_told_nothing_is_there(client, team, who):
    user = partner("IIED") if who == "invited" else team.outsider
    if who == "invited":
        invite(team.application, team.lead, user)  # invited, not accepted yet
    client.force_login(user)
    pk = team.application.pk
    for url in (
        reverse("grants:application", args=[pk]),
        reverse("grants:application-pdf", args=[pk]),
        reverse("grants:application-review", args=[pk]),
        reverse("grants:attachment", args=[team.attachment.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("grants:consortium-invite", args=[pk])).status_code == 404
    assert client.post(reverse("grants:consortium-accept", args=[team.view_member.pk])).status_code == 404
    assert client.post(reverse("grants:consortium-remove", args=[team.view_member.pk])).status_code == 404


def test_the_consortium_answers_in_the_api_by_each_right():
    team = Consortium()
    pk, api = team.application.pk, APIClient()
    detail = f"/api/v1/applications/{pk}/"

    api.force_authenticate(team.viewer)
    read = api.get(detail)
    assert read.status_code == 200
    assert [(m["organisation"]["name"], m["rights"], m["status"]) for m in read.json()["consortium"]] == [
        ("Slum Dwellers International", "view", "accepted"),
        ("Habitat for Humanity International", "edit", "accepted"),
    ]
    assert api.patch(detail, {"title": "Changed"}, format="json").status_code == 403
    assert api.post(f"{detail}submit/").status_code == 403

    api.force_authenticate(team.editor)
    assert api.patch(detail, {"title": "Changed by Habitat"}, format="json").status_code == 200
    assert api.post(f"{detail}submit/").status_code == 403
    assert api.post(f"{detail}withdraw/").status_code == 403

    api.force_authenticate(team.outsider)
    assert api.get(detail).status_code == 404
    assert pk not in [row["id"] for row in api.get("/api/v1/applications/").json()["results"]]
    assert Application.objects.get(pk=pk).title == "Changed by Habitat"


def test_a_co_applicants_people_neither_review_the_application_and_are_told_its_decision(
    team, django_capture_on_commit_callbacks
):
    Application.objects.filter(pk=team.application.pk).update(status=S.SCREENING)
    with pytest.raises(ApplicationError, match="cannot review their own organisation's application"):
        services.reviewer_assign(application=team.application, reviewer=team.viewer, assigned_by=StaffFactory())

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_screen(application=team.application, user=StaffFactory(), to_status=S.REJECTED)

    assert {team.lead.email, team.viewer.email, team.editor.email} <= {m.to[0] for m in mail.outbox}
    assert team.outsider.email not in {m.to[0] for m in mail.outbox}


@pytest.mark.parametrize("members", [1, 6])
def test_the_api_lists_applications_in_the_same_queries_whatever_their_consortia(
    django_assert_max_num_queries, members
):
    lead = partner("Lead city")
    for _ in range(3):
        application = ApplicationFactory(complete=True, organisation=org_of(lead), created_by=lead)
        for number in range(members):
            join(application, lead, partner(f"Co-applicant {application.pk}-{number}"), "view")
    api = APIClient()
    api.force_authenticate(lead)

    with django_assert_max_num_queries(6):
        listed = api.get("/api/v1/applications/").json()["results"]

    assert [len(row["consortium"]) for row in listed] == [members] * 3


# -- The award -------------------------------------------------------------------------------------------------


def award(team: Consortium) -> Project:
    invite(team.application, team.lead, partner("IIED"))  # never answered: not a partner
    declined = invite(team.application, team.lead, partner("Metropolis"))
    services.consortium_decline(member=declined, user=declined.organisation.user_roles.get().user)
    Application.objects.filter(pk=team.application.pk).update(status=S.IN_REVIEW)
    reviewed(team.application)
    return services.application_approve(
        application=Application.objects.get(pk=team.application.pk),
        user=StaffFactory(),
        grant_reference="IF-UGA-2030",
        signed_on=dt.date(2030, 1, 1),
        tranches=[TrancheSpec(dt.date(2030, 1, 15), percentage=Decimal(100))],
    )


def test_the_award_makes_the_accepted_co_applicants_implementing_partners(client, team):
    project = award(team)

    partners = set(project.partners.values_list("organisation__name", "role"))
    assert partners == {
        ("Municipal Council of Jinja", PartnerRole.IMPLEMENTING),
        ("Slum Dwellers International", PartnerRole.IMPLEMENTING),
        ("Habitat for Humanity International", PartnerRole.IMPLEMENTING),
    }
    client.force_login(team.viewer)  # the project is not published: its partners see it all the same
    home = client.get(reverse("grants:dashboard")).content.decode()
    assert "IF-UGA-2030" in home
    # The agreement, its payments and amendments are the grantee's, the lead's: not the co-applicants'.
    assert reverse("grants:payments", args=["IF-UGA-2030"]) not in home
    for name in ("grants:payments", "grants:agreement", "grants:amendments"):
        assert client.get(reverse(name, args=["IF-UGA-2030"])).status_code == 404, name
    page = client.get(project.get_absolute_url()).content.decode()
    assert "Habitat for Humanity International" in page and "Slum Dwellers International" in page
    client.force_login(team.outsider)
    assert client.get(project.get_absolute_url()).status_code == 404
    api = APIClient()
    api.force_authenticate(team.editor)
    names = {p["organisation"]["name"] for p in api.get(f"/api/v1/projects/{project.pk}/").json()["partners"]}
    assert {"Slum Dwellers International", "Habitat for Humanity International"} <= names


def test_staff_see_the_co_applicants_on_the_application_and_the_grant_record(admin_client, team):
    project = award(team)

    application = admin_client.get(reverse("admin:grants_application_change", args=[team.application.pk]))
    record = admin_client.get(reverse("admin:grants_project_record", args=[project.pk]))

    html = application.content.decode()
    assert "Consortium: co-applicants" in html
    assert "Slum Dwellers International" in html and "Metropolis" in html and "Declined" in html
    assert "Habitat for Humanity International" in record.content.decode()


def test_the_iati_activity_names_the_co_applicants_and_an_import_keeps_them(team):
    project = award(team)
    Project.objects.filter(pk=project.pk).update(is_public=True)
    document = b"".join(iati.activities_xml())

    activity = etree.fromstring(document).find(f"iati-activity[iati-identifier='{iati.activity_identifier(project)}']")
    implementing = {
        (org.findtext("narrative"), org.get("ref")) for org in activity.findall("participating-org[@role='4']")
    }
    assert ("Habitat for Humanity International", "XM-HFH-1") in implementing
    assert ("Slum Dwellers International", None) in implementing

    ProjectPartner.objects.filter(project=project, organisation=org_of(team.editor)).delete()
    import_activities(document)
    assert ProjectPartner.objects.filter(
        project=project, organisation=org_of(team.editor), role=PartnerRole.IMPLEMENTING
    ).exists()


# -- Queries ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("members", [1, 6])
def test_the_application_page_takes_the_same_queries_whatever_the_consortium(
    client, settings, tmp_path, django_assert_max_num_queries, members
):
    settings.MEDIA_ROOT = tmp_path
    lead = partner("Lead city")
    application = ApplicationFactory(complete=True, organisation=org_of(lead), created_by=lead)
    for number in range(members):
        join(application, lead, partner(f"Co-applicant {number}"), "edit" if number % 2 else "view")
    client.force_login(lead)

    with django_assert_max_num_queries(15):
        response = client.get(reverse("grants:application", args=[application.pk]))

    assert response.content.decode().count("data-member=") == members


@pytest.mark.parametrize("invitations", [1, 6])
def test_the_portal_home_takes_the_same_queries_whatever_the_requests(
    client, django_assert_max_num_queries, invitations
):
    invited = partner("Invited NGO")
    for number in range(invitations):
        lead = partner(f"Lead {number}")
        invite(ApplicationFactory(organisation=org_of(lead), created_by=lead), lead, invited)
    client.force_login(invited)

    with django_assert_max_num_queries(16):  # with conversations to answer, agreements and amendments to sign
        response = client.get(reverse("grants:dashboard"))

    assert response.content.decode().count("data-request=") == invitations
