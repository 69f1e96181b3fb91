"""Admin helpers shared by the apps."""

from __future__ import annotations

from django.db.models import Sum

from .money import format_money


class MoneyTotalsMixin:
    """Shows, under a changelist, the total of a money column per currency for the filtered rows."""

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
            changelist.queryset.order_by()
            .values(self.totals_currency_field)
            .annotate(total=Sum(self.totals_amount_field))
            .order_by(self.totals_currency_field)
        )
        response.context_data["money_totals"] = [
            format_money(row["total"], row[self.totals_currency_field]) for row in rows
        ]
        response.context_data["money_totals_label"] = self.totals_label
        return response
