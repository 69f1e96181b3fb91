from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from members.models import GoverningBodyKind, Membership, OrganisationRole, Role, Seat, SeatTerm, User
from tests.factories import (
    ConstituencyFactory,
    GoverningBodyFactory,
    MembershipFactory,
    OrganisationFactory,
    OrganisationRoleFactory,
    SeatFactory,
    SeatTermFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_users_sign_in_with_their_email_in_lower_case():
    user = User.objects.create_user(email="City.Planner@Example.ORG", password="a-long-test-password")

    assert user.email == "city.planner@example.org"
    assert user.get_username() == "city.planner@example.org"
    assert user.check_password("a-long-test-password")


def test_two_users_cannot_share_an_email():
    UserFactory(email="same@example.org")

    with pytest.raises(ValidationError) as error:
        User(email="same@example.org").full_clean()

    assert "already exists" in messages_of(error.value)


def test_a_membership_cannot_end_before_it_starts():
    membership = MembershipFactory.build(
        organisation=OrganisationFactory(),
        constituency=ConstituencyFactory(),
        since=dt.date(2020, 1, 1),
        until=dt.date(2019, 12, 31),
    )

    with pytest.raises(ValidationError) as error:
        membership.full_clean()
    assert "cannot end before it starts" in messages_of(error.value)

    with pytest.raises(IntegrityError), transaction.atomic():
        membership.save()
    assert not Membership.objects.exists()


def test_a_membership_is_current_between_its_dates():
    membership = MembershipFactory(since=dt.date(2015, 1, 1), until=dt.date(2019, 12, 31))

    assert membership.is_current(dt.date(2017, 6, 1))
    assert not membership.is_current(dt.date(2020, 1, 1))


def test_the_board_has_no_thirteenth_seat():
    board = GoverningBodyFactory(kind=GoverningBodyKind.MANAGEMENT_BOARD, seat_count=12)
    seat = Seat(body=board, number=13, constituency=ConstituencyFactory())

    with pytest.raises(ValidationError) as error:
        seat.full_clean()

    assert error.value.message_dict["number"] == ["Management Board has 12 seats."]


def test_a_seat_number_is_used_once_per_body():
    seat = SeatFactory(number=3)

    with pytest.raises(ValidationError) as error:
        Seat(body=seat.body, number=3, constituency=seat.constituency).full_clean()

    assert "already has a seat with that number" in messages_of(error.value)


def test_two_terms_on_one_seat_cannot_overlap():
    term = SeatTermFactory(start_date=dt.date(2018, 1, 1), end_date=dt.date(2020, 12, 31))
    overlapping = SeatTerm(
        seat=term.seat, organisation=OrganisationFactory(), start_date=dt.date(2020, 6, 1), end_date=None
    )

    with pytest.raises(ValidationError) as error:
        overlapping.full_clean()
    assert "already has a holder" in messages_of(error.value)

    following = SeatTerm(seat=term.seat, organisation=OrganisationFactory(), start_date=dt.date(2021, 1, 1))
    following.full_clean()


def test_a_user_holds_a_role_for_an_organisation_once():
    role = OrganisationRoleFactory(role=Role.DONOR)

    with pytest.raises(IntegrityError), transaction.atomic():
        OrganisationRole.objects.create(user=role.user, organisation=role.organisation, role=Role.DONOR)

    OrganisationRole.objects.create(user=role.user, organisation=role.organisation, role=Role.REVIEWER)


def test_organisations_cannot_share_an_iati_identifier_but_may_leave_it_empty():
    OrganisationFactory(iati_identifier="XM-DAC-41AAA")
    OrganisationFactory(iati_identifier="")
    OrganisationFactory(iati_identifier="")

    with pytest.raises(ValidationError) as error:
        OrganisationFactory.build(iati_identifier="XM-DAC-41AAA").full_clean()

    assert "already has this IATI identifier" in messages_of(error.value)
