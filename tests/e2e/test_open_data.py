"""Open data in the browser: staff load an IATI file from the admin, and the API's documentation pages
render from the site's own assets."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from opendata import iati

pytestmark = pytest.mark.django_db(transaction=True)

SECRETARIAT = "secretariat@example.org"


def test_staff_import_an_iati_file_from_the_projects_list_and_read_each_outcome(
    page, live_server, demo, log_in, shot, tmp_path
):
    exported = tmp_path / "activities.xml"
    exported.write_bytes(b"".join(iati.activities_xml()))
    not_iati = tmp_path / "notes.xml"
    not_iati.write_text("<notes/>")
    log_in(page, SECRETARIAT)

    page.goto(f"{live_server.url}/admin/grants/project/")
    page.get_by_role("link", name="Import IATI activities").click()
    page.get_by_label("IATI 2.03 activity file").set_input_files(str(not_iati))
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".errorlist")).to_contain_text("not an IATI activity file")
    expect(page.locator(".errorlist")).to_contain_text("Nothing was imported.")
    page.get_by_label("IATI 2.03 activity file").set_input_files(str(exported))
    page.get_by_role("button", name="Import").click()

    report = page.locator("#import-report")
    expect(page.get_by_role("heading", name="0 created, 0 updated")).to_be_visible()
    expect(report.get_by_role("row").filter(has_text="XI-IATI-CITIES-ALLIANCE-FUND")).to_contain_text("unchanged")
    expect(report.get_by_role("row").filter(has_text="CP-UGA-2014")).to_contain_text("unchanged")
    shot(page, "iati-import-report")


@pytest.mark.parametrize(("path", "landmark"), [("/api/docs/", ".swagger-ui .opblock"), ("/api/redoc/", ".redoc-wrap")])
def test_the_api_documentation_renders_every_endpoint_from_the_sites_own_assets(
    page, live_server, transactional_db, shot, path, landmark
):
    hosts = set()
    page.on("response", lambda response: hosts.add(urlsplit(response.url).netloc))

    page.goto(f"{live_server.url}{path}")

    expect(page.locator(landmark).first).to_be_visible(timeout=20_000)
    expect(page.get_by_text("/api/v1/projects/").first).to_be_attached()
    # Redoc's attribution would show its vendor's logo from a CDN: it stays hidden.
    expect(page.get_by_text("API docs by Redocly")).to_be_hidden()
    # Nothing was loaded from elsewhere (data: and blob: addresses have no host).
    assert hosts - {""} == {urlsplit(live_server.url).netloc}
    shot(page, f"api-docs-{path.strip('/').replace('/', '-')}", full_page=False)
