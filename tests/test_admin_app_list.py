"""The admin's list of apps, written in Python (citiesalliance/admin_app_list.py), reads as Django's own template
`admin/app_list.html` writes it: in the sidebar of every admin page and on the index, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import django
import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.template import Context, Template
from django.test import RequestFactory
from django.test.html import parse_html
from django.utils import translation

from citiesalliance.admin_app_list import app_list_html
from tests.factories import StaffWithoutPermissionsFactory, UserFactory

pytestmark = pytest.mark.django_db

DJANGOS_TEMPLATE = Path(django.__file__).parent / "contrib/admin/templates/admin/app_list.html"
PROJECTS = "/admin/grants/project/"


def djangos(app_list, *, path: str, show_changelinks: bool) -> str:
    request = RequestFactory().get(path)
    context = Context({"app_list": app_list, "request": request, "show_changelinks": show_changelinks})
    return Template(DJANGOS_TEMPLATE.read_text()).render(context)


def app_list_of(user, path: str = PROJECTS):
    request = RequestFactory().get(path)
    request.user = user
    return admin.site.get_app_list(request)


def view_only_staff():
    staff = StaffWithoutPermissionsFactory()
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_project", "view_transaction", "add_city", "view_city"])
    )
    return type(staff).objects.get(pk=staff.pk)  # its permissions read afresh


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("show_changelinks", [False, True])
@pytest.mark.parametrize("path", [PROJECTS, "/admin/", "/admin/grants/", "/admin/members/user/4/change/"])
def test_the_list_reads_as_djangos_template_writes_it(language, show_changelinks, path):
    with translation.override(language):
        for user in (UserFactory(is_staff=True, is_superuser=True), view_only_staff()):
            app_list = app_list_of(user, path)
            ours = app_list_html(app_list, path=path, show_changelinks=show_changelinks)

            assert parse_html(ours) == parse_html(djangos(app_list, path=path, show_changelinks=show_changelinks))


def test_a_staff_account_is_offered_the_lists_and_adding_its_permissions_allow_and_nothing_else():
    html = app_list_html(app_list_of(view_only_staff()), path=PROJECTS, show_changelinks=True)

    listed = re.findall(r'<th scope="row" id="([a-z]+-[a-z]+)">', html)
    assert sorted(listed) == ["grants-city", "grants-project", "grants-transaction"]
    assert re.findall(r'<a href="([^"]+)" class="addlink"', html) == ["/admin/grants/city/add/"]
    assert re.findall(r'class="(viewlink|changelink)" aria-describedby="([a-z-]+)"', html) == [
        ("viewlink", "grants-city"),
        ("viewlink", "grants-project"),
        ("viewlink", "grants-transaction"),
    ]


def test_names_and_addresses_are_escaped_and_nothing_to_show_says_so():
    app_list = [
        {
            "name": "<b>Grants</b> & co",
            "app_label": "grants",
            "app_url": '/admin/grants/?x="1"',
            "models": [
                {
                    "name": "<i>Projects</i>",
                    "object_name": "Project",
                    "admin_url": "/admin/grants/project/?a=1&b=2",
                    "add_url": None,
                    "view_only": True,
                },
                {"name": "Cities", "object_name": "City", "admin_url": None, "add_url": "/admin/grants/city/add/"},
            ],
        }
    ]
    ours = app_list_html(app_list, path=PROJECTS, show_changelinks=True)

    assert parse_html(ours) == parse_html(djangos(app_list, path=PROJECTS, show_changelinks=True))
    assert "&lt;b&gt;Grants&lt;/b&gt; &amp; co" in ours and "&lt;i&gt;Projects&lt;/i&gt;" in ours
    assert 'href="/admin/grants/project/?a=1&amp;b=2"' in ours
    empty = app_list_html([], path=PROJECTS, show_changelinks=False)
    assert parse_html(empty) == parse_html(djangos([], path=PROJECTS, show_changelinks=False))
    assert "permission to view or edit anything" in empty


def test_the_sidebar_marks_the_list_shown_and_the_index_offers_change_links(admin_client):
    projects = admin_client.get(PROJECTS).content.decode()
    index = admin_client.get("/admin/").content.decode()

    assert '<tr class="model-project current-model">' in projects
    assert '<a href="/admin/grants/project/" aria-current="page">Projects</a>' in projects
    assert 'class="app-grants module current-app"' in projects
    assert '<a href="/admin/grants/project/" class="changelink" aria-describedby="grants-project">Change</a>' in index
    assert "current-model" not in index
