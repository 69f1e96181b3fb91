"""Sending e-mail: one message per recipient, so that no one sees the others' addresses, each in the language
the recipient chose (their account's; the site's default for an address with no account or no choice)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.template.loader import render_to_string
from django.utils import translation


def languages_of(addresses: Iterable[str], *, default: str = "") -> dict[str, str]:
    """Each address's language, in one query: the language its account chose, else `default`, else the site's."""
    addresses = list(addresses)
    chosen = dict(
        get_user_model().objects.filter(email__in=addresses).exclude(language="").values_list("email", "language")
    )
    return {address: chosen.get(address, default or settings.LANGUAGE_CODE) for address in addresses}


def send_each(*, subject: str | Callable[[], str], template: str, context: dict, recipients: Iterable[str]) -> int:
    """Render `template` once per language and send it to each address (once, in order); the number of messages
    sent. A translated subject is given as a function (`lambda: _("…") % {…}`), called in each language."""
    addresses = sorted(set(recipients))
    if not addresses:
        return 0
    by_language: dict[str, list[str]] = defaultdict(list)
    for address, language in languages_of(addresses).items():
        by_language[language].append(address)
    messages = {}
    for language, group in by_language.items():
        with translation.override(language):
            title = subject() if callable(subject) else subject
            body = render_to_string(template, context)
        messages.update({address: (title, body, None, [address]) for address in group})
    return send_mass_mail([messages[address] for address in addresses])
