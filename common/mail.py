"""Sending e-mail: one message per recipient, so that no one sees the others' addresses."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.mail import send_mass_mail
from django.template.loader import render_to_string


def send_each(*, subject: str, template: str, context: dict, recipients: Iterable[str]) -> int:
    """Render `template` once and send it to each address (once, in order); the number of messages sent."""
    addresses = sorted(set(recipients))
    if not addresses:
        return 0
    body = render_to_string(template, context)
    return send_mass_mail([(subject, body, None, [address]) for address in addresses])
