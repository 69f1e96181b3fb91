"""How staff find rows of the ledger by the words they type: the admin's search and the API's, one rule."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Lower

from ..models import Contribution, Project, Transaction


def transactions_matching(rows: QuerySet[Transaction], words: Iterable[str]) -> QuerySet[Transaction]:
    """The rows in which each word is found, whatever its case: in the row's reference or description, its
    project's code or its contribution's reference.

    Over a million rows, folding each row's case for every search was most of the search's time: the row's own
    words are compared as the database folded them when it was inserted (`Transaction.search_text`), the
    word folded by the same function, and the projects and contributions (tens of thousands) are searched once
    each, not once per row that joins them.
    """
    for word in words:
        rows = rows.filter(
            Q(search_text__contains=Lower(Value(word)))
            | Q(project__in=Project.objects.filter(code__icontains=word).values("pk"))
            | Q(contribution__in=Contribution.objects.filter(reference__icontains=word).values("pk"))
        )
    return rows
