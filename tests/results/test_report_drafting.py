"""A report's draft is never lost: it saves itself as the partner types (through the service that saves a draft),
files are added, replaced and removed while it is editable, and a refused submission keeps what was typed."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from results import services
from results.models import Evidence, Indicator, IndicatorPeriod, ProgressReport, ReportedValue, ReportStatus, Unit
from tests.factories import PDF, PartnerUserFactory
from tests.results.test_pages import Reporting, form_data, framework, report, set_up_project  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(framework, settings, tmp_path) -> Reporting:  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    return set_up_project(framework)


@pytest.fixture
def draft(setup) -> ProgressReport:
    return services.report_start(period=setup.periods[1], user=setup.partner)


def values_of(progress: ProgressReport) -> dict[str, object]:
    return dict(ReportedValue.objects.filter(report=progress).values_list("indicator__code", "value"))


def autosave(client, progress: ProgressReport, data: dict):
    return client.post(reverse("results:report-autosave", args=[progress.pk]), data, HTTP_ACCEPT="application/json")


def pdf(name: str = "minutes.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def evidence(setup: Reporting, progress: ProgressReport, name: str = "minutes.pdf") -> Evidence:
    return services.evidence_add(report=progress, user=setup.partner, upload=pdf(name), description="Forum minutes")


def submitted(setup: Reporting, file_name: str = "") -> ProgressReport:
    """The first period's report, submitted (with a file of that name, if given)."""
    progress = report(setup, setup.periods[0], people="10", cities=setup.cities[:1], status=ReportStatus.DRAFT)
    if file_name:
        evidence(setup, progress, file_name)
    return services.report_submit(report=progress, user=setup.partner)


# -- Saving as one types ---------------------------------------------------------------------------------------


def test_the_draft_saves_itself_with_its_values_and_narrative_and_is_never_submitted(client, setup, draft):
    client.force_login(setup.partner)

    response = autosave(client, draft, form_data(draft, action="submit"))

    assert response.status_code == 200
    assert response.json()["saved"] is True and response.json()["message"].startswith("Draft saved at ")
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT
    assert draft.narrative == "Drainage cleared in two settlements."
    assert values_of(draft) == {"IMP-1": 1500, "IMP-2": 0}


def test_a_bad_value_typed_is_named_and_the_rest_is_saved_all_the_same(client, setup, draft):
    client.force_login(setup.partner)

    response = autosave(client, draft, form_data(draft, **{"value-{IMP-1}": "twelve"}))

    assert response.status_code == 400
    answer = response.json()
    assert answer["saved"] is False
    assert "Urban poor whose lives improved: Enter a number, for example 12 or 12.5." in answer["message"]
    draft.refresh_from_db()
    assert draft.narrative == "Drainage cleared in two settlements."
    assert values_of(draft) == {"IMP-2": 0}


def test_saving_as_one_types_needs_the_same_queries_however_many_values(
    client, setup, draft, django_assert_max_num_queries
):
    client.force_login(setup.partner)
    autosave(client, draft, form_data(draft))  # values to replace from now on
    with CaptureQueriesContext(connection) as two_values:
        assert autosave(client, draft, form_data(draft)).status_code == 200
    result = setup.project.results.get()
    outcome = result.outcome
    for number in range(3, 6):
        more = Indicator.objects.create(outcome=outcome, code=f"IMP-{number}", name=f"N{number}", unit=Unit.COUNT)
        services.project_indicator_add(result=result, indicator=more)
    data = form_data(draft, **{f"value-{{IMP-{number}}}": "5" for number in range(3, 6)})

    with django_assert_max_num_queries(len(two_values)):
        assert autosave(client, draft, data).status_code == 200
    assert len(two_values) <= 25
    assert values_of(draft)["IMP-5"] == 5


def test_another_organisations_report_is_not_found_and_left_as_it_was(client, setup, draft):
    client.force_login(PartnerUserFactory())

    response = autosave(client, draft, form_data(draft))

    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.narrative == "" and values_of(draft) == {}


def test_a_submitted_report_refuses_to_save_clearly_and_keeps_its_values(client, setup):
    progress = submitted(setup)
    client.force_login(setup.partner)

    response = autosave(client, progress, form_data(progress, narrative="Changed after submission"))

    assert response.status_code == 409
    assert response.json()["message"] == "Not saved: A submitted report can no longer be changed."
    progress.refresh_from_db()
    assert progress.narrative == "Kiosks built." and progress.status == ReportStatus.SUBMITTED


def test_a_returned_report_saves_itself_again(client, setup):
    progress = submitted(setup)
    services.report_return(report=progress, user=setup.staff, comment="Add the women reached.")
    client.force_login(setup.partner)

    response = autosave(client, progress, form_data(progress, narrative="Women reached: 700."))

    assert response.status_code == 200
    progress.refresh_from_db()
    assert progress.narrative == "Women reached: 700." and progress.status == ReportStatus.RETURNED


def test_anyone_signed_out_is_sent_to_log_in_and_a_get_is_not_allowed(client, setup, draft):
    assert autosave(client, draft, form_data(draft)).status_code == 302
    client.force_login(setup.partner)
    assert client.get(reverse("results:report-autosave", args=[draft.pk])).status_code == 405


# -- A refused submission --------------------------------------------------------------------------------------


def test_a_refused_submission_saves_what_was_typed_and_lists_each_problem_linked_to_its_field(client, setup, draft):
    client.force_login(setup.partner)

    response = client.post(
        reverse("results:report", args=[draft.pk]),
        form_data(draft, narrative="", action="submit", **{"value-{IMP-1}": "twelve", "comment-{IMP-1}": "Estimate"}),
    )

    assert response.status_code == 400
    page = response.content.decode()
    row = IndicatorPeriod.objects.get(period=draft.period, project_indicator__indicator__code="IMP-1")
    assert 'id="error-summary"' in page
    assert f'<a href="#value-{row.pk}">Urban poor whose lives improved: Enter a number' in page
    assert 'value="twelve"' in page and 'value="Estimate"' in page
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT and values_of(draft) == {"IMP-2": 0}


def test_an_incomplete_submission_is_saved_as_a_draft_with_the_summary_at_the_top(client, setup, draft):
    client.force_login(setup.partner)

    response = client.post(reverse("results:report", args=[draft.pk]), form_data(draft, narrative="", action="submit"))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index('id="error-summary"') < page.index('id="report-form"')
    assert '<a href="#narrative">Tell the story of the period' in page
    draft.refresh_from_db()
    assert draft.status == ReportStatus.DRAFT and values_of(draft) == {"IMP-1": 1500, "IMP-2": 0}


# -- Files -----------------------------------------------------------------------------------------------------


def upload(client, progress: ProgressReport, data: dict, *, json: bool = True):
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return client.post(reverse("results:evidence-upload", args=[progress.pk]), data, **headers)


def test_a_file_uploads_alone_and_its_row_comes_back_to_be_listed(client, setup, draft):
    client.force_login(setup.partner)

    response = upload(client, draft, {"file": pdf(), "description": "Forum minutes"})

    assert response.status_code == 200
    answer = response.json()
    added = draft.evidence.get()
    assert answer["message"] == "minutes.pdf is attached."
    assert f'id="evidence-{added.pk}"' in answer["file"] and "Remove minutes.pdf" in answer["file"]
    assert answer["replaced"] == ""


def test_a_file_replaces_another_of_the_same_report_keeping_its_description(client, setup, draft):
    old = evidence(setup, draft)
    client.force_login(setup.partner)

    response = upload(client, draft, {"file": pdf("minutes-signed.pdf"), "replaces": old.pk})

    assert response.status_code == 200 and response.json()["replaced"] == f"evidence-{old.pk}"
    assert list(draft.evidence.values_list("original_name", "description")) == [("minutes-signed.pdf", "Forum minutes")]


def test_a_file_of_another_report_cannot_be_replaced_from_this_one(client, setup, draft):
    other = submitted(setup, "final.pdf").evidence.get()
    client.force_login(setup.partner)

    response = upload(client, draft, {"file": pdf(), "replaces": other.pk})

    assert response.status_code == 400
    assert Evidence.objects.filter(pk=other.pk).exists() and not draft.evidence.exists()


def test_a_file_that_is_not_what_it_claims_is_refused_with_the_reason(client, setup, draft):
    client.force_login(setup.partner)

    response = upload(client, draft, {"file": SimpleUploadedFile("notes.pdf", b"<html>not a pdf</html>")})

    assert response.status_code == 400 and response.json()["message"]
    assert not draft.evidence.exists()


def test_a_file_is_removed_while_the_report_is_editable_only(client, setup, draft):
    kept = evidence(setup, draft)
    done = submitted(setup, "final.pdf").evidence.get()
    client.force_login(setup.partner)

    refused = client.post(reverse("results:evidence-remove", args=[done.pk]), HTTP_ACCEPT="application/json")
    removed = client.post(reverse("results:evidence-remove", args=[kept.pk]), HTTP_ACCEPT="application/json")

    assert refused.status_code == 400
    assert refused.json()["message"] == "Files are removed from a draft by the project's partners."
    assert removed.status_code == 200 and removed.json()["message"] == "minutes.pdf is removed."
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["final.pdf"]


def test_another_organisation_can_neither_add_nor_remove_a_file(client, setup, draft):
    kept = evidence(setup, draft)
    client.force_login(PartnerUserFactory())

    assert upload(client, draft, {"file": pdf("intruder.pdf")}).status_code == 404
    assert client.post(reverse("results:evidence-remove", args=[kept.pk])).status_code == 404
    assert list(draft.evidence.values_list("original_name", flat=True)) == ["minutes.pdf"]


def test_without_javascript_the_save_keeps_what_was_typed_and_attaches_the_file(client, setup, draft):
    client.force_login(setup.partner)

    response = client.post(
        reverse("results:report", args=[draft.pk]),
        {**form_data(draft), "file": pdf(), "description": "Forum minutes", "upload": "1"},
    )

    assert response.status_code == 302 and response["Location"].endswith("#evidence")
    page = client.get(response["Location"]).content.decode()
    assert "minutes.pdf is attached." in page and "Drainage cleared in two settlements." in page
    assert 'value="1500"' in page
    assert list(draft.evidence.values_list("original_name", "description")) == [("minutes.pdf", "Forum minutes")]


def test_without_javascript_a_bad_value_keeps_the_typed_form_and_still_attaches_the_file(client, setup, draft):
    client.force_login(setup.partner)

    response = client.post(
        reverse("results:report", args=[draft.pk]),
        {**form_data(draft, **{"value-{IMP-1}": "twelve"}), "file": pdf(), "upload": "1"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="twelve"' in page and "minutes.pdf" in page
    draft.refresh_from_db()
    assert draft.narrative == "Drainage cleared in two settlements." and draft.evidence.count() == 1


def test_without_javascript_the_save_removes_the_file_it_names_and_keeps_what_was_typed(client, setup, draft):
    wrong = evidence(setup, draft)
    client.force_login(setup.partner)

    response = client.post(
        reverse("results:report", args=[draft.pk]), {**form_data(draft), "remove_file": str(wrong.pk)}
    )

    assert response.status_code == 302
    assert not draft.evidence.exists()
    draft.refresh_from_db()
    assert draft.narrative == "Drainage cleared in two settlements."


def test_the_save_cannot_remove_a_file_of_another_report(client, setup, draft):
    other = submitted(setup, "final.pdf").evidence.get()
    client.force_login(setup.partner)

    response = client.post(reverse("results:report", args=[draft.pk]), {**form_data(draft), "remove_file": other.pk})

    assert response.status_code == 404
    assert Evidence.objects.filter(pk=other.pk).exists()


def test_without_javascript_a_refused_file_is_in_the_summary_and_the_typed_draft_is_saved(client, setup, draft):
    client.force_login(setup.partner)
    fake = SimpleUploadedFile("notes.pdf", b"<html>not a pdf</html>")

    response = client.post(
        reverse("results:report", args=[draft.pk]), {**form_data(draft), "file": fake, "upload": "1"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-summary"' in page and '<a href="#id_file">' in page
    assert "The draft is saved, but not the file" in page
    draft.refresh_from_db()
    assert draft.narrative == "Drainage cleared in two settlements." and not draft.evidence.exists()
