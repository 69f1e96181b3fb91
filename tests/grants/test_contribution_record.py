"""A contribution's record in the admin: receipts against the pledge schedule, the allocations and the projects
they fund, what was paid out through them and what is left; the schedule's own rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from grants import services
from grants.models import PledgeInstalment
from grants.selectors import contribution_record
from members.roles import FINANCE_OFFICER, GRANTS_COMMITTEE
from tests.factories import (
    ContributionFactory,
    FundingWindowFactory,
    OrganisationFactory,
    ProjectFactory,
    StaffFactory,
    both_sides,
    staff_in_role,
)
from tests.grants.record_pages import figures, links, page, rows, text

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2024, 6, 15, 10, 0, tzinfo=dt.UTC)
D = Decimal


@pytest.fixture(autouse=True)
def _mid_june_2024():
    with time_machine.travel(TODAY, tick=False):
        yield


def record_url(contribution) -> str:
    return reverse("admin:grants_contribution_record", args=[contribution.pk])


@pytest.fixture
def seco():
    """USD 1,000 pledged in four instalments, USD 750 received; allocations to two projects."""
    contribution = ContributionFactory(
        reference="SECO-2024",
        title="Partnership support",
        donor=OrganisationFactory(name="SECO"),
        contract_partner=OrganisationFactory(name="UNOPS"),
        earmarked_window=FundingWindowFactory(),
        amount=D("1000.00"),
        start_date=dt.date(2024, 1, 1),
    )
    for due, amount in [("2024-01-31", "400"), ("2024-04-30", "300"), ("2024-05-31", "200"), ("2024-07-31", "100")]:
        PledgeInstalment.objects.create(contribution=contribution, due_date=due, amount=D(amount))
    for value_date, amount in [
        (dt.date(2024, 1, 15), "400"),
        (dt.date(2024, 5, 10), "300"),
        (dt.date(2024, 6, 1), "50"),
    ]:
        services.contribution_receive(contribution=contribution, amount=D(amount), value_date=value_date)
    # Ghana: USD 1,000 committed, 400 paid; SECO's 500 is half of it. Liberia: 200 committed and paid, all SECO's.
    for code, committed, allocated, paid in [("CP-GHA", "1000", "500", "400"), ("CUF-LBR", "200", "200", "200")]:
        project = ProjectFactory(
            code=code, approved_budget=D(committed), start_date=dt.date(2024, 1, 1), end_date=dt.date(2026, 12, 31)
        )
        services.grant_agreement_sign(
            project=project,
            reference=f"GA-{code}",
            grantee=OrganisationFactory(),
            signed_on=dt.date(2024, 1, 2),
            signatures=both_sides(dt.date(2024, 1, 2)),
            amount=D(committed),
        )
        services.allocation_set(
            contribution=contribution, project=project, amount=D(allocated), allocated_on=dt.date(2024, 1, 3)
        )
        services.disbursement_record(project=project, amount=D(paid), value_date=dt.date(2024, 2, 1))
    contribution.refresh_from_db()
    return contribution


def test_the_contribution_list_leads_to_each_record(staff_client, seco):
    listing = staff_client.get(reverse("admin:grants_contribution_changelist")).content.decode()

    assert f'href="{record_url(seco)}"' in listing


def test_the_header_links_the_donor_its_contract_partner_and_its_earmark(staff_client, seco):
    doc = page(staff_client.get(record_url(seco)))

    header = text(doc.xpath("//section[contains(@class, 'record-header')]")[0])
    assert "Donor SECO" in header and "Contract partner UNOPS" in header
    assert "Earmarked for Country/City Window" in header
    assert {
        reverse("admin:members_organisation_change", args=[seco.donor_id]),
        reverse("admin:members_organisation_change", args=[seco.contract_partner_id]),
        reverse("admin:grants_fundingwindow_change", args=[seco.earmarked_window_id]),
    } <= links(doc)


def test_receipts_are_compared_with_the_pledge_schedule_in_order(staff_client, seco):
    doc = page(staff_client.get(record_url(seco)))

    assert rows(doc, "schedule")[1:] == [
        ["31 Jan 2024", "USD 400.00", "USD 400.00", "USD 400.00", "15 Jan 2024", "USD 0.00", "Received"],
        ["30 Apr 2024", "USD 300.00", "USD 700.00", "USD 400.00", "10 May 2024", "USD 0.00", "Received late"],
        ["31 May 2024", "USD 200.00", "USD 900.00", "USD 700.00", "—", "USD 150.00", "Overdue"],
        ["31 Jul 2024", "USD 100.00", "USD 1,000.00", "USD 750.00", "—", "USD 100.00", "Expected"],
        ["Scheduled", "USD 1,000.00", ""],
    ]
    assert [row[:3] for row in rows(doc, "receipts")[1:]] == [
        ["15 Jan 2024", "USD 400.00", "USD 400.00"],
        ["10 May 2024", "USD 300.00", "USD 700.00"],
        ["1 Jun 2024", "USD 50.00", "USD 750.00"],
    ]
    record = contribution_record(seco)
    assert sum(line.outstanding for line in record.schedule) == record.to_receive == D("250.00")


def test_a_contribution_without_a_schedule_says_so_and_a_partial_one_names_what_is_not_scheduled(staff_client, seco):
    seco.instalments.filter(due_date__gte=dt.date(2024, 5, 1)).delete()
    bare = ContributionFactory()

    partial = page(staff_client.get(record_url(seco)))
    none = staff_client.get(record_url(bare)).content.decode()

    assert rows(partial, "schedule")[-1] == ["Scheduled", "USD 700.00", "Not scheduled: USD 300.00"]
    assert "No pledge schedule is recorded" in none


def test_the_allocations_show_the_projects_they_fund_and_what_was_paid_through_them(staff_client, seco):
    doc = page(staff_client.get(record_url(seco)))

    projects = rows(doc, "allocations")
    assert [row[0].split(" · ")[0] for row in projects[1:3]] == ["CP-GHA", "CUF-LBR"]
    assert [row[1:] for row in projects[1:]] == [
        ["Implementation", "USD 500.00 3 Jan 2024", "50.0 %", "USD 200.00", "USD 300.00"],
        ["Implementation", "USD 200.00 3 Jan 2024", "100.0 %", "USD 200.00", "USD 0.00"],
        ["USD 700.00", "", "USD 400.00", "USD 300.00"],
    ]
    assert figures(doc) == {
        "Pledged": "USD 1,000.00",
        "Received": "USD 750.00",
        "Still to receive": "USD 250.00",
        "Allocated to projects": "USD 700.00",
        "Disbursed through its allocations": "USD 400.00",
        "Balance (received, not yet disbursed)": "USD 350.00",
    }
    for allocation in seco.allocations.all():
        assert reverse("admin:grants_project_record", args=[allocation.project_id]) in links(doc)


def test_the_bars_show_what_was_received_and_what_was_allocated_of_the_pledge(staff_client, seco):
    doc = page(staff_client.get(record_url(seco)))

    received, allocated = doc.xpath("//svg[contains(@class, 'record-bar-chart')]")
    assert received.get("aria-label").replace("\xa0", " ") == "Received: received USD 750; not yet received USD 250"
    assert allocated.get("aria-label").replace("\xa0", " ") == (
        "Allocated: disbursed through its allocations USD 400; allocated, not yet disbursed USD 300; "
        "not yet allocated USD 300"
    )


def test_the_timeline_shows_who_scheduled_an_instalment(client, seco):
    officer = staff_in_role(FINANCE_OFFICER, full_name="Finance Officer")
    client.force_login(officer)
    instalment = PledgeInstalment(contribution=seco, due_date=dt.date(2024, 7, 1), amount=D("1.00"))
    instalment._history_user = officer
    with time_machine.travel(TODAY + dt.timedelta(hours=1), tick=False):
        seco.instalments.filter(due_date=dt.date(2024, 7, 31)).update(amount=D("99.00"))
        instalment.save()

    doc = page(client.get(record_url(seco)))

    latest = text(doc.xpath("//ol[@class='record-timeline']/li")[0])
    assert "Finance Officer · Instalment due 1 Jul 2024 created Due: 1 Jul 2024 Amount: USD 1.00" in latest


def test_staff_without_permissions_cannot_open_the_record_and_a_viewer_is_offered_no_edit(client, seco):
    client.force_login(StaffFactory(is_superuser=False))
    refused = client.get(record_url(seco)).status_code
    client.force_login(staff_in_role(GRANTS_COMMITTEE))
    viewer = page(client.get(record_url(seco)))
    client.force_login(staff_in_role(FINANCE_OFFICER))
    keeper = page(client.get(record_url(seco)))

    edit = reverse("admin:grants_contribution_change", args=[seco.pk])
    assert refused == 403
    assert edit not in set(viewer.xpath("//a/@href"))
    assert edit in set(keeper.xpath("//ul[@class='object-tools']//a/@href"))


# The pledge schedule's rule, at each door


def edit_form(client, contribution, **changes) -> dict:
    form = client.get(reverse("admin:grants_contribution_change", args=[contribution.pk])).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        donor=contribution.donor_id,
        contract_partner=contribution.contract_partner_id or "",
        earmarked_window=contribution.earmarked_window_id or "",
        earmarked_facility="",
        start_date="2024-01-01",
        end_date="2027-12-31",
        **{"phases-TOTAL_FORMS": "0", "phases-INITIAL_FORMS": "0"},
        **{"instalments-TOTAL_FORMS": "0", "instalments-INITIAL_FORMS": "0"},
    )
    data.update(changes)
    return data


def test_a_schedule_that_plans_more_than_the_pledge_is_refused_in_the_admin_and_nothing_is_saved(staff_client):
    contribution = ContributionFactory(amount=D("1000.00"), start_date=dt.date(2024, 1, 1))
    data = edit_form(staff_client, contribution)
    data.update(
        {
            "instalments-TOTAL_FORMS": "2",
            "instalments-0-due_date": "2024-03-01",
            "instalments-0-amount": "600.00",
            "instalments-1-due_date": "2025-03-01",
            "instalments-1-amount": "500.00",
        }
    )

    response = staff_client.post(reverse("admin:grants_contribution_change", args=[contribution.pk]), data)

    assert response.status_code == 200
    assert "The pledge schedule plans USD\xa01,100.00: the amount pledged cannot be less." in response.content.decode()
    assert not PledgeInstalment.objects.exists()


def test_a_schedule_within_the_pledge_is_saved_and_the_admin_goes_to_the_record(staff_client):
    contribution = ContributionFactory(amount=D("1000.00"), start_date=dt.date(2024, 1, 1))
    data = edit_form(staff_client, contribution)
    data.update(
        {
            "instalments-TOTAL_FORMS": "1",
            "instalments-0-due_date": "2024-03-01",
            "instalments-0-amount": "600.00",
        }
    )

    response = staff_client.post(reverse("admin:grants_contribution_change", args=[contribution.pk]), data)

    assert response.status_code == 302 and response["Location"] == record_url(contribution)
    assert list(contribution.instalments.values_list("amount", flat=True)) == [D("600.00")]


def test_a_pledge_cannot_drop_below_its_schedule(staff_client, seco):
    response = staff_client.post(
        reverse("admin:grants_contribution_change", args=[seco.pk]), edit_form(staff_client, seco, amount="900.00")
    )

    assert response.status_code == 200
    assert "The pledge schedule plans USD\xa01,000.00" in response.content.decode()
    seco.refresh_from_db()
    assert seco.amount == D("1000.00")
    seco.amount = D("900.00")
    with pytest.raises(ValidationError):  # the API and the imports clean the model the same way
        seco.full_clean()


# Queries


def contribution_of_size(size: int):
    contribution = ContributionFactory(amount=D(10_000), start_date=dt.date(2020, 1, 1))
    for n in range(size):
        PledgeInstalment.objects.create(contribution=contribution, due_date=dt.date(2020, 2, n + 1), amount=D(100))
        services.contribution_receive(contribution=contribution, amount=D(50), value_date=dt.date(2020, 3, n + 1))
        project = ProjectFactory(approved_budget=D(1000), start_date=dt.date(2020, 1, 1))
        services.grant_agreement_sign(
            project=project,
            reference=f"GA-{size}-{n}",
            grantee=OrganisationFactory(),
            signed_on=dt.date(2020, 1, 2),
            signatures=both_sides(dt.date(2020, 1, 2)),
            amount=D(1000),
        )
        services.allocation_set(
            contribution=contribution, project=project, amount=D(100), allocated_on=dt.date(2020, 1, 3)
        )
        services.disbursement_record(project=project, amount=D(10), value_date=dt.date(2020, 4, 1))
    contribution.title = "Edited"
    contribution.save()
    return contribution


# The session and the user (2), the contribution (1), what the page shows of it: the contribution with its
# donor and earmarks, phases and instalments (3), receipts (1), figures (3: the rates are read even in one
# currency, so that the count never depends on the currencies), the timeline's four histories and the donor its
# creation names (5).
CONTRIBUTION_QUERIES = 15


@pytest.mark.parametrize("size", [1, 6])
def test_a_contributions_record_takes_the_same_queries_whatever_its_size(staff_client, django_assert_num_queries, size):
    contribution = contribution_of_size(size)

    with django_assert_num_queries(CONTRIBUTION_QUERIES):
        response = staff_client.get(record_url(contribution))

    doc = page(response)
    assert len(rows(doc, "schedule")) == len(rows(doc, "allocations")) == size + 2
    assert len(rows(doc, "receipts")) == size + 1
