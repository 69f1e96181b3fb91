"""A record's timeline: every change django-simple-history kept, across several models, with who and when.

Each source is one model's historical rows; what changed is found by comparing each row with the previous
row of the same object, in memory. The queries are one per source, one per many-to-many field, and one per
kind of row the changes shown name (a facility, an organisation): never one per row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import get_m2m_reverse_field_name

from common.money import format_money
from members.models import User

from ..models import Allocation, GrantAgreement, Tranche

ACTIONS = {"+": gettext_lazy("created"), "~": gettext_lazy("changed"), "-": gettext_lazy("deleted")}
# Stamped when a row is saved, not changed by anyone (running totals are not editable, so not listed either).
NOT_CHANGES = {"created_at", "updated_at", "recorded_at"}
# Models whose `__str__` reads a related row: their labels are loaded with it.
LABEL_RELATIONS: dict[type[models.Model], tuple[str, ...]] = {
    Tranche: ("agreement",),
    GrantAgreement: ("project",),
    Allocation: ("contribution", "project"),
}
EMPTY = "—"


@dataclass(frozen=True)
class HistorySource:
    """Historical rows of one model (`Model.history.filter(...)`) and how the timeline names them.

    `exclude` leaves out fields that say nothing on this page (the record's own foreign key); `currency`
    gives the currency of a row's money fields; with `fields_on_create` False, a creation shows only its
    subject (a ledger row, whose subject says it all)."""

    records: models.QuerySet
    subject: Callable[[models.Model], str]
    url: Callable[[models.Model], str | None] = lambda row: None
    exclude: tuple[str, ...] = ()
    currency: Callable[[models.Model], str] | None = None
    fields_on_create: bool = True


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    user: User | None
    action: str
    subject: str
    url: str | None
    changes: list[FieldChange] = field(default_factory=list)
    reason: str = ""


@dataclass
class _Loaded:
    source: HistorySource
    fields: list[models.Field]
    rows: list[models.Model]
    m2m: dict[models.Field, dict[int, frozenset]]  # field -> history id -> related ids


def timeline(sources: Iterable[HistorySource]) -> list[TimelineEntry]:
    """Every change of the sources' objects, newest first."""
    pending: list[tuple[_Loaded, models.Model, list[_RawChange]]] = []
    for part in (_load(source) for source in sources):
        pk_name = part.source.records.model.instance_type._meta.pk.attname
        previous: dict[object, models.Model] = {}
        for row in part.rows:
            key = getattr(row, pk_name)
            changes = _raw_changes(part, previous.get(key), row)
            previous[key] = row
            if row.history_type != "~" or changes:
                pending.append((part, row, changes))
    labels = _labels(change for _part, _row, changes in pending for change in changes)
    pending.sort(key=lambda item: (item[1].history_date, item[1].history_id), reverse=True)
    return [
        TimelineEntry(
            at=row.history_date,
            user=row.history_user,
            action=str(ACTIONS.get(row.history_type, row.history_type)),
            subject=part.source.subject(row),
            url=part.source.url(row),
            changes=[
                _shown(change, labels, part.source.currency(row) if part.source.currency else None)
                for change in changes
            ],
            reason=row.history_change_reason or "",
        )
        for part, row, changes in pending
    ]


def _load(source: HistorySource) -> _Loaded:
    historical = source.records.model
    skipped = NOT_CHANGES | set(source.exclude)
    fields = [f for f in historical.tracked_fields if f.editable and not f.primary_key and f.name not in skipped]
    rows = list(source.records.select_related("history_user").order_by("history_date", "history_id"))
    m2m: dict[models.Field, dict[int, frozenset]] = {}
    if rows:
        through_history = {
            rel.related_model.instance_type: rel.related_model
            for rel in historical._meta.related_objects
            if hasattr(rel.related_model, "instance_type")
        }
        for m2m_field in historical._history_m2m_fields:
            if m2m_field.name in skipped:
                continue
            target = f"{get_m2m_reverse_field_name(m2m_field)}_id"
            sets: dict[int, set] = defaultdict(set)
            for history_id, related_id in (
                through_history[m2m_field.remote_field.through]
                .objects.filter(history_id__in=source.records.values("history_id"))
                .values_list("history_id", target)
                .order_by()
            ):
                sets[history_id].add(related_id)
            m2m[m2m_field] = {row.history_id: frozenset(sets.get(row.history_id, ())) for row in rows}
    return _Loaded(source, fields, rows, m2m)


@dataclass(frozen=True)
class _RawChange:
    field: models.Field
    old: object  # a value, or a set of ids for a many-to-many field
    new: object
    created: bool


def _raw_changes(part: _Loaded, before, after) -> list[_RawChange]:
    if after.history_type == "-" or (after.history_type == "+" and not part.source.fields_on_create):
        return []
    created = before is None
    changes = []
    for f in part.fields:
        old = None if created else getattr(before, f.attname)
        new = getattr(after, f.attname)
        if (not created and old == new) or (created and (new is None or new == "" or new is False)):
            continue
        changes.append(_RawChange(f, old, new, created))
    for m2m_field, sets in part.m2m.items():
        old_ids = frozenset() if created else sets[before.history_id]
        if old_ids != sets[after.history_id]:
            changes.append(_RawChange(m2m_field, old_ids, sets[after.history_id], created))
    return changes


def _labels(changes: Iterable[_RawChange]) -> dict[tuple[type[models.Model], object], str]:
    """The names of the rows the changes point at: one query per model, whatever the number of changes."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for change in changes:
        if change.field.many_to_many:
            wanted[change.field.related_model] |= change.old | change.new
        elif change.field.is_relation:
            wanted[change.field.related_model] |= {change.old, change.new} - {None}
    labels = {}
    for model, ids in wanted.items():
        rows = model._default_manager.filter(pk__in=ids).select_related(*LABEL_RELATIONS.get(model, ()))
        labels.update({(model, row.pk): str(row) for row in rows})
    return labels


def _shown(change: _RawChange, labels, currency: str | None) -> FieldChange:
    f = change.field
    if f.many_to_many:
        old, new = _names(f.related_model, change.old, labels), _names(f.related_model, change.new, labels)
    else:
        old, new = _text(f, change.old, labels, currency), _text(f, change.new, labels, currency)
    return FieldChange(str(f.verbose_name), "" if change.created else old, new)


def _names(model, ids, labels) -> str:
    return "; ".join(sorted(labels.get((model, pk), f"#{pk}") for pk in ids)) or EMPTY


def _text(f: models.Field, value, labels, currency: str | None) -> str:
    if value is None or value == "":
        return EMPTY
    if f.is_relation:
        return labels.get((f.related_model, value), f"#{value}")
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal) and currency:
        return format_money(value, currency)
    if isinstance(value, dt.date):
        return date_format(value)
    return str(value)
