"""Drop-down lists of a table's rows, read in one query.

Django's `ModelChoiceField` reads its rows through `QuerySet.iterator()`, which on PostgreSQL opens a server-side
cursor: DECLARE … WITH HOLD, FETCH and CLOSE, three round trips and a copy of the rows made at commit, for a list
of a few dozen windows, themes or donors. A filter of five lists paid it five times on every visit of the results
page. These lists read their rows as any small query does.
"""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator


class ListedChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():  # a fresh copy each time the list is written, as Django's
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A `ModelChoiceField` whose rows are read in one query, not through a server-side cursor."""

    iterator = ListedChoiceIterator
