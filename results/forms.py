"""Forms of the results pages: the portfolio filter and a progress report's values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from common.countries import country_name
from common.model_choices import ListedModelChoiceField
from grants.models import Facility, FundingWindow, Theme
from grants.selectors.portfolio import public_country_codes

from .models import Aggregation, Disaggregation, Evidence, IndicatorPeriod, ProgressReport, SexCategory
from .selectors import FinancialRow, FinancialStatement, Scope, donors
from .services import ExpenditureInput, ValueInput


def _named_donors():
    """The donors, each read for its name alone: a list of 200 read with every column (two timestamps among them)
    took 12 ms to write, 4 ms so."""
    return donors().only("name")


class ScopeForm(forms.Form):
    """Which slice of the portfolio the results page shows; every field is optional."""

    window = ListedModelChoiceField(
        FundingWindow.objects.order_by("order"), required=False, label=_("Window"), empty_label=_("All windows")
    )
    facility = ListedModelChoiceField(
        Facility.objects.select_related("window").order_by("window__order", "name"),
        required=False,
        label=_("Facility"),
        empty_label=_("All facilities"),
    )
    theme = ListedModelChoiceField(
        Theme.objects.order_by("name"), required=False, label=_("Theme"), empty_label=_("All themes")
    )
    country = forms.ChoiceField(required=False, label=_("Country"))
    donor = ListedModelChoiceField(_named_donors(), required=False, label=_("Donor"), empty_label=_("All donors"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = sorted(((code, country_name(code)) for code in public_country_codes()), key=lambda pair: pair[1])
        self.fields["country"].choices = [("", _("All countries")), *choices]
        self.fields["donor"].queryset = _named_donors()

    def scope(self) -> Scope:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return Scope(
            window=getattr(data.get("window"), "pk", None),
            facility=getattr(data.get("facility"), "pk", None),
            theme=getattr(data.get("theme"), "pk", None),
            country=data.get("country") or "",
            donor=getattr(data.get("donor"), "pk", None),
        )


@dataclass
class ValueRow:
    """One indicator of a report as the form shows it: what was typed, and what was refused."""

    row: IndicatorPeriod
    value: str = ""
    comment: str = ""
    splits: dict[str, str] = field(default_factory=dict)
    city_ids: list[int] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    split_errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"value-{self.row.pk}"

    @property
    def indicator(self):
        return self.row.project_indicator.indicator

    @property
    def names_cities(self) -> bool:
        return self.indicator.aggregation == Aggregation.DISTINCT_CITIES

    @property
    def names_countries(self) -> bool:
        return self.indicator.aggregation == Aggregation.DISTINCT_COUNTRIES

    @property
    def split_fields(self) -> list[tuple[str, str, str, list[str]]]:
        """(field name, label, typed text, errors) for each category of the disaggregation."""
        if self.indicator.disaggregation != Disaggregation.SEX:
            return []
        return [
            (f"{self.key}-{value}", label, self.splits.get(value, ""), self.split_errors.get(value, []))
            for value, label in SexCategory.choices
        ]


def rows_from_saved(rows: list[IndicatorPeriod]) -> list[ValueRow]:
    shown = []
    for row in rows:
        reported = getattr(row, "reported", None)
        if reported is None:
            shown.append(ValueRow(row))
            continue
        places = list(reported.places.all())
        shown.append(
            ValueRow(
                row,
                value=f"{reported.value.normalize():f}",
                comment=reported.comment,
                splits={split.category: f"{split.value.normalize():f}" for split in reported.splits.all()},
                city_ids=[place.city_id for place in places if place.city_id],
                countries=[str(place.country) for place in places if not place.city_id],
            )
        )
    return shown


def rows_from_post(rows: list[IndicatorPeriod], data: QueryDict) -> tuple[list[ValueRow], dict[int, ValueInput]]:
    """What the reporter typed, to show again and to hand to the service."""
    shown, values = [], {}
    for row in rows:
        key = f"value-{row.pk}"
        item = ValueRow(
            row,
            value=data.get(key, "").strip(),
            comment=data.get(f"comment-{row.pk}", "").strip(),
            splits={category: data.get(f"{key}-{category}", "").strip() for category in SexCategory.values},
            city_ids=[int(pk) for pk in data.getlist(f"cities-{row.pk}") if pk.isdigit()],
            countries=[code for code in data.getlist(f"countries-{row.pk}") if code.isalpha()],
        )
        shown.append(item)
        values[row.pk] = ValueInput(
            value=item.value,
            comment=item.comment,
            splits={category: text for category, text in item.splits.items() if text},
            city_ids=item.city_ids,
            countries=item.countries,
        )
    return shown, values


def attach_errors(shown: list[ValueRow], errors: dict[str, list[str]]) -> None:
    for item in shown:
        item.errors = errors.get(item.key, [])
        item.split_errors = {category: errors.get(f"{item.key}-{category}", []) for category in SexCategory.values}


class EvidenceForm(forms.Form):
    """A file for a report, chosen alone or with the draft's other fields; it may take the place of one listed."""

    file = forms.FileField(label=_("File"), help_text=_("PDF, XLSX, DOCX, PNG or JPEG, up to 10 MB."))
    description = forms.CharField(label=_("What it shows"), max_length=250, required=False)
    replaces = forms.ModelChoiceField(
        Evidence.objects.none(), label=_("In place of"), required=False, empty_label=_("— a file added to the list —")
    )

    def __init__(self, *args, report: ProgressReport, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replaces"].queryset = report.evidence.all()
        self.fields["replaces"].widget.attrs["data-replaces"] = ""

    def given(self) -> bool:
        return bool(self.files.get(self.add_prefix("file")))

    def problem(self) -> str:
        """The first reason the file was refused, as a sentence."""
        return next(iter(error for errors in self.errors.values() for error in errors), _("Choose a file to upload."))


@dataclass
class SpentEntry:
    """One budget line of a financial report as the form shows it: the figures, what was typed and refused."""

    row: FinancialRow
    amount: str = ""
    comment: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.row.key


def _text(amount) -> str:
    return "" if amount is None else f"{amount:f}"


def spent_from_saved(statement: FinancialStatement) -> list[SpentEntry]:
    return [SpentEntry(row, _text(row.amount), row.comment) for row in statement.rows]


def spent_from_post(
    statement: FinancialStatement, data: QueryDict
) -> tuple[list[SpentEntry], dict[int, ExpenditureInput]]:
    """What the reporter typed for each budget line, to show again and to hand to the service."""
    shown, given = [], {}
    for row in statement.rows:
        entry = SpentEntry(row, data.get(row.key, "").strip(), data.get(f"note-{row.line.pk}", "").strip())
        shown.append(entry)
        given[row.line.pk] = ExpenditureInput(amount=entry.amount, comment=entry.comment)
    return shown, given


def attach_spent_errors(shown: list[SpentEntry], errors: dict[str, list[str]]) -> None:
    for entry in shown:
        entry.errors = errors.get(entry.key, [])


def error_summary(
    errors: Mapping[str, list[str]], rows: list[ValueRow], spent: list[SpentEntry]
) -> list[tuple[str, str]]:
    """(anchor, message) for each refused field, in the order of the page, each message naming its field."""
    summary = []
    for item in rows:
        name = item.row.project_indicator.name
        summary += [(item.key, f"{name}: {message}") for message in errors.get(item.key, [])]
        for field_name, label, _typed, _errors in item.split_fields:
            summary += [(field_name, f"{name} ({label.lower()}): {message}") for message in errors.get(field_name, [])]
    for entry in spent:
        summary += [(entry.key, f"{entry.row.line}: {message}") for message in errors.get(entry.key, [])]
    summary += [("narrative", message) for message in errors.get("narrative", [])]
    summary += [("report-errors", message) for message in errors.get("expenditure", [])]
    summary += [("id_file", message) for message in [*errors.get("evidence", []), *errors.get("file", [])]]
    return summary
