from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors
from .models import Project
from .sections import public_page
from .selectors.updates import project_public_updates


def home(request: HttpRequest) -> HttpResponse:
    transactions = selectors.public_transactions()
    context = {
        "headline": selectors.portfolio_headline(),
        "by_window": selectors.money_by("window", transactions=transactions),
        "by_year": selectors.money_by("year", transactions=transactions),
    }
    return render(request, "grants/home.html", context)


def project_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.project_list(), 25).get_page(request.GET.get("page"))
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
