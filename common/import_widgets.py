"""How a spreadsheet import reads each cell: one reading per value, or a refusal that names the rule.

django-import-export's own widgets guess (a date in any of Django's input formats, so "01/12/2026" is
12 January), accept anything as "no" for a yes/no column, and fail on a bad number or an unknown name
with an exception rather than a message. These read only what they document and raise `ValueError`
with the rule as a phrase ("must be a number such as 1250.50"), which the resource turns into a
sentence naming the row, the column and the value given.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from django.utils.translation import gettext as _
from import_export import widgets

ISO_DATE = "%Y-%m-%d"
# The date formats staff may choose at import, each unambiguous once chosen, as people write them.
DATE_FORMATS = {ISO_DATE: "YYYY-MM-DD", "%d/%m/%Y": "DD/MM/YYYY", "%m/%d/%Y": "MM/DD/YYYY", "%d.%m.%Y": "DD.MM.YYYY"}
_PATTERN_PARTS = {"%Y": r"\d{4}", "%m": r"\d{1,2}", "%d": r"\d{1,2}"}


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _pattern(date_format: str) -> re.Pattern:
    """The shape of a date written in `date_format`: a four-digit year, so "01/12/26" is never year 26."""
    pattern = re.escape(date_format)
    for code, part in _PATTERN_PARTS.items():
        pattern = pattern.replace(re.escape(code), part)
    return re.compile(pattern)


def date_format_choices() -> list[tuple[str, str]]:
    example = dt.date(2026, 12, 1)
    return [
        (
            code,
            _("%(format)s, such as %(example)s for 1 December 2026")
            % {"format": label, "example": f"{example:{code}}"},
        )
        for code, label in DATE_FORMATS.items()
    ]


class DateWidget(widgets.DateWidget):
    """Reads dates written in one format only (the one chosen for the import, ISO by default); a date cell
    of a spreadsheet is a date already. Writes ISO dates, so a preview shows how each date was read."""

    def __init__(self, read_format: str = ISO_DATE, **kwargs) -> None:
        super().__init__(format=ISO_DATE, **kwargs)
        self.read_format = read_format

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = _text(value)
        if not text:
            return None
        try:
            if not _pattern(self.read_format).fullmatch(text):
                raise ValueError(text)
            return dt.datetime.strptime(text, self.read_format).date()
        except ValueError:
            raise ValueError(
                _("must be a date written %(format)s (the format chosen for this import)")
                % {"format": DATE_FORMATS[self.read_format]}
            ) from None


def _number(value) -> Decimal | None:
    """The number a cell holds, or None when it holds none (text, "NaN", "Infinity", "1,000")."""
    try:
        number = Decimal(_text(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


class DecimalWidget(widgets.DecimalWidget):
    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        number = _number(value)
        if number is None:
            raise ValueError(_("must be a number written with a dot for decimals and no thousands separator"))
        return number


class IntegerWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        if self.is_empty(value):
            return None
        number = _number(value)
        if number is None or number != number.to_integral_value():
            raise ValueError(_("must be a whole number"))
        return int(number)


class BooleanWidget(widgets.BooleanWidget):
    """Yes or no: "yes"/"no", "true"/"false" or 1/0, in any case; an empty cell keeps the column's default."""

    READINGS = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = _text(value).lower()
        if not text:
            return None
        if text.endswith(".0"):  # a spreadsheet's number cell
            text = text[:-2]
        if text not in self.READINGS:
            raise ValueError(_("must be yes or no (or true or false, 1 or 0)"))
        return self.READINGS[text]


class ChoiceWidget(widgets.Widget):
    """A choice by its stored value or by its label, in any case; writes the stored value."""

    def __init__(self, choices, *, empty=None, rule: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.choices = [(value, str(label)) for value, label in choices]
        self.empty = empty
        self.rule = rule

    def clean(self, value, row=None, **kwargs):
        text = _text(value).lower()
        if text.endswith(".0"):
            text = text[:-2]
        if not text:
            return self.empty
        for stored, label in self.choices:
            if text in (str(stored).lower(), label.lower()):
                return stored
        raise ValueError(self.rule or _("must be one of: %(allowed)s") % {"allowed": self.allowed()})

    def allowed(self) -> str:
        """The values to write: codes as they are, numbers with what they stand for ("2 (Active)")."""
        return ", ".join(
            stored if isinstance(stored, str) else f"{stored} ({label})"
            for stored, label in self.choices
            if stored not in ("", None)
        )

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class ForeignKeyWidget(widgets.ForeignKeyWidget):
    """A related record named by one of its fields (a code, a name); a name that matches none, or several,
    is refused in words instead of failing the import with a lookup error."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        try:
            return super().clean(value, row, **kwargs)
        except ObjectDoesNotExist:
            rule = _("must be the %(field)s of a recorded %(model)s")
        except MultipleObjectsReturned:
            rule = _("matches more than one %(model)s by %(field)s")
        field = self.model._meta.get_field(self.field)
        raise ValueError(rule % {"field": field.verbose_name, "model": self.model._meta.verbose_name}) from None
