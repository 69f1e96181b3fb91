"""The secretariat's results admin: the framework, each project's set-up, and the review of progress reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import Project, Tranche
from grants.services import TrancheSpec
from results import services
from results.models import (
    Aggregation,
    Counted,
    Disaggregation,
    Indicator,
    IndicatorPeriod,
    Outcome,
    PortfolioTarget,
    ProgressReport,
    ProjectIndicator,
    ReportingPeriod,
    ReportStatus,
    ReportTransition,
    Unit,
)
from tests.factories import (
    CityFactory,
    GrantAgreementFactory,
    PartnerUserFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

RESULTS_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "results"), key=lambda m: m._meta.label
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def corporate_indicators() -> tuple[Indicator, Indicator]:
    outcome, _ = Outcome.objects.get_or_create(code="O1", defaults={"title": "Inclusive city strategies adopted"})
    people, _ = Indicator.objects.get_or_create(
        code="P1",
        defaults={
            "outcome": outcome,
            "name": "People reached by upgrading",
            "unit": Unit.COUNT,
            "counted": Counted.PEOPLE,
            "aggregation": Aggregation.SUM,
            "disaggregation": Disaggregation.SEX,
        },
    )
    cities, _ = Indicator.objects.get_or_create(
        code="C1",
        defaults={
            "outcome": outcome,
            "name": "Cities with pro-poor strategies",
            "unit": Unit.COUNT,
            "counted": Counted.CITIES,
            "aggregation": Aggregation.DISTINCT_CITIES,
        },
    )
    PortfolioTarget.objects.get_or_create(indicator=people, year=2022, defaults={"value": Decimal("10000")})
    return people, cities


def partner_of(project: Project):
    return PartnerUserFactory(organisation=ProjectPartnerFactory(project=project).organisation)


def submitted_report(*, project: Project | None = None, releases_tranche: Tranche | None = None) -> ProgressReport:
    """A project measuring two indicators, whose 2019 report a partner filled in and submitted."""
    project = project or ProjectFactory()
    jinja = CityFactory(name="Jinja")
    project.cities.add(jinja)
    people, cities = corporate_indicators()
    result = services.project_result_add(project=project, outcome=people.outcome, title="Settlements upgraded")
    reached = services.project_indicator_add(result=result, indicator=people)
    named = services.project_indicator_add(result=result, indicator=cities)
    period = services.reporting_period_add(
        project=project,
        start_date=dt.date(2019, 1, 1),
        end_date=dt.date(2019, 12, 31),
        due_date=dt.date(2020, 1, 31),
        releases_tranche=releases_tranche,
    )
    services.period_targets_set(period=period, targets={reached.pk: Decimal("1000")})
    partner = partner_of(project)
    report = services.report_start(period=period, user=partner)
    rows = dict(IndicatorPeriod.objects.filter(period=period).values_list("project_indicator_id", "pk"))
    values = {
        rows[reached.pk]: services.ValueInput(
            value="1234", comment="Counted at the forums", splits={"female": "700", "male": "534"}
        ),
        rows[named.pk]: services.ValueInput(city_ids=[jinja.pk]),
    }
    services.report_save(report=report, user=partner, narrative="The city adopted its strategy.", values=values)
    services.evidence_add(
        report=report,
        user=partner,
        upload=SimpleUploadedFile("forum-minutes.pdf", PDF, content_type="application/pdf"),
        description="Minutes of the March forum",
    )
    return services.report_submit(report=report, user=partner)


def plain_submitted_report() -> ProgressReport:
    """A submitted report on a project that measures nothing yet: cheap to make many of."""
    project = ProjectFactory()
    partner = partner_of(project)
    period = services.reporting_period_add(
        project=project, start_date=dt.date(2019, 1, 1), end_date=dt.date(2019, 12, 31), due_date=dt.date(2020, 1, 31)
    )
    report = services.report_start(period=period, user=partner)
    services.report_save(report=report, user=partner, narrative="Inception done.", values={})
    return services.report_submit(report=report, user=partner)


def tranche_released_by_report() -> Tranche:
    project = ProjectFactory()
    agreement = GrantAgreementFactory(
        project=project,
        amount=Decimal("100000.00"),
        tranches=[
            TrancheSpec(dt.date(2019, 3, 1), Decimal("60000.00")),
            TrancheSpec(dt.date(2020, 3, 1), Decimal("40000.00"), "First annual report approved"),
        ],
    )
    return agreement.tranches.get(number=2)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_staff_open_every_results_admin_page(staff_client, rf):
    submitted_report()
    request = rf.get("/")
    request.user = StaffFactory()

    failures = []
    for model in RESULTS_MODELS:
        instance = model._default_manager.order_by("pk").first()
        model_admin = admin.site._registry[model]
        urls = [admin_url(model, "changelist"), admin_url(model, "change", instance.pk)]
        if model_admin.has_add_permission(request):
            urls.append(admin_url(model, "add"))
        if hasattr(model, "history"):
            urls.append(admin_url(model, "history", instance.pk))
        for url in urls:
            response = staff_client.get(url)
            if response.status_code != 200:
                failures.append(f"{url} answered {response.status_code}")

    assert RESULTS_MODELS
    assert failures == []


def test_the_review_page_shows_what_the_partner_reported(staff_client):
    report = submitted_report()
    evidence = report.evidence.get()

    page = staff_client.get(admin_url(ProgressReport, "change", report.pk)).content.decode()

    assert "The city adopted its strategy." in page
    assert "P1 · People reached by upgrading" in page
    assert '<td class="reported-value">1234</td>' in page
    assert "Women and girls: 700" in page and "Men and boys: 534" in page
    assert "Jinja, Uganda" in page
    assert "Counted at the forums" in page
    assert reverse("admin:results_progressreport_evidence", args=[report.pk, evidence.pk]) in page
    assert "/media/" not in page
    assert "Draft → Submitted" in page
    assert 'value="Approve"' in page and 'value="Return for changes"' in page
    assert 'name="_save"' not in page


def test_staff_download_evidence_through_the_admin(staff_client):
    report = submitted_report()
    evidence = report.evidence.get()

    response = staff_client.get(reverse("admin:results_progressreport_evidence", args=[report.pk, evidence.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert 'attachment; filename="forum-minutes.pdf"' in response["Content-Disposition"]


def test_staff_download_evidence_named_as_a_web_page_as_the_pdf_it_holds(staff_client):
    report = submitted_report()
    evidence = report.evidence.get()
    evidence.original_name = "minutes\x07.html"
    evidence.save()

    response = staff_client.get(reverse("admin:results_progressreport_evidence", args=[report.pk, evidence.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="minutes.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    response.close()


def test_evidence_is_found_only_under_its_own_report(staff_client):
    report, other = submitted_report(), plain_submitted_report()
    evidence = report.evidence.get()

    response = staff_client.get(reverse("admin:results_progressreport_evidence", args=[other.pk, evidence.pk]))

    assert response.status_code == 404


def test_approving_in_the_admin_counts_the_report_and_releases_its_tranche(staff_client):
    tranche = tranche_released_by_report()
    report = submitted_report(project=tranche.agreement.project, releases_tranche=tranche)

    response = staff_client.post(
        reverse("admin:results_progressreport_approve", args=[report.pk]), {"comment": "Well evidenced."}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("admin:results_progressreport_changelist")
    assert f"{report} is approved." in messages_of(response)
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED and report.approved_at is not None
    step = ReportTransition.objects.get(report=report, to_status=ReportStatus.APPROVED)
    assert step.from_status == ReportStatus.SUBMITTED and step.by.is_staff and step.comment == "Well evidenced."
    tranche.refresh_from_db()
    assert tranche.condition_met_on is not None


def test_returning_without_a_comment_is_refused_and_changes_nothing(staff_client):
    report = submitted_report()
    steps = ReportTransition.objects.count()

    response = staff_client.post(
        reverse("admin:results_progressreport_return", args=[report.pk]), {"comment": "  "}, follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == admin_url(ProgressReport, "change", report.pk)
    assert "Say what needs to change before returning the report." in messages_of(response)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.review_comment == ""
    assert ReportTransition.objects.count() == steps


def test_returning_with_a_comment_sends_the_report_back(staff_client):
    report = submitted_report()

    staff_client.post(
        reverse("admin:results_progressreport_return", args=[report.pk]), {"comment": "Add the forum minutes."}
    )

    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    assert report.review_comment == "Add the forum minutes."
    assert ReportTransition.objects.get(report=report, to_status=ReportStatus.RETURNED).comment == report.review_comment


def test_a_refused_decision_shows_the_reason_without_an_error_page(staff_client):
    report = submitted_report()
    services.report_approve(report=report, user=StaffFactory())

    response = staff_client.post(reverse("admin:results_progressreport_approve", args=[report.pk]), follow=True)

    assert response.status_code == 200
    assert "A report that is approved cannot be moved to approved by you." in messages_of(response)
    assert ReportTransition.objects.filter(report=report, to_status=ReportStatus.APPROVED).count() == 1


def test_decisions_are_posted_not_fetched(staff_client):
    report = submitted_report()

    response = staff_client.get(reverse("admin:results_progressreport_approve", args=[report.pk]))

    assert response.status_code == 405
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_staff_approve_selected_reports_and_hear_which_were_refused(staff_client):
    waiting = [plain_submitted_report(), plain_submitted_report()]
    returned = plain_submitted_report()
    services.report_return(report=returned, user=StaffFactory(), comment="Add the minutes.")

    response = staff_client.post(
        admin_url(ProgressReport, "changelist") + "?status=all",
        {"action": "approve_reports", "_selected_action": [report.pk for report in [*waiting, returned]]},
        follow=True,
    )

    said = messages_of(response)
    assert "2 reports approved." in said
    assert f"{returned}: A report that is returned for changes cannot be moved to approved by you." in said
    statuses = dict(ProgressReport.objects.values_list("pk", "status"))
    assert [statuses[report.pk] for report in waiting] == [ReportStatus.APPROVED, ReportStatus.APPROVED]
    assert statuses[returned.pk] == ReportStatus.RETURNED


def test_the_queue_opens_on_submitted_reports_the_longest_waiting_first(staff_client):
    first, second = plain_submitted_report(), plain_submitted_report()
    approved = plain_submitted_report()
    services.report_approve(report=approved, user=StaffFactory())
    ProgressReport.objects.filter(pk=first.pk).update(submitted_at=second.submitted_at + dt.timedelta(days=1))

    listed = list(staff_client.get(admin_url(ProgressReport, "changelist")).context["cl"].result_list)

    assert listed == [second, first]


def test_reports_cannot_be_added_changed_or_deleted_in_the_admin(staff_client):
    report = submitted_report()
    change_url = admin_url(ProgressReport, "change", report.pk)

    assert staff_client.get(admin_url(ProgressReport, "add")).status_code == 403
    assert staff_client.post(change_url, {"narrative": "Rewritten", "status": "approved"}).status_code == 403
    assert staff_client.get(admin_url(ProgressReport, "delete", report.pk)).status_code == 403
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.narrative == "The city adopted its strategy."


def test_people_who_are_not_staff_are_sent_to_the_admin_login(client):
    report = submitted_report()
    client.force_login(partner_of(report.project))

    for url in [
        admin_url(ProgressReport, "changelist"),
        admin_url(ProgressReport, "change", report.pk),
        reverse("admin:results_progressreport_evidence", args=[report.pk, report.evidence.get().pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    response = client.post(reverse("admin:results_progressreport_approve", args=[report.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def count_queries(client, url: str) -> int:
    client.get(url)  # once unmeasured: a test process's first page reads the content types it then keeps
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_report_queue_takes_as_many_queries_for_twenty_reports_as_for_two(staff_client):
    url = admin_url(ProgressReport, "changelist")
    for _ in range(2):
        plain_submitted_report()
    with_two = count_queries(staff_client, url)
    for _ in range(18):
        plain_submitted_report()

    with_twenty = count_queries(staff_client, url)

    assert with_twenty == with_two
    assert len(staff_client.get(url).context["cl"].result_list) == 20


def test_the_reporting_period_list_takes_as_many_queries_for_twenty_periods_as_for_two(staff_client):
    url = admin_url(ReportingPeriod, "changelist")
    for _ in range(2):
        plain_submitted_report()
    with_two = count_queries(staff_client, url)
    for _ in range(18):
        plain_submitted_report()

    assert count_queries(staff_client, url) == with_two


def test_the_review_page_takes_a_constant_number_of_queries(staff_client):
    report = submitted_report()
    url = admin_url(ProgressReport, "change", report.pk)
    with_one_city = count_queries(staff_client, url)
    project = report.project
    more = [CityFactory(name=f"Town {n}") for n in range(5)]
    project.cities.add(*more)
    ProgressReport.objects.filter(pk=report.pk).update(status=ReportStatus.DRAFT)
    partner = partner_of(project)
    rows = dict(
        IndicatorPeriod.objects.filter(period=report.period).values_list("project_indicator__indicator__code", "pk")
    )
    services.report_save(
        report=report,
        user=partner,
        narrative="More cities.",
        values={
            rows["P1"]: services.ValueInput(value="10", splits={"female": "5", "male": "5"}),
            rows["C1"]: services.ValueInput(city_ids=[city.pk for city in more]),
        },
    )

    assert count_queries(staff_client, url) == with_one_city


def test_saving_a_period_in_the_admin_gives_each_indicator_a_target_row(staff_client):
    project = ProjectFactory()
    people, _cities = corporate_indicators()
    result = services.project_result_add(project=project, outcome=people.outcome, title="Settlements upgraded")
    reached = services.project_indicator_add(result=result, indicator=people)

    response = staff_client.post(
        admin_url(ReportingPeriod, "add"),
        {
            "project": project.pk,
            "kind": "progress",
            "start_date": "2020-01-01",
            "end_date": "2020-12-31",
            "due_date": "2021-01-31",
            "indicator_periods-TOTAL_FORMS": "0",
            "indicator_periods-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    period = ReportingPeriod.objects.get(project=project)
    assert list(IndicatorPeriod.objects.filter(period=period).values_list("project_indicator", flat=True)) == [
        reached.pk
    ]


def test_an_overlapping_period_is_refused_on_the_form(staff_client):
    report = plain_submitted_report()

    response = staff_client.post(
        admin_url(ReportingPeriod, "add"),
        {
            "project": report.project.pk,
            "kind": "progress",
            "start_date": "2019-07-01",
            "end_date": "2020-06-30",
            "due_date": "2020-07-31",
            "indicator_periods-TOTAL_FORMS": "0",
            "indicator_periods-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert f"This period overlaps the period {report.period}." in response.content.decode()
    assert ReportingPeriod.objects.filter(project=report.project).count() == 1


def test_an_indicator_added_to_a_result_in_the_admin_gets_a_row_in_each_period(staff_client):
    report = plain_submitted_report()
    people, _cities = corporate_indicators()
    result = services.project_result_add(project=report.project, outcome=people.outcome, title="Forums held")
    change_url = admin_url(type(result), "change", result.pk)

    response = staff_client.post(
        change_url,
        {
            "outcome": people.outcome.pk,
            "title": "Forums held",
            "description": "",
            "type": "2",
            "order": "0",
            "indicators-TOTAL_FORMS": "1",
            "indicators-INITIAL_FORMS": "0",
            "indicators-0-indicator": people.pk,
            "indicators-0-order": "0",
        },
    )

    assert response.status_code == 302, response.context["errors"]
    added = ProjectIndicator.objects.get(result=result)
    assert added.project == report.project
    assert IndicatorPeriod.objects.filter(project_indicator=added, period=report.period).exists()


def test_measuring_an_indicator_twice_is_refused_on_the_form(staff_client):
    report = submitted_report()
    people = Indicator.objects.get(code="P1")
    result = services.project_result_add(project=report.project, outcome=people.outcome, title="Again")

    response = staff_client.post(
        admin_url(type(result), "change", result.pk),
        {
            "outcome": people.outcome.pk,
            "title": "Again",
            "type": "2",
            "order": "0",
            "indicators-TOTAL_FORMS": "1",
            "indicators-INITIAL_FORMS": "0",
            "indicators-0-indicator": people.pk,
            "indicators-0-order": "0",
        },
    )

    assert response.status_code == 200
    assert "The project already measures this corporate indicator." in response.content.decode()
    assert ProjectIndicator.objects.filter(project=report.project, indicator=people).count() == 1


INDICATORS_CSV = (
    "code,name,outcome,unit,counted,aggregation,disaggregation\n"
    "P1,People reached by upgrading,O1,count,people,sum,sex\n"
    "C1,Cities with pro-poor strategies,O1,Count,Cities,Distinct cities named,\n"
)


def import_through_admin(client, model, csv: str):
    upload = SimpleUploadedFile("framework.csv", csv.encode(), content_type="text/csv")
    preview = client.post(admin_url(model, "import"), {"format": "0", "import_file": upload})
    assert preview.status_code == 200
    confirm = preview.context.get("confirm_form")
    assert confirm is not None, preview.context["result"].invalid_rows
    return client.post(admin_url(model, "process_import"), confirm.initial, follow=True)


def test_staff_load_indicators_from_a_csv_file_and_a_second_load_updates_them(staff_client):
    Outcome.objects.create(code="O1", title="Inclusive city strategies adopted")

    import_through_admin(staff_client, Indicator, INDICATORS_CSV)

    people = Indicator.objects.get(code="P1")
    assert (people.unit, people.counted, people.aggregation, people.disaggregation) == ("count", "people", "sum", "sex")
    assert Indicator.objects.get(code="C1").aggregation == Aggregation.DISTINCT_CITIES

    import_through_admin(
        staff_client, Indicator, INDICATORS_CSV.replace("People reached by upgrading", "People reached")
    )

    assert Indicator.objects.count() == 2
    assert Indicator.objects.get(code="P1").name == "People reached"
    assert Indicator.objects.get(code="P1").history.count() == 2


def test_an_indicator_sheet_with_an_unknown_unit_writes_nothing(staff_client):
    Outcome.objects.create(code="O1", title="Inclusive city strategies adopted")
    upload = SimpleUploadedFile(
        "framework.csv",
        (INDICATORS_CSV + "X1,Bridges,O1,bridges,other,sum,\n").encode(),
        content_type="text/csv",
    )

    preview = staff_client.post(admin_url(Indicator, "import"), {"format": "0", "import_file": upload})

    assert "row 3: unit must be one of: count, percentage, amount, yes_no, got “bridges”." in preview.content.decode()
    assert "confirm_form" not in preview.context
    assert not Indicator.objects.exists()


def test_staff_load_portfolio_targets_keyed_by_indicator_and_year(staff_client):
    people, _cities = corporate_indicators()
    csv = "indicator,year,value,source\nP1,2022,12000,Strategy 2022\nP1,2025,20000,Strategy 2025\n"

    import_through_admin(staff_client, PortfolioTarget, csv)
    import_through_admin(staff_client, PortfolioTarget, csv.replace("20000", "25000"))

    assert list(people.targets.order_by("year").values_list("year", "value")) == [
        (2022, Decimal("12000.00")),
        (2025, Decimal("25000.00")),
    ]


def test_an_indicator_that_breaks_a_framework_rule_is_refused_on_the_form(staff_client):
    outcome = Outcome.objects.create(code="O1", title="Inclusive city strategies adopted")

    response = staff_client.post(
        admin_url(Indicator, "add"),
        {
            "outcome": outcome.pk,
            "code": "S1",
            "name": "Share of residents with tenure",
            "order": "0",
            "unit": Unit.PERCENTAGE,
            "counted": Counted.PEOPLE,
            "aggregation": Aggregation.SUM,
            "ascending": "on",
            "targets-TOTAL_FORMS": "0",
            "targets-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "Percentages cannot be added up: use Highest or Latest." in response.content.decode()
    assert not Indicator.objects.exists()


def test_a_period_cannot_release_a_tranche_of_another_project(staff_client):
    tranche = tranche_released_by_report()
    project = ProjectFactory()

    response = staff_client.post(
        admin_url(ReportingPeriod, "add"),
        {
            "project": project.pk,
            "kind": "progress",
            "start_date": "2020-01-01",
            "end_date": "2020-12-31",
            "due_date": "2021-01-31",
            "releases_tranche": tranche.pk,
            "indicator_periods-TOTAL_FORMS": "0",
            "indicator_periods-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "The tranche belongs to another project&#x27;s agreement." in response.content.decode()
    assert not ReportingPeriod.objects.filter(project=project).exists()


def test_the_targets_of_a_period_take_as_many_queries_for_seven_indicators_as_for_two(staff_client):
    report = submitted_report()
    url = admin_url(ReportingPeriod, "change", report.period.pk)
    with_two = count_queries(staff_client, url)
    result = report.project.results.get()
    for n in range(5):
        indicator = Indicator.objects.create(
            outcome=result.outcome,
            code=f"M{n}",
            name=f"Mechanism {n}",
            unit=Unit.COUNT,
            counted=Counted.MECHANISMS,
            aggregation=Aggregation.SUM,
        )
        services.project_indicator_add(result=result, indicator=indicator)

    assert count_queries(staff_client, url) == with_two
    assert IndicatorPeriod.objects.filter(period=report.period).count() == 7
