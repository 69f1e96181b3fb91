"""Drop-down lists written by the project's form renderer read as Django's own templates write them."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test.html import parse_html

from common.form_renderer import FormRenderer
from grants.models import FundingWindow
from results.forms import ScopeForm

DONORS = [("", "All donors"), ("1", "Agence <b>française</b> & co"), ("2", 'The "Swiss" donor'), ("3", "Ville")]


class Sample(forms.Form):
    donor = forms.ChoiceField(choices=DONORS, required=False)
    grouped = forms.ChoiceField(
        choices=[("", "—"), ("Africa", [("KE", "Kenya"), ("UG", "Uganda")]), ("Asia", [("VN", "Viet Nam")])]
    )
    several = forms.MultipleChoiceField(choices=DONORS[1:], required=False)
    flags = forms.ChoiceField(
        choices=DONORS,
        required=False,
        widget=forms.Select(attrs={"disabled": True, "hidden": False, "data-note": "<x>", "class": "wide"}),
    )
    answer = forms.NullBooleanField(required=False)


def _both(form_class, data, name: str, **kwargs) -> tuple[str, str]:
    ours = form_class(data, renderer=FormRenderer(), **kwargs)
    djangos = form_class(data, renderer=DjangoTemplates(), **kwargs)
    return str(ours[name]), str(djangos[name])


@pytest.mark.parametrize("name", ["donor", "grouped", "several", "flags", "answer"])
@pytest.mark.parametrize(
    "data",
    [None, {"donor": "2", "grouped": "UG", "several": ["1", "3"], "flags": "3", "answer": "true"}, {"donor": "9"}],
)
def test_a_select_reads_as_djangos_templates_write_it(name, data):
    ours, djangos = _both(Sample, data, name)

    assert parse_html(ours) == parse_html(djangos)


def test_labels_and_attributes_are_escaped():
    html = str(Sample({"donor": "1"}, renderer=FormRenderer())["donor"])

    assert '<option value="1" selected>Agence &lt;b&gt;française&lt;/b&gt; &amp; co</option>' in html
    assert "The &quot;Swiss&quot; donor" in html
    flags = str(Sample(renderer=FormRenderer())["flags"])
    assert 'data-note="&lt;x&gt;"' in flags and " disabled" in flags and "hidden" not in flags


def test_the_settings_name_the_renderer():
    assert isinstance(Sample().renderer, FormRenderer)


def test_options_with_a_template_of_their_own_are_left_to_djangos_templates():
    class Marked(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    class WithOwnOptions(forms.Form):
        pick = forms.ChoiceField(choices=DONORS, widget=Marked)

    ours, djangos = _both(WithOwnOptions, None, "pick")

    assert ours == djangos
    assert "<option" not in ours


@pytest.mark.django_db
def test_the_results_filter_lists_the_windows_in_order_with_the_picked_one_selected():
    urban = FundingWindow.objects.create(code="urban", name="Urban <Futures>", order=2)
    FundingWindow.objects.create(code="migration", name="Cities & Migration", order=1)

    ours, djangos = _both(ScopeForm, {"window": str(urban.pk)}, "window")

    assert parse_html(ours) == parse_html(djangos)
    picked = f'<option value="{urban.pk}" selected>Urban &lt;Futures&gt;</option>'
    assert ours.index("Cities &amp; Migration") < ours.index(picked)
