"""Bank accounts on file: a valid IBAN or account number with a valid BIC, or a clear refusal."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from members.models import BankAccount
from tests.factories import BankAccountFactory, OrganisationFactory, StaffFactory

pytestmark = pytest.mark.django_db


def refusal(**fields) -> dict[str, list[str]]:
    account = BankAccountFactory.build(organisation=OrganisationFactory(), **fields)
    with pytest.raises(ValidationError) as error:
        account.full_clean()
    return error.value.message_dict


def test_an_iban_typed_with_spaces_and_in_lower_case_is_kept_compact():
    account = BankAccountFactory.build(
        organisation=OrganisationFactory(), iban="ch93 0076 2011 6238 5295 7", bic="bcge chgg xxx"
    )
    account.full_clean()

    assert (account.iban, account.bic, account.masked_number) == ("CH9300762011623852957", "BCGECHGGXXX", "…2957")


def test_a_mistyped_iban_is_refused_by_its_check_digits():
    assert refusal(iban="CH9300762011623852958") == {"iban": ["This IBAN is not valid: Invalid checksum digits."]}


def test_an_iban_of_another_country_than_the_banks_is_refused():
    assert refusal(bank_country="FR") == {"iban": ["This IBAN belongs to a bank in CH, not in the bank's country."]}


def test_a_bic_of_the_wrong_length_is_refused():
    assert list(refusal(bic="BCGE")) == ["bic"]


def test_a_country_without_ibans_takes_an_account_number_and_an_account_needs_one_or_the_other():
    account = BankAccountFactory.build(
        organisation=OrganisationFactory(), bank_country="GH", iban="", account_number="1441000123456", bic="GHCBGHAC"
    )
    account.full_clean()
    assert account.masked_number == "…3456"

    assert refusal(iban="", account_number="") == {
        "__all__": ["Give the IBAN or, where the country has none, the account number."]
    }


def test_the_database_refuses_an_account_without_a_number():
    with pytest.raises(IntegrityError), transaction.atomic():
        BankAccountFactory(iban="", account_number="")


def test_staff_keep_bank_accounts_on_the_organisation_page_where_verification_is_not_editable(client):
    account = BankAccountFactory()
    client.force_login(StaffFactory(is_superuser=True))

    page = client.get(reverse("admin:members_organisation_change", args=[account.organisation.pk]))

    assert page.status_code == 200
    content = page.content.decode()
    assert "CH9300762011623852957" in content
    assert 'name="bank_accounts-0-verified_at"' not in content
    assert BankAccount.objects.get().verified_at is None
