"""Every kind of response carries the Content-Security-Policy and the Permissions-Policy; the site's own
templates write no inline script or style, and the admin's third-party inline attributes are allowed by hash."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines

from common.security import csp_hash
from tests import factories

SITE_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)
# Served pages only: the donor report's templates are drawn into a PDF by WeasyPrint, never sent to a browser.
SERVED_TEMPLATE_DIRS = [
    path for path in [settings.BASE_DIR / "templates", *settings.BASE_DIR.glob("*/templates")] if path.is_dir()
]
INLINE = re.compile(r"<style|<script(?![^>]*\bsrc=)[^>]*>|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def directives(header: str) -> set[str]:
    return {part.strip() for part in header.split(";")}


@pytest.fixture
def people(db):
    organisation = factories.OrganisationFactory()
    project = factories.ProjectFactory()
    return {
        "anonymous": None,
        "partner": factories.PartnerUserFactory(organisation=organisation),
        "staff": factories.StaffFactory(),
        "project": project,
    }


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("anonymous", "/"),
        ("anonymous", "/projects/"),
        ("anonymous", "/projects/{project}/"),
        ("anonymous", "/calls/"),
        ("anonymous", "/results/"),
        ("anonymous", "/accounts/login/"),
        ("anonymous", "/accounts/signup/"),
        ("anonymous", "/iati/"),
        ("anonymous", "/iati/activities.xml"),
        ("anonymous", "/api/v1/projects/"),
        ("anonymous", "/api/docs/"),
        ("anonymous", "/api/docs/?script="),
        ("anonymous", "/health/"),
        ("anonymous", "/no-such-page/"),
        ("anonymous", "/projects/?q=%00"),
        ("partner", "/portal/"),
        ("partner", "/portal/reports/"),
        ("partner", "/portal/organisation/"),
        ("staff", "/admin/"),
        ("staff", "/admin/grants/project/"),
        ("staff", "/admin/grants/project/add/"),
        ("staff", "/donors/"),
    ],
)
def test_every_kind_of_response_carries_the_site_policy_and_the_permissions_policy(client, people, who, path):
    if people[who]:
        client.force_login(people[who])
    response = client.get(path.format(project=people["project"].code))

    assert response.status_code in {200, 400, 404}, (path, response.status_code)
    assert directives(response["Content-Security-Policy"]) >= set(SITE_POLICY)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_only_the_admin_allows_the_inline_attributes_of_its_third_party_templates_by_hash(client, people):
    client.force_login(people["staff"])

    admin_policy = directives(client.get("/admin/")["Content-Security-Policy"])
    site_policy = directives(client.get("/")["Content-Security-Policy"])

    toggle = f"script-src-attr 'unsafe-hashes' {csp_hash('onSelectToggleChange(event)')}"
    assert toggle in admin_policy
    assert not any(part.startswith(("script-src-attr", "style-src-attr")) for part in site_policy)


def test_the_redoc_page_keeps_its_own_policy_held_to_the_site(client, db):
    response = client.get("/api/redoc/")

    policy = directives(response["Content-Security-Policy"])
    assert {"default-src 'self'", "connect-src 'self'", "object-src 'none'", "frame-ancestors 'none'"} <= policy
    assert "camera=()" in response["Permissions-Policy"]


def test_the_sites_own_templates_write_no_inline_script_style_or_handler():
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}: {match.group(0).strip()}"
        for directory in SERVED_TEMPLATE_DIRS
        for path in directory.rglob("*.html")
        if "pdf" not in path.relative_to(directory).parts and path.relative_to(directory).as_posix() != "api/redoc.html"
        for match in INLINE.finditer(path.read_text())
    ]

    assert offenders == []


def test_every_inline_attribute_of_the_admins_third_party_templates_is_allowed_by_its_hash():
    """When django-import-export or django-simple-history add an inline attribute, this names it."""
    allowed = {text for texts in settings.CSP_ADMIN_INLINE_ATTRIBUTES.values() for text in texts}
    found = set()
    for name in ("admin/import_export/export.html", "simple_history/object_history_list.html"):
        source = Path(engines["django"].engine.find_template(name)[1].name).read_text()
        found |= set(re.findall(r'\s(?:style|on[a-z]+)="([^"]*)"', source))

    assert found == allowed
