"""A project's record in the admin: one page with everything about the grant, the acts on its tranches for
those who may take them, and a constant number of queries whatever its size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from grants import services
from grants.models import ApplicationStatus, CriterionScore, PartnerRole, ReviewAssignment, Tranche, Transaction
from grants.selectors import project_record
from members.roles import FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER
from tests.factories import (
    ApplicationFactory,
    AssessmentCriterionFactory,
    CityFactory,
    ContributionFactory,
    IndicatorFactory,
    OrganisationFactory,
    ProjectCountryFactory,
    ProjectFactory,
    ProjectIndicatorFactory,
    ProjectPartnerFactory,
    ProjectResultFactory,
    ReportingPeriodFactory,
    StaffFactory,
    ThemeFactory,
    UserFactory,
    both_sides,
    staff_in_role,
)
from tests.grants.record_pages import figures, links, page, rows, text
from tests.results.helpers import approved, submitted

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2024, 6, 3, 10, 0, tzinfo=dt.UTC)
D = Decimal


@pytest.fixture(autouse=True)
def _early_june_2024():
    with time_machine.travel(TODAY, tick=False):
        yield


def record_url(project) -> str:
    return reverse("admin:grants_project_record", args=[project.pk])


@pytest.fixture
def ghana():
    """A project with its countries, city, theme and partners; an agreement of USD 800 in two tranches (the
    first paid, the second waiting for its condition); two donors' allocations; USD 200 spent."""
    project = ProjectFactory(
        code="CP-GHA-2024",
        title="Ghana Country Programme",
        approved_budget=D("1000.00"),
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2026, 12, 31),
    )
    ProjectCountryFactory(project=project, country="GH")
    project.cities.add(CityFactory(name="Tamale", country="GH"))
    project.themes.add(ThemeFactory(name="Resilient cities"))
    assembly = OrganisationFactory(name="Tamale Metropolitan Assembly")
    ProjectPartnerFactory(project=project, organisation=assembly, role=PartnerRole.IMPLEMENTING)
    ProjectPartnerFactory(project=project, organisation=OrganisationFactory(name="UNOPS"), role=PartnerRole.ACCOUNTABLE)
    services.grant_agreement_sign(
        project=project,
        reference="GA-GHA-2024",
        grantee=assembly,
        signed_on=dt.date(2024, 1, 10),
        signatures=both_sides(dt.date(2024, 1, 10)),
        amount=D("800.00"),
        tranches=[
            services.TrancheSpec(dt.date(2024, 2, 1), D("500.00")),
            services.TrancheSpec(dt.date(2024, 5, 1), D("300.00"), "Inception report approved"),
        ],
    )
    for reference, donor, amount in [("SECO-1", "SECO", "300.00"), ("UK-1", "FCDO", "100.00")]:
        contribution = ContributionFactory(reference=reference, donor=OrganisationFactory(name=donor))
        services.allocation_set(
            contribution=contribution, project=project, amount=D(amount), allocated_on=dt.date(2024, 1, 5)
        )
    first = project.agreement.tranches.get(number=1)
    services.disbursement_record(
        project=project, tranche=first, amount=D("500.00"), value_date=dt.date(2024, 2, 5), reference="PAY-1"
    )
    services.expenditure_record(project=project, amount=D("200.00"), value_date=dt.date(2024, 3, 1))
    project.refresh_from_db()
    return project


def test_the_project_list_leads_to_each_projects_record_and_the_edit_form_back_to_it(staff_client, ghana):
    listing = staff_client.get(reverse("admin:grants_project_changelist")).content.decode()
    edit = staff_client.get(reverse("admin:grants_project_change", args=[ghana.pk])).content.decode()

    tools = page(staff_client.get(record_url(ghana))).xpath("//ul[@class='object-tools']//a")
    assert f'href="{record_url(ghana)}"' in listing
    assert f'href="{record_url(ghana)}"' in edit
    assert [(text(a), a.get("href")) for a in tools] == [
        ("Public page", ghana.get_absolute_url()),
        ("Closeout", reverse("admin:grants_project_closeout", args=[ghana.pk])),
        ("Edit", reverse("admin:grants_project_change", args=[ghana.pk])),
        ("History", reverse("admin:grants_project_history", args=[ghana.pk])),
    ]


def test_the_header_names_status_window_facility_places_and_partners_with_links(staff_client, ghana):
    doc = page(staff_client.get(record_url(ghana)))

    header = text(doc.xpath("//section[contains(@class, 'record-header')]")[0])
    assert "Status Implementation" in header
    assert "Window Country/City Window" in header
    assert "Facility Country Programmes" in header
    assert "Period 1 Jan 2024 \N{EN DASH} 31 Dec 2026" in header
    assert "Countries Ghana (100 %)" in header
    assert "Tamale Metropolitan Assembly · Implementing" in header
    assert "UNOPS · Contract partner (accountable)" in header
    assert {
        reverse("admin:grants_fundingwindow_change", args=[ghana.facility.window_id]),
        reverse("admin:grants_facility_change", args=[ghana.facility_id]),
        reverse("admin:grants_city_change", args=[ghana.cities.get().pk]),
        reverse("admin:grants_theme_change", args=[ghana.themes.get().pk]),
        reverse("admin:members_organisation_change", args=[ghana.agreement.grantee_id]),
    } <= links(doc)


def test_the_money_adds_up_and_each_allocation_takes_its_share(staff_client, ghana):
    doc = page(staff_client.get(record_url(ghana)))

    assert figures(doc) == {
        "Approved budget": "USD 1,000.00",
        "Committed": "USD 800.00",
        "Disbursed": "USD 500.00",
        "Spent": "USD 200.00",
        "Balance (committed, not yet paid)": "USD 300.00",
        "Not yet committed": "USD 200.00",
    }
    # The two allocations weigh USD 400 of the USD 800 committed: the other half is the fund's own money.
    assert rows(doc, "funders") == [
        ["Donor", "Contribution", "Allocated", "Share", "Committed", "Disbursed", "Spent", "Balance"],
        ["SECO", "SECO-1", "USD 300.00 5 Jan 2024", "37.5 %", "USD 300.00", "USD 187.50", "USD 75.00", "USD 112.50"],
        ["FCDO", "UK-1", "USD 100.00 5 Jan 2024", "12.5 %", "USD 100.00", "USD 62.50", "USD 25.00", "USD 37.50"],
        ["The fund's unearmarked resources", "50.0 %", "USD 400.00", "USD 250.00", "USD 100.00", "USD 150.00"],
        ["The whole project", "USD 800.00", "USD 500.00", "USD 200.00", "USD 300.00"],
    ]
    contribution = ghana.allocations.get(contribution__reference="SECO-1").contribution
    assert reverse("admin:grants_contribution_record", args=[contribution.pk]) in links(doc)


def test_each_allocations_shares_add_up_to_the_projects_money_to_the_cent():
    project = ProjectFactory(approved_budget=D("100.00"))
    services.grant_agreement_sign(
        project=project,
        reference="GA-3",
        grantee=OrganisationFactory(),
        signed_on=dt.date(2024, 1, 2),
        signatures=both_sides(dt.date(2024, 1, 2)),
        amount=D("90"),
    )
    for _ in range(3):  # three equal allocations covering the whole commitment: a third each
        services.allocation_set(
            contribution=ContributionFactory(), project=project, amount=D("30"), allocated_on=dt.date(2024, 1, 3)
        )
    services.disbursement_record(project=project, amount=D("10.00"), value_date=dt.date(2024, 1, 4))
    services.expenditure_record(project=project, amount=D("1.00"), value_date=dt.date(2024, 1, 5))

    record = project_record(project)

    assert [row.allocation is not None for row in record.funders] == [True, True, True]
    assert [row.disbursed for row in record.funders] == [D("3.33"), D("3.33"), D("3.34")]
    assert [row.spent for row in record.funders] == [D("0.33"), D("0.33"), D("0.34")]
    assert sum(row.committed for row in record.funders) == record.committed == D("90.00")
    assert sum(row.balance for row in record.funders) == record.balance == D("80.00")


def test_the_bar_shows_disbursed_committed_and_uncommitted_parts_of_the_budget(staff_client, ghana):
    doc = page(staff_client.get(record_url(ghana)))

    budget = doc.xpath("//svg[contains(@class, 'record-bar-chart')]")[0]
    assert budget.get("role") == "img"
    assert budget.get("aria-label").replace("\xa0", " ") == (
        "Approved budget: disbursed USD 500; committed, not yet disbursed USD 300; not yet committed USD 200"
    )
    parts = [(rect.get("class"), rect.get("x"), rect.get("width")) for rect in budget.xpath(".//rect")[1:]]
    assert parts == [("bar-paid", "0", "50"), ("bar-committed", "50", "30"), ("bar-free", "80", "20")]


def test_the_tranches_show_their_state_condition_and_payments(staff_client, ghana):
    doc = page(staff_client.get(record_url(ghana)))

    tranches = rows(doc, "tranches")
    assert tranches[1][:6] == ["1", "1 Feb 2024", "USD 500.00", "USD 500.00", "none", "Paid"]
    assert tranches[1][6] == "5 Feb 2024 · USD 500.00"
    assert tranches[2][:6] == [
        "2",
        "1 May 2024",
        "USD 300.00",
        "USD 0.00 USD 300.00 to pay",
        "Inception report approved",
        "Awaiting its condition",
    ]
    payment = Transaction.objects.get(reference="PAY-1")
    assert reverse("admin:grants_transaction_change", args=[payment.pk]) in links(doc)


def test_the_transactions_list_every_ledger_row_with_links_and_reversals(staff_client, ghana):
    payment = Transaction.objects.get(reference="PAY-1")
    services.transaction_reverse(original=payment, reason="Paid twice", value_date=dt.date(2024, 2, 6))

    doc = page(staff_client.get(record_url(ghana)))

    listed = rows(doc, "transactions")[1:]
    assert [row[:3] for row in listed] == [
        ["1 Mar 2024", "Expenditure", "USD 200.00"],
        ["6 Feb 2024", "Disbursement reverses 5 Feb 2024", "-USD 500.00"],
        ["5 Feb 2024", "Disbursement reversed on 6 Feb 2024", "USD 500.00"],
        ["10 Jan 2024", "Commitment", "USD 800.00"],
    ]
    assert listed[2][3:6] == ["UNOPS", "Tamale Metropolitan Assembly", "1"]


# The acts on a tranche


def tranche(project, number: int) -> Tranche:
    return Tranche.objects.get(agreement__project=project, number=number)


def acts(doc, number: int) -> str:
    return text(doc.xpath(f'//tr[@data-tranche="{number}"]/td[contains(@class, "record-acts")]')[0])


def test_each_role_is_offered_only_the_acts_it_may_take(client, ghana):
    services.tranche_condition_meet(tranche=tranche(ghana, 2), on=dt.date(2024, 6, 1))
    other = ProjectFactory(approved_budget=D("100"))
    services.grant_agreement_sign(
        project=other,
        reference="GA-OTHER",
        grantee=OrganisationFactory(),
        signed_on=dt.date(2024, 1, 2),
        signatures=both_sides(dt.date(2024, 1, 2)),
        amount=D("100"),
        tranches=[services.TrancheSpec(dt.date(2024, 5, 1), D("100"), "Plan adopted")],
    )

    offered = {}
    for role in (FINANCE_OFFICER, PROGRAMME_OFFICER, GRANTS_COMMITTEE):
        client.force_login(staff_in_role(role))
        due = page(client.get(record_url(ghana)))
        waiting = page(client.get(record_url(other)))
        offered[role] = (acts(due, 2), acts(waiting, 1))

    assert offered[FINANCE_OFFICER] == ("Pay", "")
    assert offered[PROGRAMME_OFFICER] == ("", "Condition met on Record")
    assert offered[GRANTS_COMMITTEE] == ("", "")


def test_a_tranche_released_by_a_date_says_so_and_offers_no_condition_to_record(client, ghana):
    dated = ProjectFactory(approved_budget=D("100"))
    services.grant_agreement_sign(
        project=dated,
        reference="GA-DATED",
        grantee=OrganisationFactory(),
        signed_on=dt.date(2024, 1, 2),
        signatures=both_sides(dt.date(2024, 1, 2)),
        amount=D("100"),
        tranches=[services.TrancheSpec(dt.date(2024, 5, 1), D("100"), kind="date", release_on=dt.date(2024, 9, 1))],
    )
    client.force_login(staff_in_role(PROGRAMME_OFFICER))

    doc = page(client.get(record_url(dated)))

    assert "Not before 1 Sep 2024" in text(doc.xpath('//tr[@data-tranche="1"]')[0])
    assert acts(doc, 1) == ""


def test_staff_without_permissions_cannot_open_a_record(client, staff_without_permissions, ghana):
    client.force_login(staff_without_permissions)

    assert client.get(record_url(ghana)).status_code == 403


def test_the_programme_officer_records_the_day_a_condition_was_met_and_the_timeline_shows_it(client, ghana):
    officer = staff_in_role(PROGRAMME_OFFICER, full_name="Programme Officer")
    client.force_login(officer)
    second = tranche(ghana, 2)

    with time_machine.travel(TODAY + dt.timedelta(minutes=5), tick=False):
        response = client.post(
            reverse("admin:grants_tranche_condition_met", args=[second.pk]),
            {"on": "2024-05-28", "next": record_url(ghana)},
            follow=True,
        )

    assert response.redirect_chain[-1][0] == record_url(ghana)
    assert "The condition of Tranche 2 of GA-GHA-2024 is met on 28 May 2024." in response.content.decode()
    second.refresh_from_db()
    assert second.condition_met_on == dt.date(2024, 5, 28)
    assert second.history.first().history_user == officer
    doc = page(response)
    assert rows(doc, "tranches")[2][5] == "Due"
    latest = text(doc.xpath("//ol[@class='record-timeline']/li")[0])
    assert "Programme Officer · Tranche 2 changed" in latest
    assert "Condition met on: — → 28 May 2024" in latest


@pytest.mark.parametrize("role", [FINANCE_OFFICER, GRANTS_COMMITTEE, None])
def test_recording_a_condition_without_the_permission_is_refused_and_changes_nothing(client, ghana, role):
    client.force_login(staff_in_role(role) if role else UserFactory(is_staff=True))
    second = tranche(ghana, 2)

    response = client.post(reverse("admin:grants_tranche_condition_met", args=[second.pk]), {"on": "2024-05-28"})

    assert response.status_code == 403
    second.refresh_from_db()
    assert second.condition_met_on is None
    assert second.history.count() == 1


def test_a_condition_met_on_a_day_still_to_come_is_refused_with_a_message(client, ghana):
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    second = tranche(ghana, 2)

    response = client.post(reverse("admin:grants_tranche_condition_met", args=[second.pk]), {"on": "2024-06-04"})

    assert response.status_code == 400
    assert "A condition cannot be met on a day still to come." in response.content.decode()
    second.refresh_from_db()
    assert second.condition_met_on is None


def test_a_condition_already_met_keeps_its_first_date_and_says_so(client, ghana):
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    second = tranche(ghana, 2)
    services.tranche_condition_meet(tranche=second, on=dt.date(2024, 5, 20))

    response = client.post(
        reverse("admin:grants_tranche_condition_met", args=[second.pk]), {"on": "2024-05-28"}, follow=True
    )

    assert "was already met on 20 May 2024; that date stays." in response.content.decode()
    second.refresh_from_db()
    assert second.condition_met_on == dt.date(2024, 5, 20)


def test_an_act_never_sends_its_user_to_another_site(client, ghana):
    client.force_login(staff_in_role(PROGRAMME_OFFICER))

    response = client.post(
        reverse("admin:grants_tranche_condition_met", args=[tranche(ghana, 2).pk]),
        {"on": "2024-05-28", "next": "https://elsewhere.example/"},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:grants_tranche_changelist")


def test_the_finance_officer_pays_a_due_tranche_from_the_record_and_comes_back_to_it(client, ghana):
    services.tranche_condition_meet(tranche=tranche(ghana, 2), on=dt.date(2024, 6, 1))
    client.force_login(staff_in_role(FINANCE_OFFICER))
    doc = page(client.get(record_url(ghana)))
    pay = doc.xpath('//tr[@data-tranche="2"]//a[text()="Pay"]/@href')[0]

    form = client.get(pay)
    assert form.context["next"] == record_url(ghana)
    response = client.post(
        pay, {"amount": "300.00", "value_date": "2024-06-03", "reference": "PAY-2", "next": form.context["next"]}
    )

    assert response.status_code == 302 and response["Location"] == record_url(ghana)
    ghana.refresh_from_db()
    assert ghana.disbursed_total == D("800.00")
    assert tranche(ghana, 2).disbursed_total == D("300.00")


def test_the_programme_officer_cannot_pay_a_tranche_and_nothing_is_booked(client, ghana):
    services.tranche_condition_meet(tranche=tranche(ghana, 2), on=dt.date(2024, 6, 1))
    client.force_login(staff_in_role(PROGRAMME_OFFICER))
    pay = reverse("admin:grants_tranche_disburse", args=[tranche(ghana, 2).pk])

    refused = (client.get(pay).status_code, client.post(pay, {"amount": "300.00", "value_date": "2024-06-03"}))

    assert refused[0] == refused[1].status_code == 403
    assert not Transaction.objects.filter(tranche__number=2).exists()


# Results, reports and the application


def test_results_against_targets_and_the_reports_with_their_states(client, ghana):
    indicator = ProjectIndicatorFactory(
        result=ProjectResultFactory(project=ghana, title="Settlements upgraded"),
        indicator=IndicatorFactory(code="PEOPLE-1", name="People with better services"),
    )
    first, second = ReportingPeriodFactory(project=ghana), ReportingPeriodFactory(project=ghana)
    ReportingPeriodFactory(project=ghana)
    indicator.periods.update(target_value=D("100"))
    with time_machine.travel(dt.datetime(2026, 3, 1, tzinfo=dt.UTC), tick=False):  # two periods are over
        report = approved(first, {indicator: 80})
        submitted(second, {indicator: 50})
        client.force_login(StaffFactory())
        doc = page(client.get(record_url(ghana)))

    results = rows(doc, "results")
    assert results[1][0] == "People with better services · PEOPLE-1"
    assert results[1][-3:] == ["300", "80", "27 %"]  # only the approved report counts
    reports = rows(doc, "reports")[1:]
    assert [row[3] for row in reports] == ["Approved", "Submitted", "Not started"]
    assert reverse("admin:results_progressreport_change", args=[report.pk]) in links(doc)


def test_the_application_it_came_from_with_its_weighted_score(staff_client, ghana):
    application = ApplicationFactory(complete=True, status=ApplicationStatus.APPROVED, project=ghana)
    relevance = AssessmentCriterionFactory(call=application.call, name="Relevance", weight=D("2"))
    feasibility = AssessmentCriterionFactory(call=application.call, name="Feasibility", weight=D("1"))
    for reviewer_scores in ((4, 2), (5, 3)):
        review = ReviewAssignment.objects.create(
            application=application, reviewer=UserFactory(), assigned_by=StaffFactory(), submitted_at=timezone.now()
        )
        for criterion, score in zip((relevance, feasibility), reviewer_scores, strict=True):
            CriterionScore.objects.create(review=review, criterion=criterion, score=score)
    ReviewAssignment.objects.create(application=application, reviewer=UserFactory(), assigned_by=StaffFactory())

    doc = page(staff_client.get(record_url(ghana)))

    assert rows(doc, "scores") == [
        ["Criterion", "Weight", "Mean score (0\N{EN DASH}5)"],
        ["Relevance", "2", "4.50"],
        ["Feasibility", "1", "2.50"],
        ["Weighted score (2 of 3 reviews submitted)", "3.83"],
    ]
    assert {
        reverse("admin:grants_application_change", args=[application.pk]),
        reverse("admin:grants_call_change", args=[application.call_id]),
    } <= links(doc)


def test_the_timeline_says_who_changed_what_and_when_across_the_project_and_its_ledger(client, ghana):
    editor = StaffFactory(full_name="Portfolio Editor")
    client.force_login(editor)
    with time_machine.travel(TODAY + dt.timedelta(hours=1), tick=False):
        ghana.title = "Ghana Country Programme, phase 2"
        ghana._history_user = editor
        ghana.save()

    doc = page(client.get(record_url(ghana)))

    entries = [text(entry) for entry in doc.xpath("//ol[@class='record-timeline']/li")]
    assert (
        "Portfolio Editor · Project CP-GHA-2024 changed Title: Ghana Country Programme → Ghana Country " in (entries[0])
    )
    subjects = " | ".join(entries)
    for subject in [
        "Expenditure USD 200.00 (1 Mar 2024) created",
        "Disbursement USD 500.00 (5 Feb 2024) · PAY-1 created",
        "Allocation from SECO-1 created",
        "Tranche 2 created",
        "Grant agreement GA-GHA-2024 created",
        "Project CP-GHA-2024 created",
    ]:
        assert subject in subjects
    assert "Cities: — → Tamale, Ghana" in subjects


# Queries


def project_of_size(size: int):
    """A project with `size` tranches paid, allocations, edits and reporting periods, and an application."""
    project = ProjectFactory(
        approved_budget=D("100000"), start_date=dt.date(2019, 1, 1), end_date=dt.date(2024, 12, 31)
    )
    ProjectCountryFactory(project=project)
    project.cities.add(CityFactory())
    project.themes.add(ThemeFactory())
    ProjectPartnerFactory(project=project)
    for n in range(size):
        project.title = f"Edited {n}"
        project.save()
    services.grant_agreement_sign(
        project=project,
        reference=f"GA-{size}",
        grantee=OrganisationFactory(),
        signed_on=dt.date(2019, 1, 2),
        signatures=both_sides(dt.date(2019, 1, 2)),
        amount=D(100 * size),
        tranches=[services.TrancheSpec(dt.date(2019, 2, n), D(100), f"Condition {n}") for n in range(1, size + 1)],
    )
    for paid in Tranche.objects.filter(agreement__project=project):
        services.tranche_condition_meet(tranche=paid, on=dt.date(2019, 3, 1))
        services.disbursement_record(project=project, tranche=paid, amount=D(100), value_date=dt.date(2019, 3, 2))
    for _ in range(size):
        services.allocation_set(
            contribution=ContributionFactory(), project=project, amount=D(10), allocated_on=dt.date(2019, 1, 3)
        )
    indicator = ProjectIndicatorFactory(result=ProjectResultFactory(project=project))
    for _ in range(size):
        ReportingPeriodFactory(project=project)
    approved(project.reporting_periods.first(), {indicator: 5})
    application = ApplicationFactory(complete=True, status=ApplicationStatus.APPROVED, project=project)
    AssessmentCriterionFactory(call=application.call)
    return project


# The session and the user (2), the project (1), what the page shows of it: the project with its themes, cities,
# countries and partners (5), allocations, transactions, tranches (3), the rates of the funders' shares (1: read
# even when all is in one currency, so that the count never depends on the currencies), the application's
# scores (2), the timeline's five histories, two many-to-many histories and the four kinds of row its changes
# name (11), and the results section (5) with the reports the project owes (1), the payment requests (1), and
# the amendments section: the agreement and its amendments (2), and the conversation (1: no message, so no files
# to read).
RECORD_QUERIES = 35


@pytest.mark.parametrize("size", [1, 6])
def test_a_record_takes_the_same_queries_whatever_the_projects_size(staff_client, django_assert_num_queries, size):
    project = project_of_size(size)

    with django_assert_num_queries(RECORD_QUERIES):
        response = staff_client.get(record_url(project))

    doc = page(response)
    assert len(rows(doc, "tranches")) == size + 1  # and a header
    assert len(rows(doc, "funders")) == size + 3  # and a header, the fund's own part and the total
    assert len(rows(doc, "transactions")) == size + 2  # the header, the commitment and a payment per tranche
