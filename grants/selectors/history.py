"""A record's timeline: every change django-simple-history kept, across several models, with who and when.

Each source is one model's historical rows; what changed is found by comparing each row with the previous
row of the same object, in memory. The queries are one per source, one per many-to-many field, and one per
model named by a foreign key: never one per row.
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
# Kept by the database or by the ledger's running totals, not changed by anyone.
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
    loaded = [_load(source) for source in sources]
    labels = _labels(loaded)
    entries: list[tuple[tuple, TimelineEntry]] = []
    for part in loaded:
        pk_name = part.source.records.model.instance_type._meta.pk.attname
        previous: dict[object, models.Model] = {}
        for row in part.rows:
            key = getattr(row, pk_name)
            changes = _changes(part, previous.get(key), row, labels)
            previous[key] = row
            if row.history_type == "~" and not changes:
                continue
            entry = TimelineEntry(
                at=row.history_date,
                user=row.history_user,
                action=str(ACTIONS.get(row.history_type, row.history_type)),
                subject=part.source.subject(row),
                url=part.source.url(row),
                changes=changes,
                reason=row.history_change_reason or "",
            )
            entries.append(((row.history_date, row.history_id), entry))
    entries.sort(key=lambda pair: pair[0], reverse=True)
    return [entry for _, entry in entries]


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


def _labels(loaded: list[_Loaded]) -> dict[tuple[type[models.Model], object], str]:
    """The names of every row a foreign key or a many-to-many field of the sources points at."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for part in loaded:
        for f in part.fields:
            if f.is_relation:
                wanted[f.related_model] |= {getattr(row, f.attname) for row in part.rows} - {None}
        for m2m_field, sets in part.m2m.items():
            for ids in sets.values():
                wanted[m2m_field.related_model] |= ids
    labels = {}
    for model, ids in wanted.items():
        if not ids:
            continue
        rows = model._default_manager.filter(pk__in=ids).select_related(*LABEL_RELATIONS.get(model, ()))
        labels.update({(model, row.pk): str(row) for row in rows})
    return labels


def _changes(part: _Loaded, before, after, labels) -> list[FieldChange]:
    if after.history_type == "-" or (after.history_type == "+" and not part.source.fields_on_create):
        return []
    currency = part.source.currency(after) if part.source.currency else None
    changes = []
    for f in part.fields:
        old = getattr(before, f.attname) if before is not None else None
        new = getattr(after, f.attname)
        if before is not None and old == new:
            continue
        if before is None and (new is None or new == "" or new is False):
            continue
        old_text = _text(f, old, labels, currency) if before is not None else ""
        changes.append(FieldChange(str(f.verbose_name), old_text, _text(f, new, labels, currency)))
    for m2m_field, sets in part.m2m.items():
        old_ids = sets.get(before.history_id, frozenset()) if before is not None else frozenset()
        new_ids = sets[after.history_id]
        if old_ids == new_ids:
            continue
        model = m2m_field.related_model
        old_text = _names(model, old_ids, labels) if before is not None else ""
        changes.append(FieldChange(str(m2m_field.verbose_name), old_text, _names(model, new_ids, labels)))
    return changes


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
        return date_format(value, "j M Y")
    return str(value)
