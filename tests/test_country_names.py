"""Countries are named in the language of the request, whichever language asked first."""

from __future__ import annotations

from django.utils import translation
from django_countries.fields import Country

from common.countries import country_name


def test_a_country_is_named_in_each_language_as_it_is_asked():
    with translation.override("fr"):
        assert country_name("UG") == "Ouganda"
    with translation.override("en"):
        assert country_name("UG") == "Uganda"
        assert country_name(Country("CD")) == "Democratic Republic of the Congo"
    with translation.override("fr"):
        assert country_name("UG") == "Ouganda"


def test_a_code_the_standard_does_not_know_has_no_name():
    assert country_name("ZZ") == ""
