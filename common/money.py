"""Money is a Decimal beside an ISO 4217 currency code; never a float."""

from __future__ import annotations

from decimal import Decimal
from functools import cache, lru_cache

from babel.core import Locale, get_global
from babel.numbers import NumberPattern, parse_pattern
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext_lazy as _

MONEY_DIGITS = 18
MONEY_PLACES = 2
RATE_DIGITS = 20
RATE_PLACES = 10
CENT = Decimal("0.01")


@lru_cache(maxsize=1)
def legal_tender_currencies() -> frozenset[str]:
    """ISO 4217 codes that some territory uses as legal tender today (CLDR data via babel)."""
    return frozenset(
        code
        for currencies in get_global("territory_currencies").values()
        for code, _start, end, tender in currencies
        if end is None and tender
    )


def is_known_currency(code: str) -> bool:
    return code in legal_tender_currencies()


def validate_currency(code: str) -> None:
    if not is_known_currency(code):
        raise ValidationError(
            _("%(code)s is not an ISO 4217 currency code in use."), code="unknown_currency", params={"code": code}
        )


def require_booked_currency_kept(record: models.Model, *booked: str) -> None:
    """A record's currency is the currency of its books: once money is booked against it (any of the
    `booked` relations holds a row), it cannot change. Compares with the stored value."""
    if record.pk is None:
        return
    stored = type(record)._default_manager.filter(pk=record.pk).values_list("currency", flat=True).first()
    if stored is None or stored == record.currency:
        return
    if any(getattr(record, relation).exists() for relation in booked):
        raise ValidationError(
            {
                "currency": _("Money is already booked in %(currency)s: the currency cannot change.")
                % {"currency": stored}
            }
        )


def money_locale() -> str:
    """The babel locale for the active language: `fr` writes `USD 1 250 000,00`, `en` `USD 1,250,000.00`."""
    return _babel_locale_name(get_language() or settings.LANGUAGE_CODE)


@cache
def _babel_locale_name(language: str) -> str:
    return to_locale(language)  # a page writes hundreds of figures: named once per language


def format_money(amount: Decimal | None, currency: str, *, whole: bool = False) -> str:
    """`CHF 4,820,000.00` in the active language; with `whole`, rounded to the unit for headline figures."""
    if amount is None:
        return "—"
    return _written_money(amount, currency, whole, money_locale())


# A page writes hundreds of amounts: babel's pattern and locale are read once, not for each amount.
@cache
def _money_pattern(whole: bool) -> NumberPattern:
    return parse_pattern("¤¤\xa0#,##0" if whole else "¤¤\xa0#,##0.00")


def format_quantity(value: Decimal) -> str:
    """A measured quantity in the active language, with up to two decimals: `1,250.5` in English, `1 250,5` in
    French (where `1,250` would read as one and a quarter)."""
    return _written_quantity(value, money_locale())


_QUANTITY = parse_pattern("#,##0.##")

# Pages and reports write the same figures again and again (a results page some 500, each chart's labels among
# them), and babel takes some 25 µs for each: what it wrote is kept, by value and language. Equal values (`1.5` and
# `1.50`) are written alike by these patterns, which round to their own decimals.
WRITTEN_KEPT = 16_384


@lru_cache(maxsize=WRITTEN_KEPT)
def _written_money(amount: Decimal, currency: str, whole: bool, locale: str) -> str:
    return _money_pattern(whole).apply(amount, _locale(locale), currency=currency, currency_digits=False)


@lru_cache(maxsize=WRITTEN_KEPT)
def _written_quantity(value: Decimal, locale: str) -> str:
    return _QUANTITY.apply(value, _locale(locale))


@cache
def _locale(name: str) -> Locale:
    return Locale.parse(name)


def quantize(amount: Decimal) -> Decimal:
    return amount.quantize(CENT)


class MoneyField(models.DecimalField):
    """An amount with two decimal places, wide enough for any fund's total."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_PLACES)
        super().__init__(*args, **kwargs)


class CurrencyField(models.CharField):
    """An ISO 4217 code; checked against the standard's list, stored as three capitals."""

    def __init__(self, verbose_name=None, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("validators", [validate_currency])
        kwargs.setdefault("help_text", _("Three-letter ISO 4217 code, such as CHF, EUR or USD."))
        super().__init__(verbose_name or _("currency"), *args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.strip().upper() if isinstance(value, str) else value


def currency_shape_check(field: str, name: str) -> models.CheckConstraint:
    """A database check that a currency column holds three capital letters."""
    from django.db.models.functions import Length, Upper

    CurrencyField.register_lookup(Length)
    return models.CheckConstraint(
        condition=models.Q(**{field: Upper(field)}) & models.Q(**{f"{field}__length": 3}),
        name=name,
        violation_error_message=_("A currency is a three-letter ISO 4217 code."),
    )
