from __future__ import annotations

import re

import pytest
from django.core.cache import cache

PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts sign-ups, logins and emails per address and IP in the cache: each test starts at zero."""
    cache.clear()
    yield
    cache.clear()


def link_in(message, path: str) -> str:
    """The path of the first link in an email's body that goes to `path`."""
    found = re.search(rf"https?://[^/\s]+({re.escape(path)}\S*)", message.body)
    assert found, f"no link to {path} in:\n{message.body}"
    return found.group(1)
