"""The secretariat's ledger tools in the admin: pay a tranche, reverse, allocate, import, export."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from decimal import Decimal
from urllib.parse import urlencode

import openpyxl
import pytest
import tablib
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants import services
from grants.models import AccountingPeriod, Allocation, Contribution, Project, Tranche, Transaction, TransactionKind
from grants.resources import LedgerImportResource
from tests.factories import ContributionFactory, OrganisationFactory, ProjectFactory, StaffFactory, both_sides

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_project():
    project = ProjectFactory(code="CP-UGA-2014", approved_budget=Decimal("1000.00"))
    services.grant_agreement_sign(
        project=project,
        reference="GA-1",
        grantee=OrganisationFactory(name="Jinja"),
        signed_on=dt.date(2024, 1, 10),
        signatures=both_sides(dt.date(2024, 1, 10)),
        amount=Decimal("1000.00"),
        tranches=[
            services.TrancheSpec(dt.date(2024, 2, 1), Decimal("600.00")),
            services.TrancheSpec(dt.date(2024, 9, 1), Decimal("400.00"), "Inception report approved"),
        ],
    )
    project.refresh_from_db()
    return project


def test_staff_pay_a_due_tranche_in_two_clicks(staff_client, signed_project):
    tranche = Tranche.objects.get(agreement__project=signed_project, number=1)
    listing = staff_client.get(reverse("admin:grants_tranche_changelist") + "?status=due")
    pay_url = reverse("admin:grants_tranche_disburse", args=[tranche.pk])
    assert pay_url in listing.content.decode()

    form = staff_client.get(pay_url)  # click 1: "Pay"
    assert form.context["form"].initial["amount"] == Decimal("600.00")
    response = staff_client.post(  # click 2: "Record the disbursement", amount and date prefilled
        pay_url, {"amount": "600.00", "value_date": "2024-02-05", "reference": "PAY-1"}, follow=True
    )

    assert "Paid USD\xa0600.00 against Tranche 1 of GA-1" in response.content.decode()
    tranche.refresh_from_db()
    assert tranche.disbursed_total == Decimal("600.00")
    assert Transaction.objects.get(tranche=tranche).recorded_by.is_staff


def test_paying_a_tranche_whose_condition_is_not_met_is_refused_on_the_form(staff_client, signed_project):
    tranche = Tranche.objects.get(agreement__project=signed_project, number=2)

    response = staff_client.post(
        reverse("admin:grants_tranche_disburse", args=[tranche.pk]), {"amount": "400.00", "value_date": "2024-09-02"}
    )

    assert response.status_code == 200
    assert "waits for its condition: Inception report approved" in response.content.decode()
    assert not Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT).exists()


def test_staff_reverse_a_transaction_with_a_reason(staff_client, signed_project):
    payment = services.disbursement_record(
        project=signed_project, amount=Decimal("100.00"), value_date=dt.date(2024, 3, 1)
    )
    url = reverse("admin:grants_transaction_changelist")
    data = {"action": "reverse_transactions", "_selected_action": [payment.pk]}

    confirm = staff_client.post(url, data)
    assert "Reverse transactions" in confirm.content.decode()
    staff_client.post(url, {**data, "reason": "Paid twice", "value_date": "2024-03-02"}, follow=True)

    reversal = Transaction.objects.get(reverses=payment)
    assert reversal.amount == Decimal("-100.00")
    assert reversal.description == "Reversal: Paid twice"
    assert Project.objects.get(pk=signed_project.pk).disbursed_total == Decimal("0.00")


def test_transactions_cannot_be_edited_or_deleted_in_the_admin(staff_client, signed_project):
    row = Transaction.objects.get(kind=TransactionKind.COMMITMENT)
    change_url = reverse("admin:grants_transaction_change", args=[row.pk])

    page = staff_client.get(change_url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    staff_client.post(change_url, {"amount": "1.00"})
    assert staff_client.get(reverse("admin:grants_transaction_delete", args=[row.pk])).status_code == 403
    row.refresh_from_db()
    assert row.amount == Decimal("1000.00")


def test_an_over_allocation_in_the_admin_is_refused_with_a_message_and_saves_nothing(staff_client):
    contribution = ContributionFactory(reference="SECO-1", amount=Decimal("1000.00"), currency="CHF")
    first, second = ProjectFactory(), ProjectFactory()
    services.allocation_set(
        contribution=contribution, project=first, amount=Decimal("700"), allocated_on=dt.date(2024, 1, 1)
    )

    response = staff_client.post(
        reverse("admin:grants_allocation_add"),
        {"contribution": contribution.pk, "project": second.pk, "amount": "400.00", "allocated_on": "2024-02-01"},
    )

    assert response.status_code == 200
    assert "SECO-1 has CHF\xa0300.00 left to allocate." in response.content.decode()
    assert Allocation.objects.count() == 1
    assert Contribution.objects.get(pk=contribution.pk).allocated_total == Decimal("700.00")


def test_an_allocation_made_in_the_admin_updates_the_contribution(staff_client):
    contribution = ContributionFactory(amount=Decimal("1000.00"))
    project = ProjectFactory()

    response = staff_client.post(
        reverse("admin:grants_allocation_add"),
        {"contribution": contribution.pk, "project": project.pk, "amount": "250.00", "allocated_on": "2024-02-01"},
    )

    assert response.status_code == 302
    assert Contribution.objects.get(pk=contribution.pk).allocated_total == Decimal("250.00")


def test_closing_a_period_in_the_admin_refuses_later_entries_dated_inside_it(staff_client, signed_project):
    period = AccountingPeriod.objects.create(
        name="FY2024", start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 12, 31)
    )

    staff_client.post(
        reverse("admin:grants_accountingperiod_changelist"),
        {"action": "close_periods", "_selected_action": [period.pk]},
    )

    period.refresh_from_db()
    assert period.is_closed
    with pytest.raises(services.LedgerError, match="FY2024 is closed"):
        services.disbursement_record(project=signed_project, amount=Decimal("10"), value_date=dt.date(2024, 6, 1))


def ledger_rows(*rows) -> tablib.Dataset:
    dataset = tablib.Dataset(
        headers=["type", "value_date", "amount", "currency", "project", "tranche", "contribution", "reference"]
    )
    for row in rows:
        dataset.append(row)
    return dataset


def import_ledger(dataset, *, dry_run: bool):
    return LedgerImportResource().import_data(
        dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True, user=StaffFactory()
    )


def test_importing_disbursements_and_incoming_funds_records_each_row_through_the_ledger(signed_project):
    ContributionFactory(reference="SECO-1", amount=Decimal("5000"), currency="CHF")
    rows = ledger_rows(
        ["disbursement", "2024-02-03", "600.00", "USD", "CP-UGA-2014", "1", "", "PAY-1"],
        ["incoming funds", "2024-01-05", "2500.00", "CHF", "", "", "SECO-1", "IN-1"],
    )

    preview = import_ledger(rows, dry_run=True)
    assert not preview.has_errors() and not preview.has_validation_errors()
    assert Transaction.objects.filter(kind__in=[1, 3]).count() == 0  # a dry run writes nothing

    import_ledger(rows, dry_run=False)
    assert Project.objects.get(pk=signed_project.pk).disbursed_total == Decimal("600.00")
    assert Tranche.objects.get(agreement__project=signed_project, number=1).disbursed_total == Decimal("600.00")
    assert Contribution.objects.get(reference="SECO-1").received_total == Decimal("2500.00")


def test_an_import_with_one_bad_row_reports_it_and_writes_nothing(signed_project):
    rows = ledger_rows(
        ["disbursement", "2024-02-03", "600.00", "USD", "CP-UGA-2014", "1", "", "PAY-1"],
        ["disbursement", "2024-02-04", "900.00", "USD", "CP-UGA-2014", "", "", "PAY-2"],
        ["disbursement", "2024-02-05", "10.00", "EUR", "CP-UGA-2014", "", "", "PAY-3"],
        ["refund", "2024-02-05", "10.00", "USD", "CP-UGA-2014", "", "", "PAY-4"],
    )

    result = import_ledger(rows, dry_run=False)

    messages = {row.number: " ".join(row.error.messages) for row in result.invalid_rows}
    assert "has USD\xa0400.00 committed and not yet disbursed" in messages[2]
    assert "keeps its books in USD" in messages[3]
    assert messages[4] == (
        "row 4: type must be “disbursement” or “incoming funds” (or the IATI codes 3 and 1), got “refund”."
    )
    assert not Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT).exists()
    assert Project.objects.get(pk=signed_project.pk).disbursed_total == Decimal("0.00")


def test_the_admin_import_previews_row_errors_and_offers_no_confirmation(staff_client, signed_project):
    csv = "type,value_date,amount,currency,project,tranche,contribution,reference\n"
    csv += "disbursement,2024-02-03,5000.00,USD,CP-UGA-2014,,,PAY-1\n"

    response = staff_client.post(
        reverse("admin:grants_transaction_import"),
        {"format": "0", "import_file": SimpleUploadedFile("ledger.csv", csv.encode(), content_type="text/csv")},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "committed and not yet disbursed" in page
    assert "confirm_form" not in response.context
    assert not Transaction.objects.filter(kind=TransactionKind.DISBURSEMENT).exists()


@pytest.mark.parametrize(("file_format", "index"), [("csv", "0"), ("xlsx", "1")])
def test_staff_export_the_ledger_as_csv_or_xlsx(staff_client, signed_project, file_format, index):
    response = staff_client.post(
        reverse("admin:grants_transaction_export"),
        {
            "format": index,
            **{
                f"ledgerimportresource_{name}": "on"
                for name in ["kind", "value_date", "amount", "currency", "project", "reference"]
            },
        },
    )

    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if file_format == "csv":
        assert "Commitment,2024-01-10,1000.00,USD,CP-UGA-2014,GA-1" in body.decode()
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        first = list(sheet.iter_rows(values_only=True))[1]
        assert first[0] == "Commitment" and str(first[1]).startswith("2024-01-10")


def sign_form(project, **overrides):
    data = {
        "project": project.pk,
        "reference": "GA-NEW",
        "grantee": OrganisationFactory().pk,
        "signed_on": "2025-01-15",
        "amount": "900.00",
        "tranches-TOTAL_FORMS": "4",
        "tranches-INITIAL_FORMS": "0",
        "tranches-0-planned_date": "2025-02-01",
        "tranches-0-amount": "500.00",
        "tranches-1-planned_date": "2025-08-01",
        "tranches-1-amount": "400.00",
        "tranches-1-condition": "Inception report approved",
    }
    return {**data, **overrides}


def test_staff_sign_a_grant_agreement_with_its_tranches(staff_client):
    project = ProjectFactory(approved_budget=Decimal("1000.00"))

    response = staff_client.post(reverse("admin:grants_grantagreement_add"), sign_form(project), follow=True)

    assert "GA-NEW" in response.content.decode() and "awaits the signatures of both sides" in response.content.decode()
    project.refresh_from_db()
    assert project.committed_total == Decimal("900.00")
    assert list(project.agreement.tranches.values_list("amount", "condition")) == [
        (Decimal("500.00"), ""),
        (Decimal("400.00"), "Inception report approved"),
    ]
    assert Transaction.objects.get(project=project).kind == TransactionKind.COMMITMENT


def test_a_schedule_that_does_not_add_up_is_refused_and_nothing_is_signed(staff_client):
    project = ProjectFactory(approved_budget=Decimal("1000.00"))

    response = staff_client.post(
        reverse("admin:grants_grantagreement_add"), sign_form(project, **{"tranches-1-amount": "300.00"})
    )

    assert response.status_code == 200
    assert "The tranches add up to USD\xa0800.00 but the agreement commits USD\xa0900.00." in response.content.decode()
    project.refresh_from_db()
    assert project.committed_total == Decimal("0.00")
    assert not Transaction.objects.exists() and not Tranche.objects.exists()


def test_staff_load_exchange_rates_from_a_csv_file_in_the_admin(staff_client):
    csv = (
        "currency,quote_currency,date,rate,source\n"
        "CHF,USD,2024-01-02,1.1712,Central bank\n"
        "SEK,USD,2024-01-02,0.0991,Central bank\n"
    )
    upload = SimpleUploadedFile("rates.csv", csv.encode(), content_type="text/csv")

    preview = staff_client.post(reverse("admin:grants_exchangerate_import"), {"format": "0", "import_file": upload})
    confirm = preview.context["confirm_form"]
    staff_client.post(reverse("admin:grants_exchangerate_process_import"), confirm.initial)

    assert services_convert(Decimal("100"), "CHF", dt.date(2024, 3, 1)) == Decimal("117.12")
    assert services_convert(Decimal("1000"), "SEK", dt.date(2024, 1, 2)) == Decimal("99.10")


def services_convert(amount, currency, on):
    from grants.currency import convert

    return convert(amount, currency=currency, to="USD", on=on).amount


def test_the_history_of_a_contribution_shows_who_changed_what(client):
    staff = StaffFactory(email="officer@example.org", full_name="Finance Officer")
    client.force_login(staff)
    contribution = ContributionFactory(reference="SECO-1", title="First title")
    change_url = reverse("admin:grants_contribution_change", args=[contribution.pk])
    form = client.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        donor=contribution.donor.pk,
        title="Corrected title",
        amount="1000000.00",
        start_date="2018-01-01",
        end_date="2021-12-31",
        **{"phases-TOTAL_FORMS": "0", "phases-INITIAL_FORMS": "0"},
        **{"instalments-TOTAL_FORMS": "0", "instalments-INITIAL_FORMS": "0"},
    )
    data.pop("contract_partner", None)
    data.pop("earmarked_window", None)
    data.pop("earmarked_facility", None)

    response = client.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors

    history = client.get(reverse("admin:grants_contribution_history", args=[contribution.pk])).content.decode()
    assert "Finance Officer" in history
    assert contribution.history.first().title == "Corrected title"
    assert contribution.history.first().history_user == staff


def test_the_transaction_list_lets_a_provider_be_found_by_typing_rather_than_listing_every_organisation(
    client, signed_project
):
    from members.roles import FINANCE_OFFICER
    from tests.factories import staff_in_role

    donor = OrganisationFactory(name="Swiss State Secretariat for Economic Affairs")
    unrelated = [OrganisationFactory(name=f"Unrelated body {n}") for n in range(5)]
    services.contribution_receive(
        contribution=ContributionFactory(donor=donor, currency="CHF", amount=Decimal("500.00")),
        amount=Decimal("500.00"),
        value_date=dt.date(2024, 2, 1),
    )
    client.force_login(staff_in_role(FINANCE_OFFICER))
    url = reverse("admin:grants_transaction_changelist")

    whole = client.get(url).content.decode()
    assert 'data-filter-parameter="provider__id__exact"' in whole
    assert all(body.name not in whole for body in [donor, *unrelated])

    filtered = client.get(url, {"provider__id__exact": donor.pk}).content.decode()
    assert f'<option value="{donor.pk}" selected>{donor.name}</option>' in filtered
    assert "500.00" in filtered and "1,000.00" not in filtered

    found = client.get(
        reverse("admin:autocomplete"),
        {"term": "Swiss", "app_label": "grants", "model_name": "transaction", "field_name": "provider"},
    ).json()
    assert [row["text"] for row in found["results"]] == [donor.name]


def test_a_provider_filter_on_a_missing_or_malformed_organisation_lists_nothing_and_answers(staff_client):
    url = reverse("admin:grants_transaction_changelist")

    assert staff_client.get(url, {"provider__id__exact": "999999"}).status_code == 200
    malformed = staff_client.get(url, {"provider__id__exact": "abc"})
    assert malformed.status_code == 302 and malformed["Location"] == f"{url}?e=1"  # the admin's "bad filter" answer


def _drill_down_links(page: str, parameter: str) -> list[str]:
    """The values of the date drill-down's links, as the list shows them."""
    import re

    return re.findall(rf'<a href="\?[^"]*{parameter}=(\d+)[^"]*"', page)


def test_the_ledgers_date_drill_down_lists_the_years_and_months_its_filtered_rows_have(staff_client, signed_project):
    """Walked from the index rather than read from every row: the same links, no year without a row."""
    for value_date in (dt.date(2024, 2, 5), dt.date(2024, 4, 1), dt.date(2026, 3, 2)):
        services.disbursement_record(project=signed_project, amount=Decimal("10.00"), value_date=value_date)
    services.expenditure_record(project=signed_project, amount=Decimal("5.00"), value_date=dt.date(2025, 6, 1))
    url = reverse("admin:grants_transaction_changelist")

    disbursements = staff_client.get(url, {"kind__exact": TransactionKind.DISBURSEMENT}).content.decode()
    every_kind = staff_client.get(url).content.decode()
    months = staff_client.get(url, {"kind__exact": TransactionKind.DISBURSEMENT, "value_date__year": "2024"})

    assert _drill_down_links(disbursements, "value_date__year") == ["2024", "2026"]  # no 2025: only an expenditure
    assert _drill_down_links(every_kind, "value_date__year") == ["2024", "2025", "2026"]
    assert _drill_down_links(months.content.decode(), "value_date__month") == ["2", "4"]


def test_the_drill_down_is_read_once_for_a_search_and_again_after_a_payment_in_a_new_year(staff_client, signed_project):
    """Its first and last dates and its years are kept like the list's count: a second visit reads neither, and a
    payment recorded since shows its year at once."""
    services.disbursement_record(project=signed_project, amount=Decimal("10.00"), value_date=dt.date(2024, 2, 5))
    services.disbursement_record(project=signed_project, amount=Decimal("10.00"), value_date=dt.date(2025, 3, 1))
    url = reverse("admin:grants_transaction_changelist")
    searched = {"q": "cp-uga", "kind__exact": TransactionKind.DISBURSEMENT}
    staff_client.get(url, searched)

    with CaptureQueriesContext(connection) as again:
        page = staff_client.get(url, searched).content.decode()
    sql = [query["sql"] for query in again.captured_queries]  # read now: the next request empties the log
    services.disbursement_record(project=signed_project, amount=Decimal("10.00"), value_date=dt.date(2026, 1, 9))
    after_payment = staff_client.get(url, searched).content.decode()

    assert _drill_down_links(page, "value_date__year") == ["2024", "2025"]
    assert sql and not any("UNION" in query for query in sql)
    assert all('SUM("grants_transaction"."amount")' in query for query in sql if "MIN(" in query)  # with the totals
    assert _drill_down_links(after_payment, "value_date__year") == ["2024", "2025", "2026"]


def test_the_drill_downs_first_and_last_dates_are_read_in_the_same_pass_as_the_lists_totals(
    staff_client, signed_project
):
    """Read apart, they were a second pass over the selection each time a change made the list be read again."""
    for value_date in (dt.date(2023, 5, 1), dt.date(2023, 9, 30)):
        services.disbursement_record(project=signed_project, amount=Decimal("10.00"), value_date=value_date)
    url = reverse("admin:grants_transaction_changelist")

    with CaptureQueriesContext(connection) as read:
        page = staff_client.get(url, {"kind__exact": TransactionKind.DISBURSEMENT}).content.decode()

    sql = [query["sql"] for query in read.captured_queries]
    bounds = [query for query in sql if 'MIN("grants_transaction"."value_date")' in query]
    assert len(bounds) == 1 and 'SUM("grants_transaction"."amount")' in bounds[0]
    assert not any('"value_date" ASC LIMIT 1' in query for query in sql)  # no walk of the date's index apart
    # One year, from May to September: the list opens on that year's months, as Django's drill-down does.
    assert _drill_down_links(page, "value_date__month") == ["5", "9"]


def test_a_ledger_of_one_year_opens_on_that_year(staff_client, signed_project):
    services.disbursement_record(project=signed_project, amount=Decimal("10.00"), value_date=dt.date(2024, 2, 5))
    services.disbursement_record(project=signed_project, amount=Decimal("10.00"), value_date=dt.date(2024, 4, 1))

    page = staff_client.get(reverse("admin:grants_transaction_changelist")).content.decode()

    # As Django does: one year, its months at once (January: the commitment made when the agreement was signed).
    assert _drill_down_links(page, "value_date__month") == ["1", "2", "4"]


def test_the_ledger_lists_fifty_rows_a_page_each_labelled_with_its_kind_amount_and_date(staff_client, signed_project):
    for day in range(1, 52):  # the signed commitment and 51 payments
        services.disbursement_record(
            project=signed_project, amount=Decimal("10.00"), value_date=dt.date(2024, 1, 1) + dt.timedelta(days=day)
        )
    url = reverse("admin:grants_transaction_changelist")

    first = staff_client.get(url).content.decode()
    second = staff_client.get(url, {"p": 2}).content.decode()

    assert first.count('class="action-select"') == 50 and second.count('class="action-select"') == 2
    assert "52 transactions" in first
    assert 'aria-label="Select this object for an action - Disbursement 10.00 USD (2024-02-21)"' in first


def test_a_rows_link_carries_the_lists_filters_as_djangos_own_would(staff_client, signed_project):
    payment = services.disbursement_record(
        project=signed_project, amount=Decimal("10.00"), value_date=dt.date(2024, 2, 1)
    )
    url = reverse("admin:grants_transaction_changelist")

    filters = {"kind__exact": TransactionKind.DISBURSEMENT, "q": signed_project.code, "o": "-1"}
    page = staff_client.get(url, filters).content.decode()

    (link,) = set(re.findall(rf'href="([^"]*/{payment.pk}/[^"]*)"', page))
    address = html.unescape(link)
    preserved = urlencode({"_changelist_filters": urlencode(filters)})
    expected = add_preserved_filters({"preserved_filters": preserved, "opts": Transaction._meta}, address.split("?")[0])
    assert address == expected
    assert staff_client.get(address).status_code == 200
