"""Staff roles: staff status opens the admin and nothing more; each act needs its permission.

A staff account without permissions is refused every act found open to it (403 on admin pages, actions
and custom pages, 404 on files, whose addresses say nothing to those who may not see them), and each
role takes its own acts and is refused the others'.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grants import services
from grants.models import Application, ApplicationStatus, ExchangeRate, GrantAgreement, Project
from members.roles import ADMINISTRATOR, FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER, ROLES, role_group
from results.models import ProgressReport, ReportStatus
from tests.factories import (
    PDF,
    ApplicationFactory,
    ContributionFactory,
    ExchangeRateFactory,
    ProjectFactory,
    ReportingPeriodFactory,
    StaffWithoutPermissionsFactory,
    TrancheFactory,
    UserFactory,
    ready_donor_report,
    reviewed,
    schedule_lines,
    staff_in_role,
)
from tests.grants.test_ledger_admin import sign_form
from tests.results.helpers import evidence, reporter_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def files(settings, tmp_path):
    """An application's attachment, a progress report's evidence and a donor's ready report."""
    settings.MEDIA_ROOT = tmp_path
    draft = ApplicationFactory()
    attachment = services.attachment_add(
        application=draft, user=draft.created_by, upload=SimpleUploadedFile("plan.pdf", PDF)
    )
    period = ReportingPeriodFactory()
    partner = reporter_of(period.project)
    report = ProgressReport.objects.create(
        project=period.project, period=period, status=ReportStatus.SUBMITTED, created_by=partner
    )
    backing = evidence(report, by=partner)
    donor = ContributionFactory().donor
    donor_report = ready_donor_report(donor)
    return {"attachment": attachment, "evidence": backing, "donor_report": donor_report}


def file_urls(files) -> dict[str, str]:
    evidence, donor_report = files["evidence"], files["donor_report"]
    return {
        "attachment": reverse("grants:attachment", args=[files["attachment"].pk]),
        "evidence": reverse("results:evidence", args=[evidence.pk]),
        "evidence in the admin": reverse(
            "admin:results_progressreport_evidence", args=[evidence.report_id, evidence.pk]
        ),
        "donor PDF": reverse("donors:report-pdf", args=[donor_report.donor_id, donor_report.pk]),
        "donor PDF in the admin": reverse("admin:donors_donorreport_pdf", args=[donor_report.pk]),
    }


def in_review() -> Application:
    return reviewed(ApplicationFactory(complete=True, status=ApplicationStatus.IN_REVIEW))


def approve(client, application: Application, **fields):
    return client.post(
        reverse("admin:grants_application_approve", args=[application.pk]),
        {
            "grant_reference": "IF-UGA-2031",
            "signed_on": "2030-01-05",
            "start_date": "2030-01-01",
            "end_date": "2031-12-31",
            **schedule_lines(("2030-01-05", "", "100", "none", "", "")),
            **fields,
        },
    )


def test_staff_without_permissions_cannot_approve_an_application_and_nothing_is_booked(
    client, staff_without_permissions
):
    application = in_review()
    client.force_login(staff_without_permissions)

    page = client.get(reverse("admin:grants_application_approve", args=[application.pk]))
    response = approve(client, application)

    assert page.status_code == response.status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    assert not Project.objects.filter(code="IF-UGA-2031").exists()


def test_staff_without_permissions_cannot_open_rankings_reviewer_assignment_or_the_iati_import(
    client, staff_without_permissions
):
    application = ApplicationFactory(complete=True, status=ApplicationStatus.SCREENING)
    reviewer = UserFactory()
    client.force_login(staff_without_permissions)

    ranking = client.get(reverse("admin:grants_call_ranking", args=[application.call_id]))
    assign = client.get(reverse("admin:grants_application_assign", args=[application.pk]))
    assigned = client.post(reverse("admin:grants_application_assign", args=[application.pk]), {"reviewer": reviewer.pk})
    iati = client.get(reverse("opendata:import"))

    assert (ranking.status_code, assign.status_code, assigned.status_code, iati.status_code) == (403, 403, 403, 403)
    assert not application.reviews.exists()


def test_staff_without_permissions_cannot_take_an_admin_action(client, staff_without_permissions):
    application = ApplicationFactory(complete=True, status=ApplicationStatus.SUBMITTED)
    client.force_login(staff_without_permissions)

    response = client.post(
        reverse("admin:grants_application_changelist"), {"action": "to_screening", "_selected_action": [application.pk]}
    )

    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED


def test_staff_without_permissions_download_no_file(client, staff_without_permissions, files):
    client.force_login(staff_without_permissions)

    answers = {name: client.get(url).status_code for name, url in file_urls(files).items()}

    assert answers == {
        "attachment": 404,
        "evidence": 404,
        "evidence in the admin": 403,
        "donor PDF": 404,
        "donor PDF in the admin": 403,
    }


def test_an_evidence_file_takes_the_permission_to_view_evidence_in_the_admin_as_in_the_portal(client, files):
    """Reading a report is not enough to download the files backing it: a group may be given one without
    the other."""
    readers = Group.objects.create(name="Report readers")
    readers.permissions.add(Permission.objects.get(codename="view_progressreport"))
    reader = StaffWithoutPermissionsFactory()
    reader.groups.add(readers)
    client.force_login(reader)
    urls = file_urls(files)

    report = client.get(reverse("admin:results_progressreport_change", args=[files["evidence"].report_id]))
    answers = {name: client.get(urls[name]).status_code for name in ("evidence", "evidence in the admin")}

    assert report.status_code == 200
    assert answers == {"evidence": 404, "evidence in the admin": 403}


@pytest.mark.parametrize("role", [PROGRAMME_OFFICER, FINANCE_OFFICER, GRANTS_COMMITTEE, ADMINISTRATOR])
def test_every_staff_role_downloads_every_file(client, files, role):
    client.force_login(staff_in_role(role))

    responses = {name: client.get(url) for name, url in file_urls(files).items()}
    contents = {name: b"".join(response.streaming_content) for name, response in responses.items()}
    for response in responses.values():
        response.close()  # after every request: closing ends the request, and the test's connection with it

    assert {name: response.status_code for name, response in responses.items()} == dict.fromkeys(responses, 200)
    assert contents == dict.fromkeys(responses, PDF)


def test_the_roles_are_groups_made_by_the_migration_and_editable_in_the_admin(client, admin_user):
    client.force_login(admin_user)
    committee = role_group(GRANTS_COMMITTEE)

    page = client.get(reverse("admin:auth_group_change", args=[committee.pk]))

    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    assert page.status_code == 200 and "Can approve an award" in page.content.decode()


def test_the_director_alone_may_approve_below_a_calls_review_minimum():
    holders = {role: role_group(role).permissions.filter(codename="override_review_minimum").exists() for role in ROLES}

    assert holders == {PROGRAMME_OFFICER: False, FINANCE_OFFICER: False, GRANTS_COMMITTEE: True, ADMINISTRATOR: True}


def test_programme_officers_publish_projects_and_no_other_role_but_the_administrator():
    holders = {role: role_group(role).permissions.filter(codename="publish_project").exists() for role in ROLES}

    assert holders == {PROGRAMME_OFFICER: True, FINANCE_OFFICER: False, GRANTS_COMMITTEE: False, ADMINISTRATOR: True}


def test_the_committee_approves_an_award_and_the_finance_officer_cannot(client):
    application = in_review()
    change = reverse("admin:grants_application_change", args=[application.pk])
    approve_url = reverse("admin:grants_application_approve", args=[application.pk])
    client.force_login(staff_in_role(FINANCE_OFFICER))
    no_button = client.get(change).content.decode()
    refused = approve(client, application)
    client.force_login(staff_in_role(GRANTS_COMMITTEE))
    button = client.get(change).content.decode()
    approved = approve(client, application)

    assert approve_url not in no_button and approve_url in button
    assert refused.status_code == 403
    project = Project.objects.get(code="IF-UGA-2031")
    assert approved["Location"] == reverse("admin:grants_project_record", args=[project.pk])
    application.refresh_from_db()
    assert application.status == ApplicationStatus.APPROVED


def test_the_finance_officer_records_a_disbursement_and_the_programme_officer_cannot(client):
    tranche = TrancheFactory()
    url = reverse("admin:grants_tranche_disburse", args=[tranche.pk])
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    refused = client.get(url)
    client.force_login(staff_in_role(FINANCE_OFFICER))
    opened = client.get(url)

    assert refused.status_code == 403
    assert opened.status_code == 200 and "Record a disbursement" in opened.content.decode()


def test_the_programme_officer_screens_assigns_and_ranks_and_the_committee_does_not_screen(client):
    application = ApplicationFactory(complete=True, status=ApplicationStatus.SUBMITTED)
    reviewer = UserFactory()
    changelist = reverse("admin:grants_application_changelist")
    client.force_login(staff_in_role(GRANTS_COMMITTEE))
    client.post(changelist, {"action": "to_screening", "_selected_action": [application.pk]})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    client.post(changelist, {"action": "to_screening", "_selected_action": [application.pk]})
    assigned = client.post(reverse("admin:grants_application_assign", args=[application.pk]), {"reviewer": reviewer.pk})
    ranking = client.get(reverse("admin:grants_call_ranking", args=[application.call_id]))

    application.refresh_from_db()
    assert application.status == ApplicationStatus.SCREENING
    assert assigned.status_code == 302 and application.reviews.get().reviewer == reviewer
    assert ranking.status_code == 200


def test_the_programme_officer_approves_a_progress_report_and_the_finance_officer_cannot(client, files):
    report = files["evidence"].report
    url = reverse("admin:results_progressreport_approve", args=[report.pk])
    client.force_login(staff_in_role(FINANCE_OFFICER))
    refused = client.post(url)
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    approved = client.post(url)

    assert refused.status_code == 403
    assert approved.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED


def test_only_the_programme_officer_imports_iati_activities(client):
    client.force_login(staff_in_role(FINANCE_OFFICER))
    refused = client.get(reverse("opendata:import"))
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    opened = client.get(reverse("opendata:import"))

    assert (refused.status_code, opened.status_code) == (403, 200)


def offered_actions(client, changelist: str) -> set[str]:
    form = client.get(reverse(changelist)).context["action_form"]
    return {name for name, _label in form.fields["action"].choices if name} if form else set()


def test_each_role_is_offered_the_admin_actions_of_its_own_acts_only(client):
    offered = {}
    for role in (PROGRAMME_OFFICER, FINANCE_OFFICER, GRANTS_COMMITTEE):
        client.force_login(staff_in_role(role))
        offered[role] = {
            "transactions": offered_actions(client, "admin:grants_transaction_changelist"),
            "periods": offered_actions(client, "admin:grants_accountingperiod_changelist"),
            "applications": offered_actions(client, "admin:grants_application_changelist"),
            "projects": offered_actions(client, "admin:grants_project_changelist"),
        }

    assert offered == {
        PROGRAMME_OFFICER: {
            "transactions": set(),
            "periods": set(),
            "applications": {"to_screening", "to_review", "reject"},
            "projects": {"publish", "unpublish"},
        },
        FINANCE_OFFICER: {
            "transactions": {"reverse_transactions"},
            "periods": {"close_periods"},
            "applications": set(),
            "projects": set(),
        },
        GRANTS_COMMITTEE: {
            "transactions": set(),
            "periods": set(),
            "applications": {"reject", "shortlist"},
            "projects": set(),
        },
    }


def test_reverting_a_record_to_a_past_version_takes_the_permission_to_change_it(client):
    """A past version's page in the history is open to those who view the record; its revert button is a
    change, refused to those who may not change the record (programme officers only view exchange rates)."""
    rate = ExchangeRateFactory(rate="1.10")
    first = rate.history.get().history_id
    rate.rate = "1.20"
    rate.save()
    url = reverse("admin:grants_exchangerate_simple_history", args=[rate.pk, first])
    old = {"currency": "CHF", "quote_currency": "USD", "date": "2013-01-01", "rate": "1.10", "source": ""}
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    seen = client.get(url)
    refused = client.post(url, old)
    rate.refresh_from_db()
    kept = rate.rate
    client.force_login(staff_in_role(FINANCE_OFFICER))
    reverted = client.post(url, old)

    assert seen.status_code == 200
    assert refused.status_code == 403 and kept == Decimal("1.2")
    assert reverted.status_code == 302
    assert ExchangeRate.objects.get(pk=rate.pk).rate == Decimal("1.1")


def test_no_one_reverts_a_ledger_row_not_even_a_superuser(client, admin_user):
    tranche = TrancheFactory()
    agreement = tranche.agreement
    url = reverse(
        "admin:grants_grantagreement_simple_history", args=[agreement.pk, agreement.history.first().history_id]
    )
    client.force_login(admin_user)

    assert client.get(url).status_code == 200
    assert client.post(url, {"reference": "GA-REWRITTEN"}).status_code == 403
    agreement.refresh_from_db()
    assert agreement.reference != "GA-REWRITTEN"


@pytest.mark.parametrize("role", [None, FINANCE_OFFICER, PROGRAMME_OFFICER])
def test_only_those_who_sign_agreements_open_the_admins_signing_page_or_sign_there(client, role):
    project = ProjectFactory(code="CP-SIGN")
    signing = sign_form(project, reference="GA-CP-SIGN")
    url = reverse("admin:grants_grantagreement_add")
    client.force_login(staff_in_role(role) if role else StaffWithoutPermissionsFactory())
    page = client.get(url)
    refused = client.post(url, signing)
    client.force_login(staff_in_role(GRANTS_COMMITTEE))
    signed = client.post(url, signing)

    assert (page.status_code, refused.status_code) == (403, 403)
    assert signed.status_code == 302
    assert GrantAgreement.objects.get(project=project).reference == "GA-CP-SIGN"
