"""A model's validation error becomes the domain error services raise: first problem, on its field."""

from __future__ import annotations

import pytest

from common.errors import DomainError, validate
from tests.factories import ConstituencyFactory, GoverningBodyFactory, OrganisationFactory, SeatFactory

pytestmark = pytest.mark.django_db


class OwnError(DomainError):
    pass


def test_a_field_at_fault_is_named_with_its_message_in_the_callers_error():
    with pytest.raises(OwnError) as refusal:
        validate(OrganisationFactory.build(name=""), error=OwnError)

    assert (refusal.value.field, refusal.value.message) == ("name", "This field cannot be blank.")


def test_a_rule_of_the_whole_record_names_no_field():
    with pytest.raises(DomainError) as refusal:
        validate(SeatFactory.build(body=GoverningBodyFactory(), constituency=ConstituencyFactory(), number=0))

    assert (refusal.value.field, refusal.value.message) == (None, "Seats count from 1.")


def test_a_valid_record_passes():
    validate(OrganisationFactory.build())
