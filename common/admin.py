"""Admin helpers shared by the apps."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Sum
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .money import format_money


class LongListMixin:
    """For changelists of thousands of rows: each row's action checkbox written as plain HTML.

    Django renders the checkbox of every row through the form widget templates, which costs as much
    as all the row's other cells together; the markup here is the same.
    """

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(_("Select this object for an action - {}"), str(obj)),
        )


class MoneyTotalsMixin:
    """Shows, under a changelist, the total of a money column per currency for the filtered rows.

    The total is taken over the rows the list shows, each once: a search or a filter across a
    many-valued relation (a project's partners, cities, countries) joins one row to many, and
    summing over that join would count the row as often as it matched.
    """

    change_list_template = "admin/change_list_with_totals.html"
    totals_amount_field = "amount"
    totals_currency_field = "currency"
    totals_label = ""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is None:
            return response
        rows = (
            self.model._default_manager.filter(pk__in=changelist.queryset.values("pk"))
            .values(self.totals_currency_field)
            .annotate(total=Sum(self.totals_amount_field))
            .order_by(self.totals_currency_field)
        )
        response.context_data["money_totals"] = [
            format_money(row["total"], row[self.totals_currency_field]) for row in rows
        ]
        response.context_data["money_totals_label"] = self.totals_label
        return response
