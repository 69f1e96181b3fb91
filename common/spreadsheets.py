"""Every CSV and spreadsheet the product writes, through tablib, with formulas escaped.

A cell of partner-typed text such as `=HYPERLINK(...)` would run as a formula when the file is
opened in a spreadsheet. A text cell that starts like a formula (=, +, -, @, tab, carriage return)
is written with a leading apostrophe, which spreadsheets read as "this is text" (OWASP's advice);
numbers, negative ones included, stay numbers.

A file that must be the same every time it is made from the same rows (a closed period's journal) is dated
by its caller: an XLSX file otherwise carries the moment it was written, in its properties and in its zip.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import tablib
from django.http import HttpResponse
from import_export.formats import base_formats

from .text import writable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")
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


@dataclass(frozen=True)
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]


def spreadsheet(sheets: Sequence[Sheet], file_format: str, *, dated: dt.datetime) -> bytes:
    """The sheets as a CSV file (the first sheet only) or an XLSX workbook dated `dated`: the same sheets and
    date give the same bytes."""
    datasets = [
        safe_dataset(tablib.Dataset(*sheet.rows, headers=list(sheet.headers), title=sheet.title)) for sheet in sheets
    ]
    if file_format == "csv":
        return datasets[0].export("csv").encode()
    return _dated_xlsx(tablib.Databook(datasets).export("xlsx"), dated)


def spreadsheet_response(filename: str, sheets: Sequence[Sheet], file_format: str, *, dated: dt.datetime):
    """A download of `spreadsheet(...)` named `filename`."""
    response = HttpResponse(spreadsheet(sheets, file_format, dated=dated), content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _dated_xlsx(workbook: bytes, dated: dt.datetime) -> bytes:
    """The workbook with its created and modified properties, and each of its zip entries, dated `dated`."""
    when = dated.astimezone(dt.UTC)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "docProps/core.xml":
                content = XLSX_DATES.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            entry_dated = zipfile.ZipInfo(entry.filename, date_time=when.timetuple()[:6])
            target.writestr(entry_dated, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


class CSV(base_formats.CSV):
    """The admin's CSV export, escaped like every other file (see `IMPORT_EXPORT_FORMATS`)."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(safe_dataset(dataset), **kwargs)


class XLSX(base_formats.XLSX):
    """The admin's XLSX export, escaped like every other file (see `IMPORT_EXPORT_FORMATS`)."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(safe_dataset(dataset), **kwargs)
