"""An application as a PDF, for its applicant and for the secretariat: what was sent, as it was sent."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from common.pdf import pdf_response, sealed_pdf

from .models import Application


def application_pdf_response(application: Application) -> HttpResponse:
    """`application` comes with its lines, answers, files, cities, questions and steps (the selectors' prefetch)."""
    budget_total = sum((line.amount for line in application.budget_lines.all()), Decimal(0))
    html = render_to_string(
        "grants/pdf/application.html",
        {"application": application, "budget_total": budget_total, "made_at": timezone.now()},
    )
    return pdf_response(sealed_pdf(html), f"application-{application.pk}.pdf")
