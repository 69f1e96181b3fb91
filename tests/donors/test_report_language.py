"""A donor report is written in the language of the person who asked for it, though a worker makes it later,
outside any request."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.utils import translation
from pypdf import PdfReader

from donors import services
from donors.models import DonorReport
from tests.donors.test_report_pdf import arrange_donor_with_a_year_of_activity, normalised
from tests.factories import ContributionFactory, OrganisationFactory, StaffFactory
from tests.svg import unreadable_geometry

pytestmark = pytest.mark.django_db

EN_DASH = "\u2013"


def test_the_request_keeps_the_language_of_the_page_that_asked():
    donor = OrganisationFactory()
    ContributionFactory(donor=donor, start_date=dt.date(2018, 1, 1), end_date=dt.date(2027, 12, 31))
    staff = StaffFactory()
    period = {"donor": donor, "period_start": dt.date(2021, 1, 1), "period_end": dt.date(2021, 12, 31)}

    with time_machine.travel(dt.datetime(2026, 12, 4, tzinfo=dt.UTC)):
        with translation.override("fr"):
            french = services.report_request(**period, user=staff)
            again = services.report_request(**period, user=staff)
        english = services.report_request(**period, user=staff)

    assert french.language == "fr" and again == french  # a second click queues nothing
    assert english.language == "en" and english != french  # the same period in English is another report


def test_a_report_asked_for_in_french_is_made_in_french():
    report = arrange_donor_with_a_year_of_activity()
    DonorReport.objects.filter(pk=report.pk).update(language="fr")
    assert services.report_claim(report_id=report.pk)

    services.report_build(report_id=report.pk)  # as the worker does, in English by default

    report.refresh_from_db()
    with report.file.open("rb") as pdf:
        pages = [normalised(page.extract_text()) for page in PdfReader(io.BytesIO(pdf.read())).pages]
    assert "RAPPORT AU BAILLEUR DE FONDS" in pages[0]
    assert f"1 janvier 2021 {EN_DASH} 31 décembre 2021" in pages[0]
    assert "Monnaie de référence" in pages[0]
    assert f"Page 2 sur {len(pages)}" in pages[1]


def test_a_report_in_french_draws_its_bars_and_map_with_numbers_svg_and_css_read():
    report = arrange_donor_with_a_year_of_activity()

    with translation.override("fr"):
        html = services.report_html(report)

    assert 'lang="fr"' in html
    assert unreadable_geometry(html) == []  # the charts and the map: 60.5, never the French 60,5
    widths = re.findall(r'style="width: ([^"]*)%"', html)
    assert widths and all(re.fullmatch(r"\d+(\.\d+)?", width) for width in widths), widths
