"""E-mail goes out as one message per recipient, each address once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from common.mail import send_each
from tests.factories import UserFactory

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


def test_each_recipient_reads_the_message_in_the_language_of_their_account():
    from django.utils.translation import gettext as _

    UserFactory(email="amina@example.org", language="fr")
    UserFactory(email="john@example.org", language="en")
    review = {
        "review": {"application": {"title": "Slum upgrading", "call": "Call 2030"}, "due_on": dt.date(2027, 3, 1)}
    }

    sent = send_each(
        subject=lambda: _("Please review: %(title)s") % {"title": "Slum upgrading"},
        template="grants/email/reviewer_assigned.txt",
        context=review,
        recipients=["john@example.org", "amina@example.org", "nobody@example.org"],
    )

    assert sent == 3
    french, nobody, english = sorted(mail.outbox, key=lambda message: message.to)
    assert french.to == ["amina@example.org"]
    assert french.subject == "Évaluation demandée : Slum upgrading"
    assert "Il vous est demandé d'évaluer « Slum upgrading » (Call 2030)." in french.body
    assert "Votre évaluation est à rendre le 1 mars 2027." in french.body
    for message in (english, nobody):  # an address with no account reads the site's language, English
        assert message.subject == "Please review: Slum upgrading"
        assert "Your review is due on 1 Mar 2027." in message.body
