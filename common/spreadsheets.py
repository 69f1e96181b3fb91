"""Every CSV and spreadsheet the product writes, through tablib, with formulas escaped.

A cell of partner-typed text such as `=HYPERLINK(...)` would run as a formula when the file is
opened in a spreadsheet. A text cell that starts like a formula (=, +, -, @, tab, carriage return)
is written with a leading apostrophe, which spreadsheets read as "this is text" (OWASP's advice);
numbers, negative ones included, stay numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import tablib
from django.http import HttpResponse
from import_export.formats import base_formats

from .text import writable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value: object) -> object:
    """A cell as it can be written: text that would run as a formula escaped, unwritable characters replaced."""
    if not isinstance(value, str):
        return value
    value = writable(value)
    if value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_dataset(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of `dataset` with every cell made safe by `safe_cell`."""
    return tablib.Dataset(
        *[[safe_cell(cell) for cell in row] for row in dataset],
        headers=dataset.headers,
        title=dataset.title,
    )


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> HttpResponse:
    """A CSV download of `rows` under `headers`."""
    dataset = safe_dataset(tablib.Dataset(*rows, headers=list(headers)))
    response = HttpResponse(dataset.export("csv"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CSV(base_formats.CSV):
    """The admin's CSV export, escaped like every other file (see `IMPORT_EXPORT_FORMATS`)."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(safe_dataset(dataset), **kwargs)


class XLSX(base_formats.XLSX):
    """The admin's XLSX export, escaped like every other file (see `IMPORT_EXPORT_FORMATS`)."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(safe_dataset(dataset), **kwargs)
