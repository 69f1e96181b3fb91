"""Open data in the browser: staff load an IATI file from the admin, and the API's documentation pages
render from the site's own assets."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree
from playwright.sync_api import expect

from grants.models import Project
from opendata import iati
from tests.e2e.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

SECRETARIAT = "secretariat@example.org"
# WCAG contrast ratio of an element's text against the background of its nearest ancestor that has one.
CONTRAST = """element => {
    const rgb = value => value.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const luminance = ([r, g, b]) => [r, g, b].map(c => c / 255)
        .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
        .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    let holder = element;
    while (getComputedStyle(holder).backgroundColor === 'rgba(0, 0, 0, 0)') holder = holder.parentElement;
    const [a, b] = [getComputedStyle(element).color, getComputedStyle(holder).backgroundColor].map(rgb).map(luminance);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


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


def test_a_visitor_finds_the_open_data_from_any_page_and_downloads_the_iati_file(page, live_server, demo, shot):
    public = Project.objects.filter(is_public=True).count()

    page.goto(f"{live_server.url}/projects/")
    footer_link = page.get_by_role("link", name="Open data: IATI files and API")
    assert footer_link.evaluate(CONTRAST) >= 4.5  # legible on the footer's dark blue
    footer_link.click()

    expect(page.get_by_role("heading", name="Open data", level=1)).to_be_visible()
    expect(page.get_by_text(f"{public + 1} activities: {public} projects and the pooled fund")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download activities.xml").click()
    document = etree.parse(download.value.path()).getroot()
    assert document.tag == "iati-activities" and len(document.findall("iati-activity")) == public + 1
    shot(page, "open-data")
    page.set_viewport_size(PHONE)
    assert not page.evaluate("() => document.scrollingElement.scrollWidth > window.innerWidth")
    shot(page, "open-data-phone")


@pytest.mark.parametrize(("path", "landmark"), [("/api/docs/", ".swagger-ui .opblock"), ("/api/redoc/", ".redoc-wrap")])
def test_the_api_documentation_renders_every_endpoint_from_the_sites_own_assets(
    page, live_server, transactional_db, shot, csp_violations, path, landmark
):
    hosts = set()
    page.on("response", lambda response: hosts.add(urlsplit(response.url).netloc))

    page.goto(f"{live_server.url}{path}")

    expect(page.locator(landmark).first).to_be_visible()
    expect(page.get_by_text("/api/v1/projects/").first).to_be_attached()
    # Redoc's attribution would show its vendor's logo from a CDN: it stays hidden.
    expect(page.get_by_text("API docs by Redocly")).to_be_hidden()
    # Nothing was loaded from elsewhere (data: and blob: addresses have no host).
    assert hosts - {""} == {urlsplit(live_server.url).netloc}
    # Redoc always asks for that logo; the page's policy refusing it is the only refusal the docs cause.
    assert all("https://cdn.redoc.ly/redoc/logo-mini.svg" in violation for violation in csp_violations)
    csp_violations.clear()
    shot(page, f"api-docs-{path.strip('/').replace('/', '-')}", full_page=False)


def test_a_programme_officer_maps_another_publishers_file_and_sees_why_nothing_was_imported(
    page, live_server, demo, log_in, shot
):
    donor_file = Path(__file__).parent.parent / "opendata" / "publishers" / "bilateral_donor.xml"
    log_in(page, "programme@example.org")

    page.goto(f"{live_server.url}/admin/grants/project/")
    page.get_by_role("link", name="Import other publishers' activities").click()
    page.get_by_label("IATI 2.03 activity file").set_input_files(str(donor_file))
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", name="bilateral_donor.xml: 2 activities")).to_be_visible()
    activities = page.locator("section.foreign-activity")
    kampala = activities.filter(has_text="XM-EXAMPLE-DONOR-4021-A")
    choose = "Choose the facility this activity belongs to, or leave it out."
    expect(kampala.locator(".outcome")).to_contain_text(choose)
    expect(kampala.locator("table.unmapped")).to_contain_text("/iati-activities/iati-activity[1]/document-link")
    shot(page, "iati-foreign-preview")
    page.set_viewport_size(PHONE)
    assert not page.evaluate("() => document.scrollingElement.scrollWidth > window.innerWidth")
    shot(page, "iati-foreign-preview-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    for section in activities.all():
        section.get_by_label("Facility (window)").select_option(label="Community Upgrading Fund (Country/City Window)")
    page.get_by_role("button", name="Check again with these choices").click()

    # The demo's books for 2025 are closed: the activity's 2025 commitment cannot be recorded, so nothing is.
    expect(kampala.locator(".outcome")).to_contain_text("The accounting period FY2025 is closed")
    expect(activities.filter(has_text="XM-EXAMPLE-DONOR-4022").locator(".outcome")).to_have_text("created")
    page.get_by_role("button", name="Import").click()

    expect(page.locator(".errornote")).to_contain_text("nothing is imported until each one loads")
    assert not Project.objects.filter(code__startswith="XM-EXAMPLE-DONOR").exists()
    shot(page, "iati-foreign-refused")
