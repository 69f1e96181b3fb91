from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from common.currency_choice import choose_currency
from common.filtering import active_filter_count, filters_query
from common.paging import page_of

from . import selectors
from .filters import PublicProjectFilter
from .models import Project
from .sections import public_page
from .selectors.updates import project_public_updates


def home(request: HttpRequest) -> HttpResponse:
    choice = choose_currency(request, settings.PUBLIC_CURRENCIES)
    figures = selectors.home_figures(quote=choice.currency)
    context = {
        "choice": choice,
        "headline": figures.headline,
        "by_window": figures.by_window,
        "by_year": figures.by_year,
    }
    return render(request, "grants/home.html", context, status=choice.status)


def project_list(request: HttpRequest) -> HttpResponse:
    filterset = PublicProjectFilter(request.GET or None, queryset=selectors.project_list())
    # A value the form refuses (an unknown window, the year "abc") is said beside its field, with a 400; the
    # list shows what the other, valid, values select.
    valid = not filterset.is_bound or filterset.is_valid()
    context = {
        "filter": filterset,
        "page": page_of(filterset.qs, request.GET.get("page"), per_page=25),
        "query": filters_query(request.GET),
        "described": filterset.described(),
        "active_filters": active_filter_count(request.GET, besides=("q",)),
    }
    return render(request, "grants/project_list.html", context, status=200 if valid else 400)


def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        # Anyone sees a published project; staff and its partners see it before it is published too.
        project = selectors.project_detail(code=code, projects=selectors.visible_projects(request.user))
    except Project.DoesNotExist:
        raise Http404 from None
    context = {
        "project": project,
        "money": selectors.project_money(project),
        "sections": public_page.of(project),
        "updates": project_public_updates(project),
    }
    return render(request, "grants/project_detail.html", context)
