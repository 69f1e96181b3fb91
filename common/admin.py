"""Admin helpers shared by the apps."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ImportExportModelAdmin
from import_export.forms import ConfirmImportForm, ImportForm
from simple_history.admin import SimpleHistoryAdmin

from .appended_sums import sums_across_appends
from .figures import cached_query
from .import_widgets import ISO_DATE, date_format_choices
from .loose_index_scan import distinct_values
from .money import format_money


class ReadOnlyMixin:
    """Rows that services write (or that people write elsewhere), only read in the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ConditionFilter(admin.SimpleListFilter):
    """A list filter whose choices are conditions said elsewhere (a selector's `Q`), so that a figure counted
    with the same condition and the list filtered on it always agree.

    Subclasses give `conditions`: for each value in the query string, its label, and the condition (a function of
    nothing, called when the list is shown, so that conditions on today's date hold on the day they are read).
    """

    conditions: dict[str, tuple[str, Callable[[], Q]]] = {}

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _condition) in self.conditions.items()]

    def queryset(self, request, queryset):
        chosen = self.conditions.get(self.value())
        return queryset if chosen is None else queryset.filter(chosen[1]())

    @classmethod
    def query(cls, value: str) -> str:
        """The query string of the list filtered on `value`."""
        if value not in cls.conditions:
            raise ValueError(f"{cls.__name__} has no choice {value!r}")
        return urlencode({cls.parameter_name: value})


class SearchedRelatedFilter(admin.RelatedFieldListFilter):
    """A filter on a related row picked by typing (the admin's own autocomplete), for relations with too many rows
    to list: it shows "All" and the row chosen, never the whole table. The related model's admin needs
    `search_fields`; the model admin using it adds `SearchedFilterMedia`."""

    template = "admin/searched_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.admin_site = model_admin.admin_site
        super().__init__(field, request, params, model, model_admin, field_path)

    def field_choices(self, field, request, model_admin):
        related = field.remote_field.model._default_manager
        try:
            return [(row.pk, str(row)) for row in related.filter(pk__in=self.lookup_val or [])]
        except (ValueError, ValidationError):
            return []

    def has_output(self):
        return True

    def search_widget(self) -> str:
        """The select the admin's autocomplete turns into a search box; choosing a row reloads the list on it."""
        widget = AutocompleteSelect(
            self.field,
            self.admin_site,
            attrs={
                "data-filter-parameter": self.lookup_kwarg,
                "aria-label": _("Find %(title)s") % {"title": self.title},
            },
        )
        choice = forms.ModelChoiceField(self.field.remote_field.model._default_manager.all(), widget=widget)
        chosen = self.lookup_choices[0][0] if self.lookup_choices else None
        return choice.widget.render(self.lookup_kwarg, chosen, attrs={"id": f"searched-filter-{self.field_path}"})


class SearchedFilterMedia:
    """The admin's autocomplete scripts, and the one that reloads the list, for lists using SearchedRelatedFilter."""

    @property
    def media(self):
        return (
            super().media
            + AutocompleteSelect(None, self.admin_site).media
            # Named after jquery.init.js so that the media merge keeps it after `django.jQuery` exists.
            + forms.Media(js=["admin/js/jquery.init.js", "js/admin-searched-filter.js"])
        )


def next_url(request, *, default: str) -> str:
    """Where to go after an act: the page that offered it (`next`, on this site only), or `default`."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return default


class RecordPageMixin:
    """A page per record that shows everything about it, where the list's rows lead; the edit form stays one
    click away. Subclasses name `record_template` and give the page's data in `record_context`."""

    record_template = ""
    change_form_template = "admin/record_change_form.html"

    def record_context(self, request, obj) -> dict:
        raise NotImplementedError

    def change_view(self, request, object_id, form_url="", extra_context=None):
        opts = self.model._meta
        record_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_record", args=[object_id])
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "record_url": record_url})

    def response_post_save_add(self, request, obj):
        return redirect(self.record_url(obj))

    def response_post_save_change(self, request, obj):
        return redirect(self.record_url(obj))

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/record/",
                self.admin_site.admin_view(self.record_view),
                name=f"{opts.app_label}_{opts.model_name}_record",
            ),
            *super().get_urls(),
        ]

    def record_url(self, obj) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_record", args=[quote(obj.pk)])

    def get_changelist(self, request, **kwargs):
        record_url = self.record_url

        class RecordChangeList(ChangeList):
            def url_for_result(self, result) -> str:
                return record_url(result)

        return RecordChangeList

    def record_view(self, request, object_id: str):
        # The list's own prefetching is for its rows: the page's selector reads what the page shows.
        queryset = self.get_queryset(request).prefetch_related(None)
        try:
            obj = queryset.get(pk=self.model._meta.pk.to_python(unquote(object_id)))
        except (self.model.DoesNotExist, ValidationError):
            raise Http404 from None
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": obj,
            "title": str(obj),
            "has_change_permission": self.has_change_permission(request, obj),
            "record_url": self.record_url(obj),
            **self.record_context(request, obj),
        }
        return TemplateResponse(request, self.record_template, context)


class HistoryAdmin(SimpleHistoryAdmin):
    """A record's history (django-simple-history). Reverting to a past version (a POST to its page) changes the
    record, so it takes the permission to change it, which django-simple-history does not ask for: without it,
    anyone who may view a record could change it, and a ledger row, which no one changes, could be rewritten."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and not self.has_change_permission(
            request, self.get_object(request, unquote(object_id))
        ):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class CountedListMixin:
    """For a list annotated with a count of related rows: the count's GROUP BY drops the model's own ordering,
    so the admin orders by it explicitly (otherwise its autocomplete pages an unordered list)."""

    def get_ordering(self, request):
        return self.ordering or self.model._meta.ordering


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


class KeptValuesFilter(admin.AllValuesFieldListFilter):
    """Django's filter by the values a column holds, those values kept in the cache until a row changes
    (common.figures) and read through the column's index (`distinct_values`): listing the few currencies of a
    ledger of a million rows with `SELECT DISTINCT` reads every row. The column needs an index."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        values = self.values_offered(field, self.lookup_choices)
        self.lookup_choices = cached_query("admin-values", values, lambda: distinct_values(values, field))

    def values_offered(self, field, values: QuerySet) -> QuerySet:
        """The query of the values offered: Django's, over the rows of the admin's own query."""
        return values


class ChoicesInUseFilter(KeptValuesFilter):
    """A filter of a field with choices (a country) offering only the values the rows hold, each by its label, in
    the labels' order: the projects' 40 countries by name, not the standard's 249. Django's filter of a field with
    choices lists every choice, and writes each one's link, on every visit of the list."""

    def values_offered(self, field, values: QuerySet) -> QuerySet:
        # The values the table's rows hold, through the column's index: the admin's query may count or annotate.
        return field.model._default_manager.order_by(field.name).values_list(field.name, flat=True).distinct()

    def choices(self, changelist):
        everything, *offered = super().choices(changelist)
        labels = {"": self.empty_value_display, **{str(value): label for value, label in self.field.flatchoices}}
        values = [str(value) for value in self.lookup_choices if value is not None]
        named = [
            {**choice, "display": f"{labels.get(value, value)}{choice['display'][len(value) :]}"}  # and its count
            for value, choice in zip(values, offered, strict=False)
        ]
        yield everything
        yield from sorted(named, key=lambda choice: str(choice["display"]).casefold())
        yield from offered[len(values) :]  # rows without a value


class MoneyTotalsMixin:
    """Shows, under a changelist, the total of a money column per currency for the filtered rows, read in the
    same pass as the list's count: one read of the selection, kept until a row of the tables it reads changes;
    over the ledger, whose rows are only ever added, kept across the rows added since (common.appended_sums).

    The total is taken over the rows the list shows, each once: a search or a filter across a
    many-valued relation (a project's partners, cities, countries) joins one row to many, and
    summing over that join would count the row as often as it matched.
    """

    change_list_template = "admin/change_list_with_totals.html"
    totals_amount_field = "amount"
    totals_currency_field = "currency"
    totals_label = ""

    def selection_summary(self, selected: QuerySet) -> list[tuple[str, Decimal, int]]:
        """`(currency, total, rows)` of the selected rows, each row once, in the currency's order; read once for
        the list's count and its totals."""
        if not hasattr(selected, "_selection_summary"):
            selected._selection_summary = self._read_selection_summary(selected)
        return selected._selection_summary

    def _read_selection_summary(self, selected: QuerySet) -> list[tuple[str, Decimal, int]]:
        rows = selected
        if selected.query.distinct or selected.query.annotations:  # a many-valued join: each row once
            rows = self.model._default_manager.filter(pk__in=selected.values("pk"))
        dated = self._drill_down_date(selected)
        # The drill-down's first and last dates are read in the same pass, at no cost measured: read apart, they were
        # one more read of the selection each time a change made it be read again (13 to 27 ms at 50,000 projects).
        bounds = {"first": Min(dated), "last": Max(dated)} if dated else {}
        sums = (
            rows.order_by()
            .values_list(self.totals_currency_field)
            .annotate(total=Sum(self.totals_amount_field), rows=Count("pk"), **bounds)
        )
        # A sum over a whole ledger: kept until a row of the tables it reads changes, and across the rows added to
        # the ledger since (common.appended_sums).
        summary = sums_across_appends("admin-selection", sums)
        if dated:  # one first and one last date per currency: the list's are the earliest and the latest
            firsts = [first for *_sums, first, _last in summary if first is not None]
            lasts = [last for *_sums, _first, last in summary if last is not None]
            selected.bounds_read(dated, min(firsts, default=None), max(lasts, default=None))
        return [(currency, total, count) for currency, total, count, *_bounds in summary]

    def _drill_down_date(self, selected: QuerySet) -> str | None:
        """The date of the list's drill-down, where the list's rows take its first and last from another read
        (`bounds_read`, common/admin_large_lists.py): a column of the listed table itself."""
        field = self.date_hierarchy
        return field if field and "__" not in field and hasattr(selected, "bounds_read") else None

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return SummaryCountPaginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            count=lambda: sum(rows for _currency, _total, rows in self.selection_summary(queryset)),
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is None:
            return response
        totals = self.selection_summary(changelist.queryset)
        response.context_data["money_totals"] = [format_money(total, currency) for currency, total, _ in totals]
        response.context_data["money_totals_label"] = self.totals_label
        return response


class SummaryCountPaginator(Paginator):
    """Pages whose number of rows is given by `count()`: a list that reads its rows' totals counts them in the
    same pass (`MoneyTotalsMixin`)."""

    def __init__(self, *args, count: Callable[[], int], **kwargs):
        super().__init__(*args, **kwargs)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count()


class DatedImportForm(ImportForm):
    """The import form, with how the file writes its dates: ISO unless staff choose another format."""

    date_format = forms.ChoiceField(
        label=gettext_lazy("Dates in the file are written"),
        choices=date_format_choices,
        initial=ISO_DATE,
        required=False,
        help_text=gettext_lazy(
            "A date written otherwise is refused, never guessed. Date cells of a spreadsheet are read as dates."
        ),
    )


class DatedConfirmImportForm(ConfirmImportForm):
    date_format = forms.ChoiceField(choices=date_format_choices, widget=forms.HiddenInput, required=False)


class CheckedImportExportAdmin(ImportExportModelAdmin):
    """Spreadsheet import and export. Staff say how the file writes dates; the preview lists every refused row
    in words; an import confirmed after its preview that a row now fails (the data changed meanwhile) is rolled
    back whole by its resource, and the admin says so instead of reporting success.
    """

    import_template_name = "admin/import_export/checked_import.html"
    import_form_class = DatedImportForm
    confirm_form_class = DatedConfirmImportForm

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        cleaned = getattr(form, "cleaned_data", None) or {}
        return {
            **super().get_import_resource_kwargs(request, **kwargs),
            "date_format": cleaned.get("date_format") or ISO_DATE,
        }

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["date_format"] = import_form.cleaned_data["date_format"] or ISO_DATE
        return initial

    def process_result(self, result, request):
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        problems = [message for row in result.invalid_rows for message in row.error.messages]
        problems += [str(error.error) for error in result.base_errors]
        problems += [
            _("row %(row)s: %(error)s") % {"row": number, "error": error.error}
            for number, errors in result.row_errors()
            for error in errors
        ]
        self.message_user(
            request, _("Nothing was imported: %(problems)s") % {"problems": " ".join(problems)}, messages.ERROR
        )
        opts = self.model._meta
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_import")
