"""E-mail goes out as one message per recipient, each address once."""

from __future__ import annotations

import pytest
from django.core import mail

from common.mail import send_each

pytestmark = pytest.mark.django_db  # each address's language is read from its account

REVIEW = {"review": {"application": {"title": "Slum upgrading", "call": "Call 2030"}}}


def test_each_address_gets_its_own_message_once():
    sent = send_each(
        subject="Please review",
        template="grants/email/reviewer_assigned.txt",
        context=REVIEW,
        recipients=["b@example.org", "a@example.org", "b@example.org"],
    )

    assert sent == 2
    assert [message.to for message in mail.outbox] == [["a@example.org"], ["b@example.org"]]
    assert {message.subject for message in mail.outbox} == {"Please review"}
    assert 'You are asked to review "Slum upgrading" (Call 2030).' in mail.outbox[0].body


def test_no_recipient_sends_nothing():
    assert (
        send_each(subject="Nobody", template="grants/email/reviewer_assigned.txt", context=REVIEW, recipients=[]) == 0
    )
    assert mail.outbox == []
