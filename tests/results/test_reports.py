"""Progress reports: who starts, saves, submits, returns and approves them, what is refused, what each step leaves."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from grants.models import Project, Tranche
from grants.services import TrancheSpec
from results import services
from results.models import (
    Aggregation,
    Evidence,
    ProgressReport,
    ReportedPlace,
    ReportedValue,
    ReportingPeriod,
    ReportStatus,
    ReportTransition,
    Unit,
    ValueSplit,
)
from results.selectors import reporter_period, reporter_report
from results.services import (
    ReportInvalid,
    ResultsError,
    ValueInput,
    evidence_add,
    report_approve,
    report_return,
    report_save,
    report_start,
    report_submit,
    reporting_period_add,
)
from tests.factories import (
    CityFactory,
    GrantAgreementFactory,
    IndicatorFactory,
    OrganisationFactory,
    PartnerUserFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectIndicatorFactory,
    ProjectPartnerFactory,
    ReportingPeriodFactory,
    StaffFactory,
    UserFactory,
)
from tests.results.helpers import NARRATIVE, approved, draft, inputs, reporter_of, row, secretariat, submitted

pytestmark = pytest.mark.django_db

S = ReportStatus
NOW = dt.datetime(2020, 1, 20, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _after_the_first_period():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def project() -> Project:
    project = ProjectFactory(code="CP-UGA-2019", start_date=dt.date(2019, 1, 1), end_date=dt.date(2022, 12, 31))
    ProjectCountryFactory(project=project, country="UG")
    return project


@pytest.fixture
def lead(project):
    """The partner who reports for the project's implementing organisation."""
    organisation = OrganisationFactory(name="Kampala Capital City Authority")
    ProjectPartnerFactory(project=project, organisation=organisation)
    return PartnerUserFactory(email="lead@kcca.go.ug", organisation=organisation)


@pytest.fixture
def officer():
    return secretariat()


@pytest.fixture
def period(project) -> ReportingPeriod:
    return ReportingPeriodFactory(
        project=project, start_date=dt.date(2019, 1, 1), end_date=dt.date(2019, 12, 31), due_date=dt.date(2020, 1, 31)
    )


@pytest.fixture
def people(project, period):
    return ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(name="People reached"))


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def steps(report: ProgressReport) -> list[tuple[str, str, int, str]]:
    return list(
        ReportTransition.objects.filter(report=report)
        .order_by("pk")
        .values_list("from_status", "to_status", "by", "comment")
    )


def fresh(report: ProgressReport) -> ProgressReport:
    return ProgressReport.objects.get(pk=report.pk)


def stored_values() -> list[tuple[int, Decimal, str]]:
    return list(ReportedValue.objects.order_by("pk").values_list("indicator_period", "value", "comment"))


def sent() -> list[tuple[str, list[str]]]:
    return sorted((message.subject, message.to) for message in mail.outbox)


# The workflow


def test_a_partner_starts_a_draft_and_saves_its_narrative_and_values(lead, period, people):
    report = report_start(period=period, user=lead)

    assert (report.status, report.project, report.created_by) == (S.DRAFT, period.project, lead)
    report_save(
        report=report,
        user=lead,
        narrative="  Forums met monthly.  ",
        values={row(people, period).pk: ValueInput(value=" 1,250 ", comment="Attendance sheets")},
    )

    saved = fresh(report)
    assert (saved.status, saved.narrative) == (S.DRAFT, "Forums met monthly.")
    assert stored_values() == [(row(people, period).pk, Decimal("1250"), "Attendance sheets")]
    assert steps(report) == []


def test_starting_again_opens_the_draft_already_started(lead, period, people):
    first = report_start(period=period, user=lead)
    colleague = PartnerUserFactory(organisation=lead.organisation_roles.get().organisation)

    assert report_start(period=period, user=colleague) == first
    assert ProgressReport.objects.count() == 1


def test_saving_again_replaces_the_values_and_an_emptied_value_is_removed(lead, project, period, people):
    plans = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(name="Plans adopted"))
    report = draft(period, {people: "100", plans: "2"}, by=lead)

    report_save(report=report, user=lead, narrative=NARRATIVE, values=inputs(period, {people: "120", plans: ""}))

    assert stored_values() == [(row(people, period).pk, Decimal("120"), "")]


def test_a_complete_report_is_submitted_logged_and_announced_to_staff(
    lead, officer, period, people, django_capture_on_commit_callbacks
):
    StaffFactory(email="gone@example.org", is_active=False)
    report = draft(period, {people: "1250"}, by=lead)

    with django_capture_on_commit_callbacks(execute=True):
        report_submit(report=report, user=lead)

    saved = fresh(report)
    assert (saved.status, saved.submitted_at, saved.approved_at) == (S.SUBMITTED, NOW, None)
    assert steps(report) == [(S.DRAFT, S.SUBMITTED, lead.pk, "")]
    assert sent() == [("Progress report to review: CP-UGA-2019", ["results.officer@example.org"])]
    assert "A progress report on CP-UGA-2019" in mail.outbox[0].body


def test_staff_approve_a_submitted_report_and_every_partner_of_the_project_is_told(
    lead, officer, project, period, people, django_capture_on_commit_callbacks
):
    colleague = PartnerUserFactory(email="second@kcca.go.ug", organisation=lead.organisation_roles.get().organisation)
    co_implementer = OrganisationFactory()
    ProjectPartnerFactory(project=project, organisation=co_implementer)
    other = PartnerUserFactory(email="field@ngo.org", organisation=co_implementer)
    PartnerUserFactory(email="stranger@elsewhere.org")
    report = submitted(period, {people: "1250"}, by=lead)

    with django_capture_on_commit_callbacks(execute=True):
        report_approve(report=report, user=officer, comment="  Well evidenced.  ")

    saved = fresh(report)
    assert (saved.status, saved.approved_at, saved.review_comment) == (S.APPROVED, NOW, "Well evidenced.")
    assert steps(report) == [
        (S.DRAFT, S.SUBMITTED, lead.pk, ""),
        (S.SUBMITTED, S.APPROVED, officer.pk, "Well evidenced."),
    ]
    subject = "Your progress report on CP-UGA-2019 is approved"
    assert sent() == sorted((subject, [user.email]) for user in (lead, colleague, other))
    assert "Well evidenced." in mail.outbox[0].body


def test_staff_return_a_report_with_a_comment_and_the_partners_are_told(
    lead, officer, period, people, django_capture_on_commit_callbacks
):
    report = submitted(period, {people: "1250"}, by=lead)

    with django_capture_on_commit_callbacks(execute=True):
        report_return(report=report, user=officer, comment=" Attach the attendance sheets. ")

    saved = fresh(report)
    assert (saved.status, saved.review_comment, saved.approved_at) == (
        S.RETURNED,
        "Attach the attendance sheets.",
        None,
    )
    assert steps(report)[-1] == (S.SUBMITTED, S.RETURNED, officer.pk, "Attach the attendance sheets.")
    assert sent() == [("Your progress report on CP-UGA-2019 is returned for changes", ["lead@kcca.go.ug"])]
    assert "Attach the attendance sheets." in mail.outbox[0].body
    assert "Please make the changes and submit it again" in mail.outbox[0].body


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_returning_without_a_comment_is_refused_and_changes_nothing(
    comment, lead, officer, period, people, django_capture_on_commit_callbacks
):
    report = submitted(period, {people: "1250"}, by=lead)

    with pytest.raises(ResultsError) as refusal, django_capture_on_commit_callbacks(execute=True):
        report_return(report=report, user=officer, comment=comment)

    assert (refusal.value.message, refusal.value.field) == (
        "Say what needs to change before returning the report.",
        "comment",
    )
    assert (fresh(report).status, fresh(report).review_comment) == (S.SUBMITTED, "")
    assert steps(report) == [(S.DRAFT, S.SUBMITTED, lead.pk, "")]
    assert mail.outbox == []


def test_returned_report_can_be_fixed_and_resubmitted(
    lead, officer, period, people, django_capture_on_commit_callbacks
):
    report = submitted(period, {people: "1250"}, by=lead)
    report_return(report=report, user=officer, comment="The figure counts people twice.")

    report_save(report=report, user=lead, narrative="Counted once each.", values=inputs(period, {people: "990"}))
    with django_capture_on_commit_callbacks(execute=True):
        report_submit(report=report, user=lead)

    saved = fresh(report)
    assert (saved.status, saved.narrative) == (S.SUBMITTED, "Counted once each.")
    assert stored_values() == [(row(people, period).pk, Decimal("990"), "")]
    assert steps(report) == [
        (S.DRAFT, S.SUBMITTED, lead.pk, ""),
        (S.SUBMITTED, S.RETURNED, officer.pk, "The figure counts people twice."),
        (S.RETURNED, S.SUBMITTED, lead.pk, ""),
    ]
    assert sent() == [("Progress report to review: CP-UGA-2019", ["results.officer@example.org"])]


@pytest.mark.parametrize("make", [submitted, approved], ids=["submitted", "approved"])
def test_a_submitted_or_approved_report_cannot_be_edited(make, lead, period, people):
    report = make(period, {people: "1250"}, by=lead)

    with pytest.raises(ResultsError) as refusal:
        report_save(report=report, user=lead, narrative="Rewritten", values=inputs(period, {people: "5000"}))

    assert refusal.value.message == "A submitted report can no longer be changed."
    assert fresh(report).narrative == NARRATIVE
    assert stored_values() == [(row(people, period).pk, Decimal("1250"), "")]


@pytest.mark.parametrize("make", [submitted, approved], ids=["submitted", "approved"])
def test_a_submitted_or_approved_report_cannot_be_submitted_again(make, lead, period, people):
    report = make(period, {people: "1250"}, by=lead)
    before = steps(report)

    with pytest.raises(ResultsError) as refusal:
        report_submit(report=report, user=lead)

    assert refusal.value.message == "This report is already submitted."
    assert steps(report) == before


@pytest.mark.parametrize("decide", ["approve", "return"])
def test_a_partner_cannot_approve_or_return_their_own_report(decide, lead, period, people):
    report = submitted(period, {people: "1250"}, by=lead)

    with pytest.raises(ResultsError) as refusal:
        if decide == "approve":
            report_approve(report=report, user=lead)
        else:
            report_return(report=report, user=lead, comment="Looks fine to us")

    to = "approved" if decide == "approve" else "returned for changes"
    assert refusal.value.message == f"A report that is submitted cannot be moved to {to} by you."
    assert fresh(report).status == S.SUBMITTED
    assert len(steps(report)) == 1


def test_staff_cannot_start_save_or_submit_a_report(lead, officer, period, people):
    with pytest.raises(ResultsError) as refusal:
        report_start(period=period, user=officer)
    assert refusal.value.message == "Only the project's partners report on it."

    report = draft(period, {people: "1250"}, by=lead)
    with pytest.raises(ResultsError) as refusal:
        report_save(report=report, user=officer, narrative="Edited by staff", values=inputs(period, {people: "1"}))
    assert refusal.value.message == "Only the project's partners edit its reports."

    with pytest.raises(ResultsError) as refusal:
        report_submit(report=report, user=officer)
    assert refusal.value.message == "Only the project's partners submit its reports."

    saved = fresh(report)
    assert (saved.status, saved.narrative) == (S.DRAFT, NARRATIVE)
    assert stored_values() == [(row(people, period).pk, Decimal("1250"), "")]
    assert steps(report) == []


@pytest.mark.parametrize("decide", ["approve", "return"])
def test_staff_decide_only_on_submitted_reports(decide, lead, officer, period, people):
    report = draft(period, {people: "1250"}, by=lead)

    with pytest.raises(ResultsError) as refusal:
        if decide == "approve":
            report_approve(report=report, user=officer)
        else:
            report_return(report=report, user=officer, comment="Not yet")

    assert refusal.value.message.startswith("A report that is draft cannot be moved to")
    assert fresh(report).status == S.DRAFT
    assert steps(report) == []


def test_an_approved_report_cannot_be_approved_again_nor_returned(lead, officer, period, people):
    report = approved(period, {people: "1250"}, by=lead)

    with pytest.raises(ResultsError):
        report_approve(report=report, user=officer)
    with pytest.raises(ResultsError):
        report_return(report=report, user=officer, comment="On second thoughts")

    assert fresh(report).status == S.APPROVED
    assert len(steps(report)) == 2


# Who may touch a report


@pytest.fixture
def outsider():
    """A partner user of an organisation taking part in another project, not this one."""
    other_project = ProjectFactory()
    return reporter_of(other_project)


@pytest.mark.parametrize("who", ["outsider", "plain-user"])
def test_someone_outside_the_project_cannot_start_its_report(who, outsider, period, people):
    user = outsider if who == "outsider" else UserFactory()

    with pytest.raises(ResultsError) as refusal:
        report_start(period=period, user=user)

    assert refusal.value.message == "Only the project's partners report on it."
    assert not ProgressReport.objects.exists()


def test_a_partner_of_another_organisation_cannot_save_submit_or_add_evidence(outsider, lead, period, people, media):
    report = draft(period, {people: "1250"}, by=lead)

    with pytest.raises(ResultsError) as refusal:
        report_save(report=report, user=outsider, narrative="Hijacked", values=inputs(period, {people: "1"}))
    assert refusal.value.message == "Only the project's partners edit its reports."

    with pytest.raises(ResultsError) as refusal:
        report_submit(report=report, user=outsider)
    assert refusal.value.message == "Only the project's partners submit its reports."

    with pytest.raises(ResultsError) as refusal:
        evidence_add(report=report, user=outsider, upload=upload("minutes.pdf", minimal_pdf()))
    assert (refusal.value.message, refusal.value.field) == (
        "Evidence is added to a draft by the project's partners.",
        "file",
    )

    saved = fresh(report)
    assert (saved.status, saved.narrative) == (S.DRAFT, NARRATIVE)
    assert stored_values() == [(row(people, period).pk, Decimal("1250"), "")]
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_the_reporter_selectors_find_only_the_users_own_projects(outsider, lead, period, people):
    report = draft(period, {people: "1250"}, by=lead)

    assert reporter_report(lead, report.pk) == report
    assert reporter_period(lead, period.pk) == period
    with pytest.raises(ProgressReport.DoesNotExist):
        reporter_report(outsider, report.pk)
    with pytest.raises(ReportingPeriod.DoesNotExist):
        reporter_period(outsider, period.pk)
    with pytest.raises(ProgressReport.DoesNotExist):
        reporter_report(StaffFactory(), report.pk)


# Values refused


@pytest.mark.parametrize(
    ("kind", "typed", "message"),
    [
        pytest.param({}, "twelve", "Enter a number, for example 12 or 12.5.", id="text-in-a-number"),
        pytest.param({}, "12 people", "Enter a number, for example 12 or 12.5.", id="number-with-words"),
        pytest.param({}, "-3", "A value cannot be negative.", id="negative-count"),
        pytest.param({}, "2.5", "Counts are whole numbers.", id="fractional-count"),
        pytest.param({}, "1e30", "This number is too large.", id="too-large"),
        pytest.param({}, "NaN", "Enter a number, for example 12 or 12.5.", id="not-a-number"),
        pytest.param({"percentage": True}, "100.5", "A percentage is at most 100.", id="percentage-over-100"),
        pytest.param({"percentage": True}, "120%", "A percentage is at most 100.", id="percentage-sign-over-100"),
        pytest.param(
            {"unit": "amount", "currency": "USD", "counted": "money"},
            "1500.125",
            "Use at most two decimal places.",
            id="too-many-decimals",
        ),
        pytest.param({"yes_no": True}, "2", "Answer yes (1) or no (0).", id="yes-no-other-than-0-or-1"),
    ],
)
def test_a_bad_value_is_refused_with_its_message_and_nothing_is_written(kind, typed, message, lead, project, period):
    measured = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(**kind))
    other = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory())
    report = draft(period, {measured: "1", other: "10"}, by=lead, narrative="First version")

    with pytest.raises(ReportInvalid) as refusal:
        report_save(
            report=report, user=lead, narrative="Second version", values=inputs(period, {measured: typed, other: "20"})
        )

    assert refusal.value.message == "Some values were refused; nothing was saved. See the messages by each field."
    assert refusal.value.errors == {f"value-{row(measured, period).pk}": [message]}
    assert fresh(report).narrative == "First version"
    assert sorted(ReportedValue.objects.values_list("value", flat=True)) == [Decimal("1"), Decimal("10")]


@pytest.mark.parametrize(
    ("kind", "typed", "stored"),
    [
        pytest.param({}, "1 250", Decimal("1250"), id="count-with-spaces"),
        pytest.param({}, "0", Decimal("0"), id="nothing-changed"),
        pytest.param({"percentage": True}, "37.5 %", Decimal("37.5"), id="percentage-with-sign"),
        pytest.param({"percentage": True}, "100", Decimal("100"), id="full-percentage"),
        pytest.param(
            {"unit": "amount", "currency": "USD", "counted": "money"}, "1,500.25", Decimal("1500.25"), id="amount"
        ),
        pytest.param({"yes_no": True}, "1", Decimal("1"), id="yes"),
    ],
)
def test_a_good_value_is_stored_as_a_number(kind, typed, stored, lead, project, period):
    measured = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(**kind))

    draft(period, {measured: typed}, by=lead)

    assert list(ReportedValue.objects.values_list("value", flat=True)) == [stored]


def test_women_and_men_together_cannot_be_more_than_the_total(lead, project, period):
    people = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(by_sex=True))
    key = f"value-{row(people, period).pk}"

    with pytest.raises(ReportInvalid) as refusal:
        draft(period, {people: ValueInput(value="100", splits={"female": "60", "male": "50"})}, by=lead)

    assert refusal.value.errors == {key: ["Women and men together cannot be more than the total."]}
    assert not ReportedValue.objects.exists()
    assert not ValueSplit.objects.exists()


def test_a_bad_part_of_a_disaggregated_value_is_refused_by_its_category(lead, project, period):
    people = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(by_sex=True))
    key = f"value-{row(people, period).pk}"

    with pytest.raises(ReportInvalid) as refusal:
        draft(period, {people: ValueInput(value="100", splits={"female": "sixty", "male": "40"})}, by=lead)

    assert refusal.value.errors == {f"{key}-female": ["Enter a number, for example 12 or 12.5."]}
    assert not ReportedValue.objects.exists()


def test_the_parts_of_a_disaggregated_value_are_kept_with_it(lead, project, period):
    people = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(by_sex=True))

    draft(period, {people: ValueInput(value="100", splits={"female": "60", "male": "40"})}, by=lead)

    assert list(ValueSplit.objects.values_list("reported__value", "dimension", "category", "value")) == [
        (Decimal("100"), "sex", "female", Decimal("60")),
        (Decimal("100"), "sex", "male", Decimal("40")),
    ]


def test_cities_a_project_does_not_work_in_are_refused_for_a_distinct_count(lead, project, period):
    kampala = CityFactory(name="Kampala", country="UG")
    project.cities.add(kampala)
    cities = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(cities=True))
    nairobi = CityFactory(name="Nairobi", country="KE")

    with pytest.raises(ReportInvalid) as refusal:
        draft(period, {cities: ValueInput(city_ids=[kampala.pk, nairobi.pk])}, by=lead)

    assert refusal.value.errors == {f"value-{row(cities, period).pk}": ["Name only cities the project works in."]}
    assert not ReportedValue.objects.exists()
    assert not ReportedPlace.objects.exists()


def test_a_distinct_count_is_the_number_of_places_named(lead, project, period):
    kampala, jinja = CityFactory(name="Kampala", country="UG"), CityFactory(name="Jinja", country="UG")
    project.cities.add(kampala, jinja)
    ProjectCountryFactory(project=project, country="KE", percentage=Decimal("20"))
    cities = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(cities=True))
    countries = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(countries=True))

    draft(
        period,
        {
            cities: ValueInput(value="99", city_ids=[kampala.pk, jinja.pk, kampala.pk]),
            countries: ValueInput(countries=["ug", "KE"]),
        },
        by=lead,
    )

    assert dict(ReportedValue.objects.values_list("indicator_period", "value")) == {
        row(cities, period).pk: Decimal("2"),
        row(countries, period).pk: Decimal("2"),
    }
    assert sorted(ReportedPlace.objects.values_list("reported__indicator_period", "city__name", "country")) == sorted(
        [
            (row(cities, period).pk, "Kampala", "UG"),
            (row(cities, period).pk, "Jinja", "UG"),
            (row(countries, period).pk, None, "UG"),
            (row(countries, period).pk, None, "KE"),
        ]
    )


def test_countries_a_project_does_not_work_in_are_refused_for_a_distinct_count(lead, project, period):
    countries = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(countries=True))

    with pytest.raises(ReportInvalid) as refusal:
        draft(period, {countries: ValueInput(countries=["UG", "KE"])}, by=lead)

    assert refusal.value.errors == {f"value-{row(countries, period).pk}": ["Name only countries the project works in."]}
    assert not ReportedPlace.objects.exists()


def test_a_city_outside_the_project_is_refused_for_any_indicator(lead, project, period, people):
    nairobi = CityFactory(name="Nairobi", country="KE")

    with pytest.raises(ReportInvalid) as refusal:
        draft(period, {people: ValueInput(value="10", city_ids=[nairobi.pk])}, by=lead)

    assert refusal.value.errors == {f"value-{row(people, period).pk}": ["Name only cities the project works in."]}
    assert not ReportedValue.objects.exists()


def test_a_value_for_an_indicator_of_another_period_is_refused(lead, project, period, people):
    later = ReportingPeriodFactory(project=project)
    report = report_start(period=period, user=lead)

    with pytest.raises(ResultsError) as refusal:
        report_save(report=report, user=lead, narrative=NARRATIVE, values=inputs(later, {people: "10"}))

    assert refusal.value.message == "That indicator is not part of this report's period."
    assert not ReportedValue.objects.exists()


# Submission checks


def test_submission_without_narrative_or_with_a_value_missing_is_refused_by_field(
    lead, project, period, people, django_capture_on_commit_callbacks
):
    plans = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(highest=True))
    report = draft(period, {people: "1250"}, by=lead, narrative="   ")

    with pytest.raises(ReportInvalid) as refusal, django_capture_on_commit_callbacks(execute=True):
        report_submit(report=report, user=lead)

    assert refusal.value.message == "The report cannot be submitted yet: see the messages by each field."
    assert refusal.value.errors == {
        "narrative": ["Tell the story of the period: what was done, what changed, what got in the way."],
        f"value-{row(plans, period).pk}": ["Give a value for every indicator (0 if nothing changed)."],
    }
    assert (fresh(report).status, fresh(report).submitted_at) == (S.DRAFT, None)
    assert steps(report) == []
    assert mail.outbox == []


# Reporting periods


def test_a_period_outside_the_projects_dates_is_refused_with_them(project):
    with pytest.raises(ResultsError) as refusal:
        reporting_period_add(
            project=project,
            start_date=dt.date(2022, 7, 1),
            end_date=dt.date(2023, 6, 30),
            due_date=dt.date(2023, 7, 31),
        )

    assert refusal.value.message == "A reporting period must fall within the project (2019-01-01 to 2022-12-31)."
    assert refusal.value.field == "start_date"
    assert not ReportingPeriod.objects.exists()


def test_an_overlapping_period_is_refused(project, period):
    with pytest.raises(ResultsError) as refusal:
        reporting_period_add(
            project=project,
            start_date=dt.date(2019, 7, 1),
            end_date=dt.date(2020, 6, 30),
            due_date=dt.date(2020, 7, 31),
        )

    assert refusal.value.message == "This period overlaps the period 1 Jan 2019 to 31 Dec 2019."
    assert list(ReportingPeriod.objects.all()) == [period]


def test_a_period_due_before_it_ends_is_refused(project):
    with pytest.raises(ResultsError) as refusal:
        reporting_period_add(
            project=project, start_date=dt.date(2019, 1, 1), end_date=dt.date(2019, 6, 30), due_date=dt.date(2019, 6, 1)
        )

    assert refusal.value.message == "A report is due on or after the end of its period."
    assert not ReportingPeriod.objects.exists()


def test_a_period_added_later_has_a_row_for_each_indicator_to_hold_its_target(project, period, people):
    later = reporting_period_add(
        project=project, start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 12, 31), due_date=dt.date(2021, 1, 31)
    )

    assert list(people.periods.values_list("period", "target_value")) == [(period.pk, None), (later.pk, None)]


def test_another_project_may_have_a_period_on_the_same_dates(period):
    other = reporting_period_add(
        project=ProjectFactory(), start_date=period.start_date, end_date=period.end_date, due_date=period.due_date
    )

    assert ReportingPeriod.objects.count() == 2
    assert other.project != period.project


# Tranche release


@pytest.fixture
def agreement(project):
    return GrantAgreementFactory(
        project=project,
        amount=Decimal("100000.00"),
        signed_on=dt.date(2019, 2, 1),
        tranches=[
            TrancheSpec(dt.date(2019, 2, 15), Decimal("40000.00")),
            TrancheSpec(dt.date(2020, 2, 15), Decimal("60000.00"), "First annual report approved"),
        ],
    )


def test_approving_the_report_of_a_releasing_period_meets_the_tranche_condition(lead, officer, project, agreement):
    second = agreement.tranches.get(number=2)
    period = ReportingPeriodFactory(
        project=project,
        start_date=dt.date(2019, 1, 1),
        end_date=dt.date(2019, 12, 31),
        due_date=dt.date(2020, 1, 31),
        releases_tranche=second,
    )
    people = ProjectIndicatorFactory(result__project=project)
    report = submitted(period, {people: "1250"}, by=lead)
    assert Tranche.objects.get(pk=second.pk).condition_met_on is None

    report_approve(report=report, user=officer)

    assert dict(agreement.tranches.values_list("number", "condition_met_on")) == {1: None, 2: NOW.date()}


def test_returning_the_report_of_a_releasing_period_leaves_the_tranche_waiting(lead, officer, project, agreement):
    second = agreement.tranches.get(number=2)
    period = ReportingPeriodFactory(project=project, releases_tranche=second)
    people = ProjectIndicatorFactory(result__project=project)

    report_return(report=submitted(period, {people: "1250"}, by=lead), user=officer, comment="Missing minutes")

    assert Tranche.objects.get(pk=second.pk).condition_met_on is None


def test_a_period_cannot_release_a_tranche_of_another_projects_agreement(project):
    foreign = GrantAgreementFactory(tranches=[TrancheSpec(dt.date(2019, 6, 1), Decimal("100000.00"))])

    with pytest.raises(ResultsError) as refusal:
        reporting_period_add(
            project=project,
            start_date=dt.date(2019, 1, 1),
            end_date=dt.date(2019, 12, 31),
            due_date=dt.date(2020, 1, 31),
            releases_tranche=foreign.tranches.get(),
        )

    assert (refusal.value.message, refusal.value.field) == (
        "The tranche belongs to another project's agreement.",
        "releases_tranche",
    )
    assert not ReportingPeriod.objects.exists()


# Cost of an approval


def submitted_report_with(indicator_count: int):
    project = ProjectFactory()
    project.cities.add(*(CityFactory(country="UG") for _ in range(2)))
    city_ids = list(project.cities.values_list("pk", flat=True))
    period = ReportingPeriodFactory(project=project)
    values = {}
    for number in range(indicator_count):
        kind = [{}, {"by_sex": True}, {"cities": True}][number % 3]
        measured = ProjectIndicatorFactory(result__project=project, indicator=IndicatorFactory(**kind))
        values[measured] = ValueInput(
            value="10", splits={"female": "4", "male": "6"}, city_ids=city_ids if kind.get("cities") else ()
        )
    return submitted(period, values), ReportedValue.objects.filter(report__project=project).count()


def test_approval_takes_the_same_number_of_queries_for_3_or_30_values(officer):
    small, small_count = submitted_report_with(3)
    large, large_count = submitted_report_with(30)
    assert (small_count, large_count) == (3, 30)

    with CaptureQueriesContext(connection) as few:
        report_approve(report=small, user=officer)
    with CaptureQueriesContext(connection) as many:
        report_approve(report=large, user=officer)

    assert len(many) == len(few)
    assert len(few) <= 6


# Evidence


def minimal_pdf() -> bytes:
    """A one-page PDF 1.4 with a correct cross-reference table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(pdf)


def minimal_png() -> bytes:
    """One white pixel, 8-bit RGB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def stored_files(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        pytest.param("forum-minutes.pdf", minimal_pdf(), "application/pdf", id="pdf"),
        pytest.param("site-visit.png", minimal_png(), "image/png", id="png"),
    ],
)
def test_evidence_is_kept_with_its_type_read_from_its_content(name, content, mime, lead, period, people, media):
    report = draft(period, {people: "1250"}, by=lead)

    evidence = evidence_add(report=report, user=lead, upload=upload(name, content), description="  Signed minutes ")

    saved = Evidence.objects.get(pk=evidence.pk)
    assert (
        saved.report,
        saved.original_name,
        saved.content_type,
        saved.size,
        saved.description,
        saved.uploaded_by,
    ) == (
        report,
        name,
        mime,
        len(content),
        "Signed minutes",
        lead,
    )
    with saved.file.open("rb") as stored:
        assert stored.read() == content
    assert stored_files(media) == [f"evidence/2020/01/{name}"]


def test_a_text_file_renamed_pdf_is_refused_and_not_stored(lead, period, people, media):
    report = draft(period, {people: "1250"}, by=lead)

    with pytest.raises(ResultsError) as refusal:
        evidence_add(
            report=report, user=lead, upload=upload("minutes.pdf", b"Minutes of the forum, typed in Notepad.\n")
        )

    assert (refusal.value.message, refusal.value.field) == (
        "minutes.pdf is not a PDF, XLSX, DOCX, PNG or JPEG file.",
        "file",
    )
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_evidence_is_no_longer_added_once_the_report_is_submitted(lead, period, people, media):
    report = submitted(period, {people: "1250"}, by=lead)

    with pytest.raises(ResultsError) as refusal:
        evidence_add(report=report, user=lead, upload=upload("late.pdf", minimal_pdf()))

    assert refusal.value.message == "Evidence is added to a draft by the project's partners."
    assert not Evidence.objects.exists()


@pytest.mark.parametrize(
    ("typed", "stored"), [("1,250", 1250), ("1,250,000.5", Decimal("1250000.5")), ("12.5", Decimal("12.5"))]
)
def test_commas_group_thousands_only(typed, stored):
    indicator = IndicatorFactory(unit=Unit.AMOUNT, currency="USD", aggregation=Aggregation.SUM)

    assert services._parse(typed, indicator) == (stored, None)


def test_a_comma_used_as_a_decimal_point_is_refused_not_misread():
    indicator = IndicatorFactory(unit=Unit.AMOUNT, currency="USD", aggregation=Aggregation.SUM)

    value, problem = services._parse("12,5", indicator)

    assert value is None and "Use a dot for decimals" in problem


def test_a_report_is_submitted_only_once_its_period_has_ended(lead, period, people):
    report = draft(period, {people: 120}, by=lead)

    with pytest.raises(ResultsError, match="submit it once the period is over"):
        report_submit(report=report, user=lead, today=period.end_date)

    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and not ReportTransition.objects.filter(report=report).exists()
    assert report_submit(report=report, user=lead, today=period.end_date + dt.timedelta(days=1)).status == "submitted"
