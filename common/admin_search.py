"""An admin search across many-valued relations (a project's partners, its cities) without DISTINCT.

Django joins each searched relation and, when one holds many rows per record, makes the whole list DISTINCT:
every count, total and page of a broad search then sorts every joined row (about 200 ms each over 50,000
projects). Here a searched path that crosses a many-valued relation becomes an EXISTS on that relation, so
the list keeps one row per record and reads like any other: the same records, found by the same words.
"""

from __future__ import annotations

from django.contrib.admin.utils import lookup_spawns_duplicates
from django.db.models import Exists, ForeignObjectRel, Model, OuterRef, Q
from django.db.models.constants import LOOKUP_SEP
from django.utils.text import smart_split, unescape_string_literal


class ExistsSearchMixin:
    """For a changelist whose `search_fields` cross many-valued relations: plain fields (no `^`, `=` or `@`)
    searched with icontains, word by word, each word in any field, as Django does."""

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        fields = [str(field) for field in self.get_search_fields(request)]
        if not may_have_duplicates or any(field[:1] in "^=@" for field in fields):
            return found, may_have_duplicates
        words = search_words(search_term)
        matched = [
            Q.create([_matches(queryset.model, field, word) for field in fields], connector=Q.OR) for word in words
        ]
        return queryset.filter(*matched), False


def search_words(search_term: str) -> list[str]:
    """The words of an admin search as Django's search reads them: split at spaces, a quoted phrase one word."""
    return [_unquoted(word) for word in smart_split(search_term)]


def _unquoted(word: str) -> str:
    return unescape_string_literal(word) if word.startswith(('"', "'")) and word[0] == word[-1] else word


def _matches(model: type[Model], path: str, word: str) -> Q | Exists:
    """`path__icontains=word`, or, where `path` crosses a many-valued relation, an EXISTS on that relation."""
    if not lookup_spawns_duplicates(model._meta, path):
        return Q(**{f"{path}__icontains": word})
    parts = path.split(LOOKUP_SEP)
    opts, prefix = model._meta, []
    for index, part in enumerate(parts):
        field = opts.get_field(part)
        if field.many_to_many or field.one_to_many:
            back = field.field.name if isinstance(field, ForeignObjectRel) else field.related_query_name()
            outer = OuterRef(LOOKUP_SEP.join([*prefix, "pk"]))
            rest = LOOKUP_SEP.join(parts[index + 1 :])
            return Exists(field.related_model._default_manager.filter(**{back: outer, f"{rest}__icontains": word}))
        prefix.append(part)
        opts = field.related_model._meta
    raise ValueError(f"{path} crosses no many-valued relation")  # lookup_spawns_duplicates said it did
