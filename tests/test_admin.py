"""Every admin page answers for staff, sends anonymous visitors to log in, and scales."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import results
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import translation
from django.utils.html import escape
from rest_framework.authtoken.models import Token

from common.admin_rows import rows_html
from devtools.demo.amendments import load_demo_amendments
from devtools.demo.logins import create_demo_logins
from devtools.demo.messages import load_demo_messages
from devtools.demo.portfolio import load_demo_portfolio
from devtools.demo.results import load_demo_results
from devtools.demo.updates import load_demo_updates
from devtools.generators.portfolio import generate_portfolio
from donors.models import DonorReport
from grants.models import ApplicationStatus, Call, FundingWindow, Project, ReviewAssignment
from members.models import Organisation, Seat, User
from tests.factories import ApplicationFactory, SeatTermFactory, StaffFactory, UserFactory, with_totp

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
IDS = [model._meta.label for model in REGISTERED]


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def portfolio(settings):
    settings.DEBUG = True  # the demo's payments are asked and paid by demo logins
    load_demo_portfolio()
    load_demo_results()
    create_demo_logins(
        host=Organisation.objects.get(short_name="UNOPS"),
        donor=Organisation.objects.get(short_name="SECO"),
        partner=Organisation.objects.get(short_name="Jinja"),
    )
    load_demo_amendments()
    load_demo_messages()
    load_demo_updates()
    SeatTermFactory(seat=Seat.objects.order_by("pk").first())
    application = ApplicationFactory(
        call=Call.objects.get(reference="innovation-fund-2026"), complete=True, status=ApplicationStatus.IN_REVIEW
    )
    ReviewAssignment.objects.create(application=application, reviewer=UserFactory(), assigned_by=StaffFactory())
    seco = Organisation.objects.get(short_name="SECO")
    DonorReport.objects.create(donor=seco, period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 3, 31))
    Token.objects.create(user=StaffFactory(email="api.client@example.org"))
    with_totp(StaffFactory(email="two.factor@example.org"))


def test_staff_open_the_list_add_and_change_pages_of_every_model(staff_client, portfolio, rf):
    request = rf.get("/")
    request.user = StaffFactory()
    failures = []
    for model in REGISTERED:
        instance = model._default_manager.order_by("pk").first()
        if instance is None:
            failures.append(f"the demo portfolio has no {model._meta.verbose_name}")
            continue
        urls = [admin_url(model, "changelist"), admin_url(model, "change", instance.pk)]
        if admin.site._registry[model].has_add_permission(request):
            urls.append(admin_url(model, "add"))
        for url in urls:
            response = staff_client.get(url)
            if response.status_code != 200:
                failures.append(f"{url} answered {response.status_code}")
        change = staff_client.get(admin_url(model, "change", instance.pk))
        if escape(str(instance)) not in change.content.decode():
            failures.append(f"the change page of {model._meta.label} does not name {instance}")

    assert failures == []


@pytest.mark.parametrize("model", REGISTERED, ids=IDS)
def test_anonymous_visitors_are_sent_to_log_in(client, model):
    response = client.get(admin_url(model, "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_contribution_list_totals_the_pledges_per_currency(staff_client, portfolio):
    response = staff_client.get(
        admin_url(*[m for m in REGISTERED if m._meta.model_name == "contribution"], "changelist")
    )
    totals = response.context["money_totals"]

    assert "CHF\xa010,320,000.00" in totals  # SECO: CHF 4,820,000 (phase 1) + CHF 5,500,000 (phase 2)
    assert "GBP\xa03,500,000.00" in totals


def test_the_secretariat_demo_user_can_work_in_the_admin_without_being_superuser(client, portfolio):
    client.login(email="secretariat@example.org", password="demo-portfolio")

    response = client.get(reverse("admin:grants_contribution_changelist"))

    assert response.status_code == 200
    assert "SECO-CA-PHASE-1" in response.content.decode()


def _changelist_queries(client, model) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(admin_url(model, "changelist")).status_code == 200
    return len(queries)


def test_no_changelist_takes_more_queries_for_many_rows_than_for_few(staff_client):
    generate_portfolio(projects=4, seed=1)
    SeatTermFactory()
    few = {model._meta.label: _changelist_queries(staff_client, model) for model in REGISTERED}

    generate_portfolio(projects=60, seed=2)
    SeatTermFactory.create_batch(3)
    many = {model._meta.label: _changelist_queries(staff_client, model) for model in REGISTERED}

    assert many == few


def test_staff_request_a_report_for_any_donor_in_the_admin(
    staff_client, django_capture_on_commit_callbacks, monkeypatch
):
    from donors import services

    monkeypatch.setattr(services, "render_report_pdf", lambda report: (b"%PDF-1.4 test", 1))
    load_demo_portfolio()
    seco = Organisation.objects.get(short_name="SECO")
    url = reverse("admin:donors_donorreport_request")

    refused = staff_client.post(url, {"donor": seco.pk, "period_start": "2025-03-31", "period_end": "2025-01-01"})
    with django_capture_on_commit_callbacks(execute=True):
        accepted = staff_client.post(url, {"donor": seco.pk, "period_start": "2025-01-01", "period_end": "2025-03-31"})

    assert "The period must end on or after its start." in refused.content.decode()
    assert accepted.status_code == 302
    report = DonorReport.objects.get()
    assert (report.donor, report.status, report.pages) == (seco, "ready", 1)
    download = staff_client.get(reverse("admin:donors_donorreport_pdf", args=[report.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 test"
    download.close()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_admin_lists_its_apps_and_their_models_by_name_in_the_users_language(rf, language):
    request = rf.get("/admin/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    with translation.override(language):
        apps = admin.site.get_app_list(request)
        names = [str(app["name"]) for app in apps]
        assert names == sorted(names, key=str.lower)
        for app in apps:
            models = [str(model["name"]) for model in app["models"]]
            assert models == sorted(models)


def test_a_page_of_the_admin_makes_its_list_of_apps_once_for_the_index_and_the_sidebar(staff_client):
    with mock.patch.object(admin.site, "_build_app_dict", wraps=admin.site._build_app_dict) as made:
        response = staff_client.get(reverse("admin:index"))
        assert response.status_code == 200
        assert made.call_count == 1
        response = staff_client.get(reverse("admin:grants_project_changelist"))
        assert response.status_code == 200
        assert made.call_count == 2
    assert response.context["available_apps"] and 'id="nav-sidebar"' in response.text


def test_the_admin_lists_only_the_models_a_staff_account_may_view_or_change(rf, staff_without_permissions):
    """Staff status alone lists nothing; the permission to view projects lists projects, and nothing else."""
    request = rf.get("/admin/")
    request.user = staff_without_permissions
    assert admin.site.get_app_list(request) == []

    staff_without_permissions.user_permissions.add(Permission.objects.get(codename="view_project"))
    request = rf.get("/admin/")
    request.user = User.objects.get(pk=staff_without_permissions.pk)  # its permissions read afresh
    apps = admin.site.get_app_list(request)
    assert [(app["app_label"], [model["object_name"] for model in app["models"]]) for app in apps] == [
        ("grants", ["Project"])
    ]
    assert apps[0]["models"][0]["perms"] == {"add": False, "change": False, "delete": False, "view": True}


def _rows_of_every_list(rf, query: str = ""):
    """For each admin list, with the demo's records: Django's rows (`items_for_result`) and those written in Python
    (`common.admin_rows`), each row its cells joined, as the list's template writes them."""
    user = StaffFactory()
    for model in REGISTERED:
        request = rf.get(f"{admin_url(model, 'changelist')}{query}")
        request.user, request.resolver_match = user, resolve(admin_url(model, "changelist"))
        changelist = admin.site._registry[model].get_changelist_instance(request)
        changelist.formset = None  # as the view leaves a list without editable fields
        yield model._meta.label, ["".join(cells) for cells in results(changelist)], rows_html(changelist)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_list_of_the_admin_writes_the_rows_django_writes(rf, portfolio, language):
    """Cell by cell: fields, choices, booleans, dates, amounts, related rows, the admin's own columns, missing
    values, the checkbox and the link to each record, in the user's language."""
    with translation.override(language):
        lists = list(_rows_of_every_list(rf))
    assert [label for label, django_rows, _ in lists if not django_rows] == []
    assert [label for label, django_rows, python_rows in lists if python_rows != django_rows] == []


def test_rows_written_in_python_carry_the_lists_filters_and_order_to_each_record_as_djangos(rf, portfolio):
    lists = list(_rows_of_every_list(rf, "?o=-1&q=a"))
    assert [label for label, django_rows, python_rows in lists if python_rows != django_rows] == []
    project_rows = {label: rows for label, rows, _ in lists}["grants.Project"]
    assert project_rows and all("_changelist_filters=o%3D-1%26q%3Da" in row for row in project_rows)


def test_a_list_written_in_python_escapes_what_users_typed(staff_client, portfolio):
    project = Project.objects.order_by("pk").first()
    Project.objects.filter(pk=project.pk).update(title='<script>alert("x")</script> & co')
    with mock.patch("common.admin_rows.rows_html", wraps=rows_html) as written:
        response = staff_client.get(admin_url(Project, "changelist"), {"q": project.code})
    assert written.call_count == 1
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in response.text
    assert "<script>alert" not in response.text


def test_lists_with_editable_fields_or_opened_as_pop_ups_keep_djangos_rows(staff_client, portfolio):
    """Only Django's rows write a row's form fields and a pop-up's link to the field that opened it."""
    with mock.patch("common.admin_rows.rows_html", wraps=rows_html) as written:
        editable = staff_client.get(admin_url(FundingWindow, "changelist"))
        pop_up = staff_client.get(admin_url(Project, "changelist"), {"_popup": "1", "_to_field": "id"})
    assert written.call_count == 0
    assert 'name="form-0-order"' in editable.text
    assert "data-popup-opener=" in pop_up.text
