"""The donor report PDF: the figures a donor reads in it, and pages that are neither empty nor cut off.

One report is rendered for the module (inside a transaction rolled back afterwards), from a donor
whose money moved in 2021: a receipt of CHF 1,000,000, an allocation, and a payment to a project.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from PIL import Image
from pypdf import PdfReader

from donors import services
from donors.models import DonorReport
from grants.services import contribution_receive, disbursement_record
from members.models import OrganisationKind
from tests.conftest import require_tool
from tests.factories import (
    AllocationFactory,
    ContributionFactory,
    ExchangeRateFactory,
    GrantAgreementFactory,
    OrganisationFactory,
    ProjectCountryFactory,
    ProjectFactory,
)

# Every test declares the database, so pytest-django sets up the test database before the module's
# fixture writes to it, whichever tests are selected.
pytestmark = pytest.mark.django_db

DONOR = "Federal Office for Urban Cooperation"
PERIOD = (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
RATE_2020, RATE_2021 = Decimal("1.10"), Decimal("1.05")  # CHF in USD, recorded on 1 January of each year
RATE_SOURCE = "Swiss National Bank"
EN_DASH = "\u2013"
DPI = 50
MM = DPI / 25.4  # pixels per millimetre at that resolution
# The print stylesheet's page margins (top, right, bottom), in millimetres.
MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM = 24, 18, 20


def usd(amount: Decimal, places: int = 2) -> str:
    return f"{amount:,.{places}f}"


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u2002", " "))


@dataclass
class Rendered:
    pages: list[str]
    images: list[Path]
    page_count: int

    @property
    def text(self) -> str:
        return " ".join(self.pages)


def render(report: DonorReport, folder: Path) -> Rendered:
    content, page_count = services.render_report_pdf(report)
    pdf = folder / "report.pdf"
    pdf.write_bytes(content)
    pages = [normalised(page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]
    require_tool("pdftoppm")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf), str(folder / "page")], check=True)
    return Rendered(pages, sorted(folder.glob("page-*.png")), page_count)


def arrange_donor_with_a_year_of_activity() -> DonorReport:
    """CHF agreement of 2020; in 2021 a receipt, an allocation and a payment; another receipt in 2020."""
    donor = OrganisationFactory(name=DONOR, short_name="FOUC", kind=OrganisationKind.NATIONAL_GOVERNMENT)
    for day, rate in ((dt.date(2020, 1, 1), RATE_2020), (dt.date(2021, 1, 1), RATE_2021)):
        ExchangeRateFactory(currency="CHF", quote_currency="USD", date=day, rate=rate, source=RATE_SOURCE)
    agreement = ContributionFactory(
        donor=donor, reference="FOUC-2020", currency="CHF", amount=Decimal("3000000"), start_date=dt.date(2020, 1, 1)
    )
    kampala = ProjectFactory(
        code="TST-UGA-2020", title="Upgrading informal settlements in Kampala", approved_budget=Decimal("500000")
    )
    ProjectCountryFactory(project=kampala, country="UG")
    GrantAgreementFactory(project=kampala, amount=Decimal("400000"), signed_on=dt.date(2020, 3, 1))
    tamale = ProjectFactory(
        code="TST-GHA-2021", title="Tamale city development strategy", approved_budget=Decimal("300000")
    )
    ProjectCountryFactory(project=tamale, country="GH", percentage=Decimal("60"))
    ProjectCountryFactory(project=tamale, country="BF", percentage=Decimal("40"))
    GrantAgreementFactory(project=tamale, amount=Decimal("300000"), signed_on=dt.date(2021, 1, 20))

    AllocationFactory(
        contribution=agreement, project=kampala, amount=Decimal("200000"), allocated_on=dt.date(2020, 6, 1)
    )
    AllocationFactory(
        contribution=agreement, project=tamale, amount=Decimal("100000"), allocated_on=dt.date(2021, 2, 1)
    )
    contribution_receive(contribution=agreement, amount=Decimal("500000"), value_date=dt.date(2020, 2, 1))
    contribution_receive(
        contribution=agreement, amount=Decimal("1000000"), value_date=dt.date(2021, 3, 15), reference="FOUC-IN-2"
    )
    disbursement_record(project=kampala, amount=Decimal("100000"), value_date=dt.date(2021, 6, 1))
    return DonorReport.objects.create(donor=donor, period_start=PERIOD[0], period_end=PERIOD[1])


@pytest.fixture(scope="module")
def rendered(django_db_setup, django_db_blocker, tmp_path_factory) -> Rendered:
    with django_db_blocker.unblock(), transaction.atomic():
        report = arrange_donor_with_a_year_of_activity()
        result = render(report, tmp_path_factory.mktemp("donor-report"))
        transaction.set_rollback(True)
    return result


def page_with(rendered: Rendered, text: str) -> int:
    """The number of the first page after the contents (page 2) whose text contains `text`."""
    return next(number for number, page in enumerate(rendered.pages, start=1) if number > 2 and text in page)


def test_the_donor_and_the_period_are_on_the_cover_and_in_the_header_of_every_later_page(rendered):
    cover = rendered.pages[0]
    assert DONOR in cover
    assert "DONOR REPORT" in cover
    assert f"1 Jan 2021 {EN_DASH} 31 Dec 2021" in cover
    for number, page in enumerate(rendered.pages[1:], start=2):
        assert f"{DONOR} · 1 Jan 2021 {EN_DASH} 31 Dec 2021" in page
        assert f"Page {number} of {rendered.page_count}" in page


def test_the_summary_gives_the_period_and_to_date_totals_in_the_reporting_currency(rendered):
    received_in_period = Decimal("1000000") * RATE_2021
    allocated_in_period = Decimal("100000") * RATE_2021
    # Kampala's payment is shared in proportion to the allocation (CHF 200,000 at 1.10) out of its
    # USD 400,000 commitment, the larger of the two.
    share = Decimal("200000") * RATE_2020 / Decimal("400000")
    paid_on_their_behalf = Decimal("100000") * share
    pledged = Decimal("3000000") * RATE_2020
    received = Decimal("500000") * RATE_2020 + received_in_period
    summary = rendered.pages[page_with(rendered, "1 Summary") - 1]

    for amount in (received_in_period, allocated_in_period, paid_on_their_behalf, pledged, received):
        assert f"USD {usd(amount, 0)}" in summary
    assert f"USD {usd(received - paid_on_their_behalf, 0)}" in summary  # the balance held
    assert "Projects funded 2" in summary
    assert "Countries they work in 3" in summary


def test_the_statement_lists_the_receipt_allocation_and_payment_of_the_period(rendered):
    text = rendered.text

    assert f"15 Mar 2021 FOUC-2020 FOUC-IN-2 CHF 1,000,000.00 {RATE_2021}† rate of 1 Jan 2021" in text
    assert f"Received in the period {usd(Decimal('1000000') * RATE_2021)}" in text
    start = text.index("Allocations made in the period Date")
    allocations = text[start : text.index("Payments to projects in", start)]
    assert "1 Feb 2021 FOUC-2020 → TST-GHA-2021" in allocations
    assert f"CHF 100,000.00 {usd(Decimal('100000') * RATE_2021)}" in allocations
    assert "TST-UGA-2020" not in allocations  # allocated in 2020, before the period
    assert f"100,000.00 55.0 % {usd(Decimal('55000'))}" in text
    assert f"Paid on your behalf in the period {usd(Decimal('55000'))}" in text


def test_every_exchange_rate_used_is_listed_with_what_it_was_used_for(rendered):
    text = rendered.text
    rates = text[text.index("Exchange rates used Currency") :]

    assert (
        "1 CHF = USD 1.1 1 Jan 2020 Swiss National Bank Pledge FOUC-2020 (1 Jan 2020); "
        "Allocation FOUC-2020 → TST-UGA-2020 (1 Jun 2020†)" in rates
    )
    assert "1 CHF = USD 1.05 1 Jan 2021 Swiss National Bank" in rates
    assert "Receipt FOUC-IN-2 (15 Mar 2021†)" in rates
    assert "† No rate is recorded for that day: the last earlier rate stood in." in rates


def test_each_funded_project_has_a_page_of_its_own(rendered):
    for code, other in (("TST-UGA-2020", "TST-GHA-2021"), ("TST-GHA-2021", "TST-UGA-2020")):
        page = next(page for page in rendered.pages if page.startswith(code))
        assert other not in page
        assert "Your allocation" in page and "Partners" in page
    assert "Ghana 60 %, Burkina Faso 40 %" in rendered.text


def test_the_contents_give_the_page_of_every_section(rendered):
    contents = rendered.pages[1]
    for number, heading in enumerate(
        ("Summary", "Financial statement for the period", "Where the money went", "Results against targets"), start=1
    ):
        listed = re.search(rf"{number} {heading} [. ]*(\d+)", contents)
        assert listed, heading
        assert int(listed.group(1)) == page_with(rendered, f"{number} {heading}")
    listed = re.search(r"TST-GHA-2021 · Tamale city development strategy [. ]*(\d+)", contents)
    assert int(listed.group(1)) == next(
        number for number, page in enumerate(rendered.pages, start=1) if page.startswith("TST-GHA-2021")
    )


def test_the_map_of_the_donors_allocations_is_in_the_report_with_its_table(rendered):
    number = page_with(rendered, "On the map")
    page = rendered.pages[number - 1]
    # Kampala: CHF 200,000 at 1.10; Tamale: CHF 100,000 at 1.05, 60 % Ghana and 40 % Burkina Faso.
    assert f"Uganda — 1 {usd(Decimal('220000'), 0)}" in page
    assert f"Ghana — 1 {usd(Decimal('63000'), 0)}" in page
    assert f"Burkina Faso — 1 {usd(Decimal('42000'), 0)}" in page
    assert f"Total {usd(Decimal('325000'), 0)}" in page
    # The map itself is drawn: the bubbles' blue, over land and sea, covers part of the page.
    pixels = Image.open(rendered.images[number - 1]).convert("RGB").tobytes()
    bluish = sum(
        1 for red, blue in zip(pixels[0::3], pixels[2::3], strict=True) if blue > 120 and blue - red > 50 and red < 150
    )
    assert bluish > 100, "no bubble on the map's page"


def assert_pages_are_filled_and_inside_the_margins(images: list[Path]) -> None:
    for number, path in enumerate(images, start=1):
        page = Image.open(path).convert("L")
        width, height = page.size
        ink = page.point(lambda value: 255 if value < 235 else 0)
        body = ink.crop((0, round(MARGIN_TOP * MM), width, height - round(MARGIN_BOTTOM * MM)))
        assert sum(body.histogram()[1:]) > 50, f"page {number} is empty"
        if number == 1:
            continue  # the cover's colour runs to the edges on purpose
        right_edge = width - MARGIN_RIGHT * MM
        _left, _top, right, _bottom = ink.getbbox()
        assert right <= right_edge + 1, (
            f"page {number}: content reaches {right}px, the margin starts at {right_edge:.0f}px"
        )


def test_no_page_is_empty_and_nothing_crosses_the_right_margin(rendered):
    assert rendered.page_count == len(rendered.images) >= 8
    assert_pages_are_filled_and_inside_the_margins(rendered.images)


def test_a_period_without_activity_says_so_plainly(tmp_path):
    donor = OrganisationFactory(name="Quiet Donor Agency")
    ExchangeRateFactory(currency="CHF", quote_currency="USD", date=dt.date(2020, 1, 1), rate=RATE_2020)
    agreement = ContributionFactory(donor=donor, currency="CHF", start_date=dt.date(2020, 1, 1))
    contribution_receive(contribution=agreement, amount=Decimal("250000"), value_date=dt.date(2020, 5, 4))
    report = DonorReport.objects.create(donor=donor, period_start=dt.date(2022, 1, 1), period_end=dt.date(2022, 3, 31))

    rendered = render(report, tmp_path)

    assert "No money was received, allocated or paid in this period." in rendered.text
    assert "Money received in the period" not in rendered.text
    assert f"USD {usd(Decimal('250000') * RATE_2020, 0)}" in rendered.text  # still reported, to date
    assert_pages_are_filled_and_inside_the_margins(rendered.images)


def test_a_donor_with_no_agreement_gets_a_report_that_says_so(tmp_path):
    report = DonorReport.objects.create(
        donor=OrganisationFactory(name="Prospective Donor"), period_start=PERIOD[0], period_end=PERIOD[1]
    )

    rendered = render(report, tmp_path)

    assert "No money was received, allocated or paid in this period." in rendered.text
    assert "No contribution of yours is recorded." in rendered.text
    assert "None of your contributions is allocated to a project yet." in rendered.text


def test_a_missing_exchange_rate_leaves_the_figures_that_need_it_empty_and_says_so(tmp_path):
    donor = OrganisationFactory(name="Euro Donor Agency")
    agreement = ContributionFactory(donor=donor, currency="EUR", start_date=dt.date(2020, 1, 1))
    contribution_receive(contribution=agreement, amount=Decimal("100000"), value_date=dt.date(2021, 2, 1))
    report = DonorReport.objects.create(donor=donor, period_start=PERIOD[0], period_end=PERIOD[1])

    rendered = render(report, tmp_path)

    assert "EUR 100,000.00 no rate —" in rendered.text
    assert "no exchange rate is recorded for EUR on or before the dates they need" in rendered.text
