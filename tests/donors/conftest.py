"""What the donor report tests share: a PDF made in no time."""

from __future__ import annotations

from unittest import mock

import pytest

FAKE_PDF = b"%PDF-1.4 fake"


@pytest.fixture
def fake_pdf():
    """Reports made with a stub for the PDF itself (tests/donors/test_report_pdf.py reads real ones)."""
    with mock.patch("donors.services.render_report_pdf", return_value=(FAKE_PDF, 1)) as render:
        yield render
