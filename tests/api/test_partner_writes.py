"""Partners draft, save and submit their organisations' applications and progress reports through the
API, with the portal's rules; nobody sees or touches another organisation's, and staff take the
secretariat's steps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grants.models import Application, ApplicationStatus, City
from results.models import ProgressReport, ReportedValue, ReportStatus
from results.services import period_targets_set, project_indicator_add, project_result_add
from tests.factories import (
    ApplicationFactory,
    AssessmentCriterionFactory,
    CallFactory,
    CallQuestionFactory,
    IndicatorFactory,
    OrganisationFactory,
    OutcomeFactory,
    PartnerUserFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    ReportingPeriodFactory,
    StaffFactory,
)
from tests.grants.test_applications import minimal_png
from tests.results.helpers import reporter_of, row

API = "/api/v1"


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, minimal_png() if content is None else content)


COMPLETE = {
    "title": "Slum upgrading in Kampala",
    "summary": "Upgrading informal settlements with their residents.",
    "countries": ["UG"],
    "start_date": "2030-01-01",
    "end_date": "2031-12-31",
    "requested_amount": "80000.00",
    "co_financing": "20000.00",
    "expected_results": "Two settlements upgraded.",
    "budget_lines": [{"category": "works", "amount": "80000.00", "description": "Drainage"}],
}


@pytest.fixture
def applicant(db):
    organisation = OrganisationFactory(name="Kampala Capital City Authority")
    return PartnerUserFactory(organisation=organisation), organisation


def test_a_partner_drafts_saves_and_submits_an_application(api, applicant):
    user, organisation = applicant
    call = CallFactory()
    api.force_authenticate(user)

    started = api.post(
        f"{API}/applications/", {"call": call.pk, "organisation": organisation.pk, "title": "Draft"}, format="json"
    )
    url = f"{API}/applications/{started.json()['id']}/"
    saved = api.patch(url, {key: value for key, value in COMPLETE.items() if key != "title"}, format="json")
    retitled = api.patch(url, {"title": COMPLETE["title"]}, format="json")
    submitted = api.post(f"{url}submit/")

    assert started.status_code == 201
    assert started.json()["status"] == "draft" and started.json()["organisation"]["id"] == organisation.pk
    assert saved.status_code == retitled.status_code == 200
    # A save that sends only the title keeps the budget sent before.
    assert retitled.json()["budget_lines"] == [{"category": "works", "description": "Drainage", "amount": "80000.00"}]
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    application = Application.objects.get(pk=started.json()["id"])
    assert application.status == ApplicationStatus.SUBMITTED and application.requested_amount == Decimal("80000.00")


def test_a_partner_reads_the_calls_questions_and_answers_them_by_id(api, applicant):
    user, organisation = applicant
    call = CallFactory()
    AssessmentCriterionFactory(call=call, name="Relevance", weight=Decimal("0.60"), order=1)
    AssessmentCriterionFactory(call=call, name="Feasibility", weight=Decimal("0.40"), order=0)
    staff = CallQuestionFactory(call=call, label="How many staff will work on it?", kind="number", order=1)
    scale = CallQuestionFactory(call=call, label="Scale", kind="choice", choices="City\nRegion", order=0)
    api.force_authenticate(user)

    read = api.get(f"{API}/calls/{call.pk}/").json()
    started = api.post(f"{API}/applications/", {"call": call.pk, "organisation": organisation.pk}, format="json")
    url = f"{API}/applications/{started.json()['id']}/"
    answers = [{"question": q["id"], "value": "City" if q["kind"] == "choice" else "12"} for q in read["questions"]]
    saved = api.patch(url, {**COMPLETE, "answers": answers}, format="json")
    submitted = api.post(f"{url}submit/")

    assert [(c["name"], c["weight"]) for c in read["criteria"]] == [("Feasibility", "0.40"), ("Relevance", "0.60")]
    assert read["questions"] == [
        {
            "id": scale.pk,
            "stage": "full_proposal",
            "key": "",
            "label": "Scale",
            "help_text": "",
            "kind": "choice",
            "options": ["City", "Region"],
            "required": True,
        },
        {
            "id": staff.pk,
            "stage": "full_proposal",
            "key": "",
            "label": "How many staff will work on it?",
            "help_text": "",
            "kind": "number",
            "options": [],
            "required": True,
        },
    ]
    assert saved.status_code == 200 and submitted.status_code == 200, (saved.json(), submitted.json())
    application = Application.objects.get(pk=started.json()["id"])
    assert dict(application.answers.values_list("question__label", "value")) == {
        "Scale": "City",
        "How many staff will work on it?": "12",
    }


def test_a_partner_attaches_the_file_a_question_asks_for_and_can_then_submit(api, applicant):
    user, organisation = applicant
    call = CallFactory()
    plan = CallQuestionFactory(call=call, label="Site plan", kind="file")
    other_call_question = CallQuestionFactory(kind="file")
    stranger = PartnerUserFactory(organisation=OrganisationFactory())
    api.force_authenticate(user)
    started = api.post(
        f"{API}/applications/", {"call": call.pk, "organisation": organisation.pk, **COMPLETE}, format="json"
    )
    url = f"{API}/applications/{started.json()['id']}/"

    missing = api.post(f"{url}submit/")
    not_an_image = api.post(f"{url}attachments/", {"file": upload("plan.png", b"just text"), "question": plan.pk})
    elsewhere = api.post(f"{url}attachments/", {"file": upload("plan.png"), "question": other_call_question.pk})
    api.force_authenticate(stranger)
    not_theirs = api.post(f"{url}attachments/", {"file": upload("plan.png"), "question": plan.pk})
    api.force_authenticate(user)
    attached = api.post(f"{url}attachments/", {"file": upload("plan.png"), "question": plan.pk})
    submitted = api.post(f"{url}submit/")

    assert missing.status_code == 400 and missing.json()["error"]["fields"] == {
        f"question_{plan.pk}": ["Attach a file."]
    }
    assert not_an_image.status_code == 400
    assert not_an_image.json()["error"]["fields"] == {"file": ["plan.png is not a PDF, XLSX, DOCX, PNG or JPEG file."]}
    assert elsewhere.status_code == 400 and elsewhere.json()["error"]["fields"] == {
        "question": ["Not a file question of this call."]
    }
    assert not_theirs.status_code == 404
    assert attached.status_code == 201
    assert {key: attached.json()[key] for key in ("question", "original_name", "content_type")} == {
        "question": plan.pk,
        "original_name": "plan.png",
        "content_type": "image/png",
    }
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert [a["original_name"] for a in submitted.json()["attachments"]] == ["plan.png"]
    assert Application.objects.get(pk=started.json()["id"]).attachments.count() == 1


def test_an_incomplete_application_is_refused_field_by_field(api, applicant):
    user, organisation = applicant
    application = ApplicationFactory(organisation=organisation, created_by=user)
    api.force_authenticate(user)

    response = api.post(f"{API}/applications/{application.pk}/submit/")

    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"title", "summary", "requested_amount"} <= set(fields)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_a_bad_save_changes_nothing(api, applicant):
    user, organisation = applicant
    application = ApplicationFactory(organisation=organisation, created_by=user, title="Kept")
    api.force_authenticate(user)

    response = api.patch(
        f"{API}/applications/{application.pk}/",
        {"title": "Changed", "budget_lines": [{"category": "works", "amount": "-5.00"}]},
        format="json",
    )

    assert response.status_code == 400
    application.refresh_from_db()
    assert application.title == "Kept"


def test_applying_for_another_organisation_answers_as_for_one_that_does_not_exist(api, applicant):
    """Trying ids tells a partner nothing: not an organisation's name, not even that the id exists."""
    user, _organisation = applicant
    api.force_authenticate(user)
    call = CallFactory()
    theirs = OrganisationFactory(name="Slum Dwellers of Kampala")
    missing = theirs.pk + 1000

    ids = (theirs.pk, missing)

    answers = [api.post(f"{API}/applications/", {"call": call.pk, "organisation": pk}, format="json") for pk in ids]

    assert [answer.status_code for answer in answers] == [400, 400]
    bodies = [answer.content.decode().replace(str(pk), "<id>") for answer, pk in zip(answers, ids, strict=True)]
    assert bodies[0] == bodies[1]
    assert "does not exist" in bodies[0] and "Kampala" not in bodies[0]
    assert not Application.objects.exists()


def test_another_organisations_application_answers_404_and_is_not_listed(api, applicant):
    user, organisation = applicant
    mine = ApplicationFactory(organisation=organisation, created_by=user)
    theirs = ApplicationFactory()
    api.force_authenticate(user)

    listed = api.get(f"{API}/applications/")
    read = api.get(f"{API}/applications/{theirs.pk}/")
    changed = api.patch(f"{API}/applications/{theirs.pk}/", {"title": "Mine"}, format="json")
    submitted = api.post(f"{API}/applications/{theirs.pk}/submit/")

    assert [row["id"] for row in listed.json()["results"]] == [mine.pk]
    assert api.get(f"{API}/applications/", {"call": "-2.2e+118"}).json()["error"]["fields"] == {
        "call": ["Enter a whole number."]
    }
    assert read.status_code == changed.status_code == submitted.status_code == 404
    api.force_authenticate(None)
    assert api.get(f"{API}/applications/").status_code == 401


def test_a_partner_withdraws_its_application_with_a_reason_once(api, applicant):
    user, organisation = applicant
    application = ApplicationFactory(organisation=organisation, created_by=user, complete=True)
    stranger = PartnerUserFactory(organisation=OrganisationFactory())
    url = f"{API}/applications/{application.pk}/withdraw/"
    api.force_authenticate(stranger)
    not_theirs = api.post(url, {"comment": "Not mine"}, format="json")
    api.force_authenticate(user)
    api.post(f"{API}/applications/{application.pk}/submit/")

    withdrawn = api.post(url, {"comment": "Co-financing fell through"}, format="json")
    again = api.post(url, {"comment": "Twice"}, format="json")

    assert not_theirs.status_code == 404
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert again.status_code == 400 and again.json()["error"]["message"]
    transitions = list(application.transitions.order_by("pk").values_list("to_status", "comment"))
    assert transitions[-1] == (ApplicationStatus.WITHDRAWN, "Co-financing fell through")
    assert [status for status, _ in transitions].count(ApplicationStatus.WITHDRAWN) == 1


def test_staff_screen_an_application_and_partners_cannot(api, applicant):
    user, organisation = applicant
    application = ApplicationFactory(organisation=organisation, created_by=user, complete=True)
    api.force_authenticate(user)
    api.post(f"{API}/applications/{application.pk}/submit/")

    refused = api.post(f"{API}/applications/{application.pk}/screen/", {"to_status": "screening"}, format="json")
    api.force_authenticate(StaffFactory())
    screened = api.post(f"{API}/applications/{application.pk}/screen/", {"to_status": "screening"}, format="json")

    assert refused.status_code == 403
    assert screened.status_code == 200 and screened.json()["status"] == "screening"


def test_the_application_list_takes_constant_queries(api, applicant):
    user, organisation = applicant
    api.force_authenticate(user)
    ApplicationFactory(organisation=organisation, created_by=user, complete=True)
    with CaptureQueriesContext(connection) as few:
        api.get(f"{API}/applications/")
    for _ in range(6):
        ApplicationFactory(organisation=organisation, created_by=user, complete=True)
    with CaptureQueriesContext(connection) as many:
        response = api.get(f"{API}/applications/")

    assert len(response.json()["results"]) == 7
    assert len(many) == len(few)


@pytest.fixture
def reporting(db):
    """A project with one ended yearly period and one indicator with a target; its partner user."""
    project = ProjectFactory(start_date=dt.date(2024, 1, 1), end_date=dt.date(2026, 12, 31))
    period = ReportingPeriodFactory(
        project=project, start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 12, 31), due_date=dt.date(2025, 1, 31)
    )
    result = project_result_add(project=project, outcome=OutcomeFactory(), title="Residents shape upgrading plans")
    people = project_indicator_add(result=result, indicator=IndicatorFactory(name="People reached"))
    period_targets_set(period=period, targets={people.pk: Decimal("100")})
    return project, period, people, reporter_of(project)


def test_a_partner_starts_fills_and_submits_a_report_and_staff_approve_it(api, reporting):
    _project, period, people, partner = reporting
    api.force_authenticate(partner)
    indicator_period = row(people, period).pk

    started = api.post(f"{API}/reports/", {"period": period.pk}, format="json")
    url = f"{API}/reports/{started.json()['id']}/"
    saved = api.patch(
        url,
        {"narrative": "Forums met monthly.", "values": [{"indicator_period": indicator_period, "value": "1,250"}]},
        format="json",
    )
    submitted = api.post(f"{url}submit/")
    refused = api.post(f"{url}approve/", {}, format="json")
    api.force_authenticate(StaffFactory())
    approved = api.post(f"{url}approve/", {"comment": "Well evidenced."}, format="json")

    assert started.status_code == 201
    assert started.json()["rows"][0]["target"] == "100.00" and started.json()["rows"][0]["reported"] is None
    assert saved.status_code == 200
    assert saved.json()["rows"][0]["reported"]["value"] == "1250.00"
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert refused.status_code == 403
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert ReportedValue.objects.get(indicator_period_id=indicator_period).is_approved


def test_a_partner_adds_evidence_to_its_draft_report_and_not_once_submitted(api, reporting):
    _project, period, people, partner = reporting
    api.force_authenticate(partner)
    started = api.post(f"{API}/reports/", {"period": period.pk}, format="json")
    url = f"{API}/reports/{started.json()['id']}/"

    refused = api.post(f"{url}evidence/", {"file": upload("minutes.png", b"plain text")})
    added = api.post(f"{url}evidence/", {"file": upload("forum.png"), "description": "Forum, March"})
    values = [{"indicator_period": row(people, period).pk, "value": "120"}]
    api.patch(url, {"narrative": "Forums met monthly.", "values": values}, format="json")
    submitted = api.post(f"{url}submit/")
    late = api.post(f"{url}evidence/", {"file": upload("late.png")})
    api.force_authenticate(StaffFactory())
    read = api.get(url)

    assert refused.status_code == 400 and set(refused.json()["error"]["fields"]) == {"file"}
    assert added.status_code == 201
    assert (added.json()["original_name"], added.json()["content_type"]) == ("forum.png", "image/png")
    assert submitted.status_code == 200
    assert late.status_code == 400 and late.json()["error"]["fields"] == {
        "file": ["Evidence is added to a draft by the project's partners."]
    }
    assert [(e["original_name"], e["description"]) for e in read.json()["evidence"]] == [("forum.png", "Forum, March")]


def test_a_refused_value_is_named_and_nothing_is_saved(api, reporting):
    _project, period, people, partner = reporting
    api.force_authenticate(partner)
    report = api.post(f"{API}/reports/", {"period": period.pk}, format="json").json()
    indicator_period = row(people, period).pk

    response = api.patch(
        f"{API}/reports/{report['id']}/",
        {"narrative": "Changed", "values": [{"indicator_period": indicator_period, "value": "twelve"}]},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [f"values.{indicator_period}"]
    stored = ProgressReport.objects.get(pk=report["id"])
    assert stored.narrative == "" and not ReportedValue.objects.filter(report=stored).exists()


def test_staff_return_a_report_with_a_comment_only(api, reporting):
    _project, period, people, partner = reporting
    api.force_authenticate(partner)
    report = api.post(f"{API}/reports/", {"period": period.pk}, format="json").json()
    url = f"{API}/reports/{report['id']}/"
    empty = api.post(f"{url}submit/")
    api.patch(
        url,
        {"narrative": "Forums met.", "values": [{"indicator_period": row(people, period).pk, "value": "10"}]},
        format="json",
    )
    api.post(f"{url}submit/")
    api.force_authenticate(StaffFactory())

    silent = api.post(f"{url}return/", {}, format="json")
    returned = api.post(f"{url}return/", {"comment": "Add the forum minutes."}, format="json")

    assert empty.status_code == 400
    assert {"narrative", f"values.{row(people, period).pk}"} <= set(empty.json()["error"]["fields"])
    assert silent.status_code == 400 and list(silent.json()["error"]["fields"]) == ["comment"]
    assert returned.status_code == 200 and returned.json()["status"] == ReportStatus.RETURNED


def test_other_projects_reports_and_periods_stay_unknown(api, reporting):
    _project, period, _people, partner = reporting
    outsider = PartnerUserFactory(organisation=OrganisationFactory())
    ProjectPartnerFactory(project=ProjectFactory(), organisation=outsider.organisation_roles.get().organisation)
    api.force_authenticate(partner)
    report = api.post(f"{API}/reports/", {"period": period.pk}, format="json").json()
    api.force_authenticate(outsider)

    listed = api.get(f"{API}/reports/")
    read = api.get(f"{API}/reports/{report['id']}/")
    started = api.post(f"{API}/reports/", {"period": period.pk}, format="json")

    assert listed.json()["results"] == []
    assert read.status_code == 404
    assert started.status_code == 400
    assert started.json()["error"]["fields"] == {"period": [f'Invalid pk "{period.pk}" - object does not exist.']}


def test_a_partner_proposes_a_city_through_the_api_as_through_the_portal(api, db):
    application = ApplicationFactory()
    api.force_authenticate(application.created_by)

    response = api.patch(
        f"{API}/applications/{application.pk}/", {"countries": ["UG"], "cities": ["Gulu"]}, format="json"
    )

    assert response.status_code == 200 and response.json()["cities"] == ["Gulu"]
    assert City.objects.filter(name="Gulu", confirmed=False, proposed_by=application.organisation).exists()
