"""The schedule of tranches as staff type it, for signing an agreement and for approving an award.

The lines are only parsed here; `services.tranche_schedule` checks them (amounts or percentages that add up,
release conditions) and its refusal is shown on the line it names.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError

from .. import services
from ..models import ReleaseCondition


class TrancheLineForm(forms.Form):
    planned_date = forms.DateField(label=_("Due on"))
    amount = forms.DecimalField(label=_("Amount"), max_digits=18, decimal_places=2, required=False)
    percentage = forms.DecimalField(
        label=_("Percentage of the grant"), max_digits=5, decimal_places=2, required=False, min_value=0
    )
    kind = forms.ChoiceField(
        label=_("Released by"), choices=ReleaseCondition.choices, initial=ReleaseCondition.NONE, required=False
    )
    condition = forms.CharField(label=_("Which report, document or event"), max_length=200, required=False)
    release_on = forms.DateField(label=_("Release date (a date condition)"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The lines are a table whose headings are the labels: each control still says what it is, and of
        # which tranche, to a screen reader and to a browser test.
        index = (self.prefix or "").rsplit("-", 1)[-1]
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = (
                _("%(label)s, tranche %(number)s") % {"label": field.label, "number": int(index) + 1}
                if index.isdigit()
                else field.label
            )

    def has_changed(self) -> bool:
        """A line with nothing typed in is left out, whatever its release condition says."""
        return bool(set(self.changed_data) - {"kind"})


TrancheLines = forms.formset_factory(TrancheLineForm, extra=4)


class Schedule:
    """The lines staff filled, as the specs a service takes, remembering which form each came from."""

    def __init__(self, lines: forms.BaseFormSet) -> None:
        self.lines = lines
        self.forms = [form for form in lines.forms if form.cleaned_data]
        self.specs = [
            services.TrancheSpec(
                planned_date=form.cleaned_data["planned_date"],
                amount=form.cleaned_data.get("amount"),
                percentage=form.cleaned_data.get("percentage"),
                kind=form.cleaned_data.get("kind", ""),
                condition=form.cleaned_data.get("condition", ""),
                release_on=form.cleaned_data.get("release_on"),
            )
            for form in self.forms
        ]

    def show(self, error: DomainError, form: forms.Form) -> None:
        """Put a service's refusal by the line or the field it names, or at the top of `form`."""
        field = error.field or ""
        if field.startswith("tranches."):
            _prefix, index, name = field.split(".", 2)
            line = self.forms[int(index)]
            line.add_error(name if name in line.fields else None, error.message)
        form.add_error(field if field in form.fields else None, error.message)
