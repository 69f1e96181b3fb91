from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from common.paging import page_of

from . import selectors
from .models import Project
from .sections import public_page
from .selectors.updates import project_public_updates


def home(request: HttpRequest) -> HttpResponse:
    figures = selectors.home_figures()
    context = {"headline": figures.headline, "by_window": figures.by_window, "by_year": figures.by_year}
    return render(request, "grants/home.html", context)


def project_list(request: HttpRequest) -> HttpResponse:
    page = page_of(selectors.project_list(), request.GET.get("page"), per_page=25)
    return render(request, "grants/project_list.html", {"page": page})


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
