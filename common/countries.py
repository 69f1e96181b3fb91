"""Countries' names in the language of the request, each found once per language.

django-countries translates a country's name every time it is asked for (the standard's list and the
catalogue, through Django's translation machinery): a list of fifty projects asks for a hundred names, the same
forty countries over and over.
"""

from __future__ import annotations

from functools import lru_cache

from django.utils import translation
from django_countries import countries


def country_name(code) -> str:
    """The name of the country of ISO code `code` (a code or a django-countries `Country`) in the active language;
    an empty text for a code the standard does not know."""
    return _name(str(code), translation.get_language())


@lru_cache(maxsize=4096)  # some 250 countries in each of the languages the site speaks
def _name(code: str, language: str | None) -> str:
    with translation.override(language):
        return str(countries.name(code))
