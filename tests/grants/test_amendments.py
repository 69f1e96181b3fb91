"""Amendments of a signed agreement: each kind applied in one transaction (budget lines, end date and the reports
owed, more money committed with its tranches, the IATI budgets), the refusals, every door (portal, admin, API),
and the versions of the agreement kept and shown side by side."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.formats import date_format
from lxml import etree

from grants.models import (
    AgreementVersion,
    Amendment,
    AmendmentKind,
    AmendmentStatus,
    GrantBudgetLine,
    PartnerRole,
    Project,
    Transaction,
    TransactionKind,
)
from grants.services import BudgetLineInput, TrancheSpec, allocation_set, contribution_receive
from grants.services.amendments import (
    AmendmentError,
    AmendmentTerms,
    amendment_approve,
    amendment_decline,
    amendment_request,
    amendment_withdraw,
)
from members.roles import FINANCE_OFFICER, GRANTS_COMMITTEE, PROGRAMME_OFFICER
from results.models import ReportingPeriod, ReportKind
from tests.factories import (
    ContributionFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    PartnerUserFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    ReportingPeriodFactory,
    staff_in_role,
)

pytestmark = pytest.mark.django_db

K = AmendmentKind
S = AmendmentStatus
NOW = dt.datetime(2021, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _in_2021():
    with time_machine.travel(NOW, tick=False):
        yield


def lines(*amounts: str) -> list[BudgetLineInput]:
    categories = ["staff", "travel", "equipment", "other"]
    return [BudgetLineInput(categories[i], Decimal(a), f"Line {i + 1}") for i, a in enumerate(amounts)]


@pytest.fixture
def agreement():
    project = ProjectFactory(code="PRJ-AMEND", end_date=dt.date(2022, 12, 31))
    grantee = ProjectPartnerFactory(project=project, role=PartnerRole.ACCOUNTABLE).organisation
    signed = GrantAgreementFactory(
        project=project,
        grantee=grantee,
        amount=Decimal("100000.00"),
        tranches=[
            TrancheSpec(dt.date(2019, 3, 1), Decimal("60000")),
            TrancheSpec(dt.date(2020, 3, 1), Decimal("40000")),
        ],
        budget_lines=lines("70000", "30000"),
    )
    # The fund received 150 000 and commits 100 000 of it: 50 000 is free.
    contribution_receive(
        contribution=ContributionFactory(amount=Decimal("500000")),
        amount=Decimal("150000"),
        value_date=dt.date(2019, 1, 5),
    )
    return signed


@pytest.fixture
def partner(agreement):
    return PartnerUserFactory(organisation=agreement.grantee)


@pytest.fixture
def committee():
    return staff_in_role(GRANTS_COMMITTEE)


@pytest.fixture
def officer():
    return staff_in_role(PROGRAMME_OFFICER)


def request(agreement, user, **terms) -> Amendment:
    terms.setdefault("reason", "Prices went up.")
    return amendment_request(agreement=agreement, user=user, terms=AmendmentTerms(**terms))


def cost_extension(agreement, user, amount="20000", **more) -> Amendment:
    more.setdefault("budget_lines", lines("80000", "40000"))
    more.setdefault("tranches", [TrancheSpec(dt.date(2021, 9, 1), Decimal(amount))])
    return request(agreement, user, kind=K.COST_EXTENSION, additional_amount=Decimal(amount), **more)


# The service: each kind applied


def test_a_budget_revision_replaces_the_lines_and_keeps_a_new_version(agreement, partner, committee):
    kept = GrantBudgetLine.objects.get(agreement=agreement, category="staff").pk
    amendment = request(agreement, partner, kind=K.BUDGET_REVISION, budget_lines=lines("50000", "45000", "5000"))
    assert amendment.number == 1 and amendment.by_partner and amendment.status == S.REQUESTED
    amendment_approve(amendment=amendment, user=committee)
    amendment.refresh_from_db()
    assert amendment.status == S.APPROVED and amendment.decided_by == committee
    assert [line.amount for line in GrantBudgetLine.objects.filter(agreement=agreement).order_by("order")] == [
        Decimal("50000"),
        Decimal("45000"),
        Decimal("5000"),
    ]
    assert GrantBudgetLine.objects.get(agreement=agreement, category="staff").pk == kept  # what reports link to stays
    versions = list(AgreementVersion.objects.filter(agreement=agreement).order_by("number"))
    assert [v.number for v in versions] == [1, 2] and versions[1].amendment == amendment
    assert [line["amount"] for line in versions[0].terms["budget_lines"]] == ["70000.00", "30000.00"]
    assert [line["amount"] for line in versions[1].terms["budget_lines"]] == ["50000.00", "45000.00", "5000.00"]
    assert list(amendment.transitions.values_list("from_status", "to_status", "by")) == [
        (S.REQUESTED, S.APPROVED, committee.pk)
    ]


def test_a_no_cost_extension_moves_the_end_and_the_reports_owed_cover_it(agreement, partner, committee):
    project = agreement.project
    ReportingPeriodFactory(project=project, start_date=dt.date(2019, 1, 1), end_date=dt.date(2021, 12, 31))
    final = ReportingPeriodFactory(
        project=project, start_date=dt.date(2022, 1, 1), end_date=dt.date(2022, 12, 31), due_date=dt.date(2023, 2, 28)
    )
    ReportingPeriodFactory(
        project=project,
        kind=ReportKind.FINANCIAL,
        start_date=dt.date(2019, 1, 1),
        end_date=dt.date(2022, 12, 31),
        due_date=dt.date(2023, 1, 31),
    )
    amendment = request(agreement, partner, kind=K.NO_COST_EXTENSION, new_end_date=dt.date(2023, 6, 30))
    amendment_approve(amendment=amendment, user=committee)
    project.refresh_from_db()
    final.refresh_from_db()
    assert project.end_date == dt.date(2023, 6, 30)
    assert (final.end_date, final.due_date) == (dt.date(2023, 6, 30), dt.date(2023, 8, 28))
    financial = ReportingPeriod.objects.get(project=project, kind=ReportKind.FINANCIAL)
    assert (financial.end_date, financial.due_date) == (dt.date(2023, 6, 30), dt.date(2023, 7, 31))
    assert [t.planned_date for t in agreement.tranches.order_by("number")] == [dt.date(2019, 3, 1), dt.date(2020, 3, 1)]
    version = AgreementVersion.objects.get(agreement=agreement, number=2)
    assert version.terms["end_date"] == "2023-06-30"
    assert (
        not Transaction.objects.filter(project=project, kind=TransactionKind.COMMITMENT)
        .exclude(description="Grant agreement signed")
        .exists()
    )


def test_a_period_whose_report_is_started_stays_and_a_new_one_covers_the_extension(agreement, partner, committee):
    from results.services import report_start

    period = ReportingPeriodFactory(
        project=agreement.project,
        start_date=dt.date(2022, 1, 1),
        end_date=dt.date(2022, 12, 31),
        due_date=dt.date(2023, 1, 31),
    )
    report_start(period=period, user=partner)
    amendment_approve(
        amendment=request(agreement, partner, kind=K.NO_COST_EXTENSION, new_end_date=dt.date(2023, 3, 31)),
        user=committee,
    )
    periods = list(ReportingPeriod.objects.filter(project=agreement.project).order_by("start_date"))
    assert [(p.start_date, p.end_date, p.due_date) for p in periods] == [
        (dt.date(2022, 1, 1), dt.date(2022, 12, 31), dt.date(2023, 1, 31)),
        (dt.date(2023, 1, 1), dt.date(2023, 3, 31), dt.date(2023, 5, 1)),
    ]


def test_a_cost_extension_commits_more_with_its_tranches_and_raises_every_total(agreement, officer, committee):
    amendment = cost_extension(agreement, officer, "20000", new_end_date=dt.date(2023, 3, 31))
    assert not amendment.by_partner
    amendment_approve(amendment=amendment, user=committee)
    agreement.refresh_from_db()
    project = Project.objects.get(pk=agreement.project_id)
    assert agreement.amount == Decimal("120000.00")
    assert (project.approved_budget, project.committed_total) == (Decimal("270000.00"), Decimal("120000.00"))
    assert project.end_date == dt.date(2023, 3, 31)
    row = Transaction.objects.filter(project=project, kind=TransactionKind.COMMITMENT).latest("pk")
    assert (row.amount, row.value_date, row.recorded_by, row.receiver) == (
        Decimal("20000.00"),
        dt.date(2021, 3, 10),
        committee,
        agreement.grantee,
    )
    assert [(t.number, t.planned_date, t.amount) for t in agreement.tranches.order_by("number")] == [
        (1, dt.date(2019, 3, 1), Decimal("60000.00")),
        (2, dt.date(2020, 3, 1), Decimal("40000.00")),
        (3, dt.date(2021, 9, 1), Decimal("20000.00")),
    ]
    assert sum(line.amount for line in agreement.budget_lines.all()) == Decimal("120000")
    terms = AgreementVersion.objects.get(agreement=agreement, number=2).terms
    assert terms["amount"] == "120000.00" and len(terms["tranches"]) == 3


def test_the_iati_budgets_follow_the_amended_figures(agreement, officer, committee, client):
    def budgets():
        response = client.get(reverse("opendata:activity", args=[agreement.project.code]))
        document = etree.fromstring(b"".join(response.streaming_content) if response.streaming else response.content)
        return [
            (b.get("type"), b.find("period-start").get("iso-date"), b.findtext("value"))
            for b in document.iter("budget")
        ]

    assert budgets() == [("1", "2019-01-01", "60000.00"), ("1", "2020-01-01", "40000.00")]
    amendment_approve(amendment=cost_extension(agreement, officer, "20000"), user=committee)
    assert budgets() == [
        ("2", "2019-01-01", "60000.00"),
        ("2", "2020-01-01", "40000.00"),
        ("2", "2021-01-01", "20000.00"),
    ]


# Refusals: nothing changes


@pytest.mark.parametrize(
    ("terms", "field", "message"),
    [
        ({"kind": K.BUDGET_REVISION, "budget_lines": lines("70000", "20000")}, "budget_lines", "add up to USD"),
        ({"kind": K.BUDGET_REVISION, "budget_lines": []}, "budget_lines", "Give the revised budget lines."),
        ({"kind": K.BUDGET_REVISION, "budget_lines": lines("100000"), "reason": " "}, "reason", "Say why"),
        ({"kind": K.NO_COST_EXTENSION, "new_end_date": dt.date(2022, 6, 30)}, "new_end_date", "after the current end"),
        ({"kind": K.NO_COST_EXTENSION}, "new_end_date", "Give the new end date."),
        (
            {
                "kind": K.COST_EXTENSION,
                "additional_amount": Decimal("60000"),
                "budget_lines": lines("100000", "60000"),
                "tranches": [TrancheSpec(dt.date(2021, 9, 1), Decimal("60000"))],
            },
            "additional_amount",
            "received and not yet committed",
        ),
        (
            {
                "kind": K.COST_EXTENSION,
                "additional_amount": Decimal("20000"),
                "budget_lines": lines("70000", "30000"),
                "tranches": [TrancheSpec(dt.date(2021, 9, 1), Decimal("20000"))],
            },
            "budget_lines",
            "add up to",
        ),
        (
            {
                "kind": K.COST_EXTENSION,
                "additional_amount": Decimal("20000"),
                "budget_lines": lines("90000", "30000"),
                "tranches": [TrancheSpec(dt.date(2021, 9, 1), Decimal("10000"))],
            },
            "tranches",
            "tranches add up to",
        ),
    ],
)
def test_a_request_that_cannot_apply_is_refused_and_nothing_is_written(agreement, partner, terms, field, message):
    terms.setdefault("reason", "Because.")
    with pytest.raises(AmendmentError) as refusal:
        amendment_request(agreement=agreement, user=partner, terms=AmendmentTerms(**terms))
    assert refusal.value.field == field and message in refusal.value.message
    assert not Amendment.objects.exists()


def test_the_fund_balance_counts_what_was_received_less_what_is_committed(agreement, officer, committee):
    from grants.selectors.ledger import fund_unallocated_balance

    assert fund_unallocated_balance(currency="USD") == Decimal("50000")
    assert fund_unallocated_balance(currency="EUR") == Decimal("0")
    allocation_set(
        contribution=ContributionFactory(),
        project=agreement.project,
        amount=Decimal("1000"),
        allocated_on=dt.date(2019, 1, 1),
    )
    assert fund_unallocated_balance(currency="USD") == Decimal("50000")
    amendment_approve(
        amendment=cost_extension(agreement, officer, "50000", budget_lines=lines("100000", "50000")), user=committee
    )
    assert fund_unallocated_balance(currency="USD") == Decimal("0")


def test_a_cost_extension_is_checked_again_when_approved(agreement, officer, committee):
    amendment = cost_extension(agreement, officer, "20000")
    other = GrantAgreementFactory(project=ProjectFactory(), amount=Decimal("40000"))
    with pytest.raises(AmendmentError, match="received and not yet committed"):
        amendment_approve(amendment=amendment, user=committee)
    amendment.refresh_from_db()
    agreement.refresh_from_db()
    assert amendment.status == S.REQUESTED and agreement.amount == Decimal("100000")
    assert not amendment.transitions.exists()
    assert other.amount == Decimal("40000")


def test_the_member_who_requested_it_cannot_approve_it(agreement, committee):
    amendment = request(agreement, committee, kind=K.BUDGET_REVISION, budget_lines=lines("60000", "40000"))
    with pytest.raises(AmendmentError, match="another member of the committee decides it"):
        amendment_approve(amendment=amendment, user=committee)
    assert Amendment.objects.get().status == S.REQUESTED


def test_an_amendment_is_decided_once(agreement, partner, committee):
    amendment = request(agreement, partner, kind=K.BUDGET_REVISION, budget_lines=lines("60000", "40000"))
    amendment_approve(amendment=amendment, user=committee)
    with pytest.raises(AmendmentError, match="An amendment that is approved cannot be"):
        amendment_approve(amendment=amendment, user=staff_in_role(GRANTS_COMMITTEE))
    with pytest.raises(AmendmentError, match="approved cannot be declined"):
        amendment_decline(amendment=amendment, user=committee, reason="No.")
    assert AgreementVersion.objects.filter(agreement=agreement).count() == 2


def test_staff_are_told_of_a_request_and_the_partner_of_the_decision_with_its_reason(
    agreement, partner, committee, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        amendment = request(agreement, partner, kind=K.NO_COST_EXTENSION, new_end_date=dt.date(2023, 6, 30))
    assert {m.subject for m in mail.outbox} == {"Amendment requested: " + agreement.reference}
    assert committee.email in [m.to[0] for m in mail.outbox]
    mail.outbox.clear()
    with pytest.raises(AmendmentError, match="Say why"):
        amendment_decline(amendment=amendment, user=committee, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        amendment_decline(amendment=amendment, user=committee, reason="The results do not justify it.")
    assert Amendment.objects.get().decision_reason == "The results do not justify it."
    assert [m.to for m in mail.outbox] == [[partner.email]]
    assert "The results do not justify it." in mail.outbox[0].body
    assert Project.objects.get(pk=agreement.project_id).end_date == dt.date(2022, 12, 31)


def test_only_the_requester_withdraws_and_only_one_request_waits_at_a_time(agreement, partner, officer, committee):
    amendment = request(agreement, partner, kind=K.NO_COST_EXTENSION, new_end_date=dt.date(2023, 6, 30))
    with pytest.raises(AmendmentError, match="already waiting for a decision"):
        request(agreement, officer, kind=K.NO_COST_EXTENSION, new_end_date=dt.date(2023, 6, 30))
    with pytest.raises(AmendmentError, match="cannot be withdrawn"):
        amendment_withdraw(amendment=amendment, user=officer)
    amendment_withdraw(amendment=amendment, user=PartnerUserFactory(organisation=agreement.grantee))
    assert Amendment.objects.get().status == S.WITHDRAWN
    second = request(agreement, officer, kind=K.NO_COST_EXTENSION, new_end_date=dt.date(2023, 6, 30))
    assert second.number == 2
    with pytest.raises(AmendmentError, match="cannot be withdrawn"):
        amendment_withdraw(amendment=second, user=partner)


def test_someone_else_may_not_request(agreement):
    for user in (PartnerUserFactory(organisation=OrganisationFactory()), staff_in_role(FINANCE_OFFICER)):
        with pytest.raises(AmendmentError, match="You may not request"):
            request(agreement, user, kind=K.NO_COST_EXTENSION, new_end_date=dt.date(2023, 6, 30))


def test_the_database_refuses_money_on_a_kind_that_adds_none(agreement, partner):
    amendment = request(agreement, partner, kind=K.BUDGET_REVISION, budget_lines=lines("60000", "40000"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Amendment.objects.filter(pk=amendment.pk).update(additional_amount=Decimal("5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Amendment.objects.filter(pk=amendment.pk).update(kind=K.COST_EXTENSION)


# The portal: the grantee's partners


def test_the_partner_requests_a_budget_revision_in_the_portal_and_sees_its_status(client, agreement, partner):
    client.force_login(partner)
    assert "Agreement and amendments" in client.get(reverse("grants:dashboard")).content.decode()
    url = reverse("grants:amendment-new", args=[agreement.project.code, K.BUDGET_REVISION])
    page = client.get(url).content.decode()
    assert 'value="70000.00"' in page and "The lines add up to the current amount" in page
    form = {
        "reason": "Less travel, more staff.",
        "budget-TOTAL_FORMS": "2",
        "budget-INITIAL_FORMS": "0",
        "budget-0-category": "staff",
        "budget-0-amount": "80000",
        "budget-1-category": "travel",
        "budget-1-amount": "10000",
    }
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "The budget lines add up to USD\xa090,000.00 but the agreement commits USD\xa0100,000.00." in (
        refused.content.decode()
    )
    assert not Amendment.objects.exists()
    response = client.post(url, {**form, "budget-1-amount": "20000"}, follow=True)
    page = response.content.decode()
    assert "Your request is sent" in page and "Amendment 1: Budget revision" in page and "Requested" in page
    amendment = Amendment.objects.get()
    assert amendment.by_partner and [line.amount for line in amendment.budget_lines.all()] == [
        Decimal("80000"),
        Decimal("20000"),
    ]
    response = client.post(reverse("grants:amendment-withdraw", args=[amendment.pk]), follow=True)
    assert "Your request is withdrawn." in response.content.decode()
    assert Amendment.objects.get().status == S.WITHDRAWN


def test_the_partner_asks_for_a_no_cost_extension_and_reads_the_versions_side_by_side(
    client, agreement, partner, committee
):
    client.force_login(partner)
    url = reverse("grants:amendment-new", args=[agreement.project.code, K.NO_COST_EXTENSION])
    refused = client.post(url, {"reason": "Elections.", "new_end_date": "2022-06-30"})
    assert "The new end date must be after the current end, 2022-12-31." in refused.content.decode()
    client.post(url, {"reason": "Elections.", "new_end_date": "2023-06-30"})
    amendment_approve(amendment=Amendment.objects.get(), user=committee)
    page = client.get(reverse("grants:versions", args=[agreement.project.code])).content.decode()
    assert "Version 1" in page and "Version 2" in page and "Amendment 1: No-cost extension" in page
    assert re.findall(r'<td class="changed" data-changed="true"><mark>([^<]*)</mark>', page) == [
        date_format(dt.date(2023, 6, 30))
    ]


def test_a_partner_of_another_organisation_finds_nothing(client, agreement, partner):
    amendment = request(agreement, partner, kind=K.NO_COST_EXTENSION, new_end_date=dt.date(2023, 6, 30))
    client.force_login(PartnerUserFactory(organisation=OrganisationFactory()))
    code = agreement.project.code
    for url in (
        reverse("grants:amendments", args=[code]),
        reverse("grants:amendment-new", args=[code, K.BUDGET_REVISION]),
        reverse("grants:versions", args=[code]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("grants:amendment-withdraw", args=[amendment.pk])).status_code == 404
    assert Amendment.objects.get().status == S.REQUESTED


def test_the_portal_list_of_amendments_takes_the_same_queries_however_many(
    client, agreement, partner, committee, django_assert_max_num_queries
):
    client.force_login(partner)
    url = reverse("grants:amendments", args=[agreement.project.code])
    for end in (dt.date(2023, 1, 31), dt.date(2023, 2, 28), dt.date(2023, 3, 31)):
        amendment_approve(
            amendment=request(agreement, partner, kind=K.NO_COST_EXTENSION, new_end_date=end), user=committee
        )
    with django_assert_max_num_queries(16):
        page = client.get(url).content.decode()
    assert page.count('data-amendment="') == 3


# The admin: the record page, the decision, the versions, the work queue


def test_staff_request_in_the_admin_and_another_member_of_the_committee_approves(client, agreement, officer, committee):
    client.force_login(officer)
    url = reverse("admin:grants_amendment_request", args=[agreement.pk]) + "?kind=no_cost_extension"
    response = client.post(url, {"kind": "no_cost_extension", "reason": "Flooding.", "new_end_date": "2023-03-31"})
    assert response.status_code == 302
    amendment = Amendment.objects.get()
    assert not amendment.by_partner and amendment.requested_by == officer
    record = client.get(reverse("admin:grants_project_record", args=[agreement.project_id])).content.decode()
    assert 'data-table="amendments"' in record and "Flooding." in record and "Requested" in record
    assert client.get(reverse("admin:grants_amendment_decide", args=[amendment.pk])).status_code == 403

    client.force_login(committee)
    queue = client.get(reverse("admin:index")).content.decode()
    assert "Amendments to decide" in queue
    decide = reverse("admin:grants_amendment_decide", args=[amendment.pk])
    refused = client.post(decide, {"decline": "1", "reason": ""})
    assert "Say why the amendment is declined" in refused.content.decode()
    client.post(decide, {"approve": "1", "reason": "Justified."})
    assert Amendment.objects.get().status == S.APPROVED
    assert Project.objects.get(pk=agreement.project_id).end_date == dt.date(2023, 3, 31)
    versions = client.get(reverse("admin:grants_amendment_versions", args=[agreement.pk])).content.decode()
    assert "Version 2" in versions and versions.count('data-changed="true"') == 1


def test_a_committee_member_is_told_on_the_page_not_to_decide_their_own_request(client, agreement, committee):
    client.force_login(committee)
    client.post(
        reverse("admin:grants_amendment_request", args=[agreement.pk]),
        {"kind": "no_cost_extension", "reason": "Flooding.", "new_end_date": "2023-03-31"},
    )
    decide = reverse("admin:grants_amendment_decide", args=[Amendment.objects.get().pk])
    response = client.post(decide, {"approve": "1"})
    assert "another member of the committee decides it" in response.content.decode()
    assert Amendment.objects.get().status == S.REQUESTED


def test_the_admin_list_of_amendments_takes_the_same_queries_however_many(
    client, agreement, partner, committee, django_assert_max_num_queries
):
    for end in (dt.date(2023, 1, 31), dt.date(2023, 2, 28), dt.date(2023, 3, 31)):
        amendment_approve(
            amendment=request(agreement, partner, kind=K.NO_COST_EXTENSION, new_end_date=end), user=committee
        )
    client.force_login(committee)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("admin:grants_amendment_changelist")).content.decode()
    assert page.count("Amendment 3 of") == 1
    with django_assert_max_num_queries(60):
        client.get(reverse("admin:grants_project_record", args=[agreement.project_id]))


# The API


def test_the_api_requests_lists_and_decides_with_a_permission_per_act(agreement, partner, officer, committee):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(partner)
    body = {
        "agreement": agreement.pk,
        "kind": "cost_extension",
        "reason": "A second city joins.",
        "additional_amount": "20000.00",
        "budget_lines": [{"category": "staff", "amount": "90000"}, {"category": "travel", "amount": "10000"}],
        "tranches": [{"planned_date": "2021-09-01", "percentage": "100"}],
    }
    refused = api.post("/api/v1/amendments/", body, format="json")
    assert refused.status_code == 400 and "add up to" in str(refused.data)
    body["budget_lines"][1]["amount"] = "30000"
    created = api.post("/api/v1/amendments/", body, format="json")
    assert created.status_code == 201, created.data
    assert created.data["status"] == "requested" and created.data["tranches"][0]["amount"] == "20000.00"
    pk = created.data["id"]
    assert api.post(f"/api/v1/amendments/{pk}/approve/", {}, format="json").status_code == 403

    stranger = APIClient()
    stranger.force_authenticate(PartnerUserFactory(organisation=OrganisationFactory()))
    assert stranger.get("/api/v1/amendments/").data["results"] == []
    assert stranger.get(f"/api/v1/amendments/{pk}/").status_code == 404

    api.force_authenticate(officer)
    assert len(api.get("/api/v1/amendments/").data["results"]) == 1
    assert api.post(f"/api/v1/amendments/{pk}/approve/", {}, format="json").status_code == 403
    api.force_authenticate(committee)
    approved = api.post(f"/api/v1/amendments/{pk}/approve/", {"reason": "Yes."}, format="json")
    assert approved.status_code == 200 and approved.data["status"] == "approved"
    again = api.post(f"/api/v1/amendments/{pk}/decline/", {"reason": "No."}, format="json")
    assert again.status_code == 400
    agreement.refresh_from_db()
    assert agreement.amount == Decimal("120000.00")


def test_the_api_list_takes_the_same_queries_however_many(agreement, partner, committee, django_assert_max_num_queries):
    from rest_framework.test import APIClient

    for end in (dt.date(2023, 1, 31), dt.date(2023, 2, 28), dt.date(2023, 3, 31)):
        amendment_approve(
            amendment=request(agreement, partner, kind=K.NO_COST_EXTENSION, new_end_date=end), user=committee
        )
    api = APIClient()
    api.force_authenticate(partner)
    with django_assert_max_num_queries(12):
        assert len(api.get("/api/v1/amendments/").data["results"]) == 3


# Roles


def test_who_may_do_what(agreement):
    officer, finance, committee = (staff_in_role(r) for r in (PROGRAMME_OFFICER, FINANCE_OFFICER, GRANTS_COMMITTEE))
    assert officer.has_perm("grants.add_amendment") and not officer.has_perm("grants.decide_amendment")
    assert not finance.has_perm("grants.add_amendment") and finance.has_perm("grants.view_amendment")
    assert committee.has_perm("grants.add_amendment") and committee.has_perm("grants.decide_amendment")


def test_a_closed_project_takes_no_amendment(agreement, partner, committee):
    """Closing locks the ledger, and an amendment's approval goes through the same lock."""
    from grants.models import Closeout, CloseoutStatus
    from grants.services import LedgerError

    amendment = request(agreement, partner, kind=K.NO_COST_EXTENSION, new_end_date=dt.date(2023, 6, 30))
    closed = {"status": CloseoutStatus.CLOSED, "closed_at": NOW}
    Closeout.objects.update_or_create(project=agreement.project, defaults=closed)

    with pytest.raises(LedgerError) as refusal:
        amendment_approve(amendment=amendment, user=committee)

    assert "PRJ-AMEND is closed" in refusal.value.message
    amendment.refresh_from_db()
    agreement.project.refresh_from_db()
    assert amendment.status == S.REQUESTED and agreement.project.end_date == dt.date(2022, 12, 31)
