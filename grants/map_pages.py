"""The map of where money is committed: the public page, and the parts the donor pages and PDF reuse.

The filter is a GET form that works without JavaScript; a window or year that is not offered answers 400
with the form's message, and shows nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from common.currency_choice import choose_currency
from common.maps import BubbleMap, bubble_map, country_point, project
from common.model_choices import ListedModelChoiceField
from common.money import format_money

from .models import FundingWindow
from .selectors.maps import MapFilter, MoneyMap, portfolio_map, portfolio_map_years


class MapFilterForm(forms.Form):
    window = ListedModelChoiceField(
        label=gettext_lazy("Window"),
        queryset=FundingWindow.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("Every window"),
    )
    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("Every year")), *((year, str(year)) for year in years)]

    @property
    def choice(self) -> MapFilter:
        if not self.is_bound or not self.is_valid():
            return MapFilter()
        return MapFilter(self.cleaned_data["window"], self.cleaned_data["year"])


def map_filter_form(request: HttpRequest, *, years: list[int]) -> MapFilterForm:
    """The filter as the query string asks, unbound when it asks nothing (the page's other parameters aside)."""
    asked = {name: request.GET[name] for name in ("window", "year") if request.GET.get(name)}
    return MapFilterForm(asked or None, years=years)


def drawn(money: MoneyMap) -> BubbleMap:
    """The map's geometry: a bubble per country, sized by what is committed there, and a dot per city placed."""
    currency = money.currency
    bubbles = []
    for country in money.countries:
        point = country_point(country.code)
        if point is not None:
            label = ngettext(
                "%(country)s: %(amount)s committed, %(n)s project",
                "%(country)s: %(amount)s committed, %(n)s projects",
                country.projects,
            ) % {
                "country": country.name,
                "amount": format_money(country.committed, currency, whole=True),
                "n": country.projects,
            }
            bubbles.append((point, label, country.committed))
    dots = [
        (
            project(float(city.longitude), float(city.latitude)),
            ngettext("%(city)s: %(n)s project", "%(city)s: %(n)s projects", city.projects)
            % {"city": city.name, "n": city.projects},
        )
        for city in money.cities
        if city.is_located
    ]
    return bubble_map(
        bubbles,
        dots,
        text=lambda amount: format_money(amount, currency, whole=True),
        dot_text=_("A city the projects work in"),
    )


def map_context(read: Callable[[], MoneyMap], form: MapFilterForm) -> dict:
    """The map's figures (`read()`), its filter and its drawing: read and drawn only if the page renders them,
    not when it shows the map it keeps (`{% kept %}`)."""
    money = SimpleLazyObject(read)
    return {"map_shown": True, "money_map": money, "drawing": SimpleLazyObject(lambda: drawn(money)), "map_form": form}


def portfolio_map_page(request: HttpRequest) -> HttpResponse:
    choice = choose_currency(request, settings.PUBLIC_CURRENCIES, keep=("window", "year"))
    form = map_filter_form(request, years=portfolio_map_years())
    if form.is_bound and not form.is_valid():
        return render(request, "grants/map.html", {"map_form": form, "choice": choice}, status=400)
    context = {**map_context(lambda: portfolio_map(form.choice, quote=choice.currency), form), "choice": choice}
    return render(request, "grants/map.html", context, status=choice.status)
