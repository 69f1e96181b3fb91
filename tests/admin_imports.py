"""Driving an admin spreadsheet import as staff do: upload for the preview (a dry run), then confirm."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape


def import_url(model, view: str = "import") -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


def preview(client, model, csv: str, *, date_format: str | None = None):
    """The preview of a CSV file (nothing is written), as the admin's import page answers it."""
    data = {"format": "0", "import_file": SimpleUploadedFile("sheet.csv", csv.encode(), content_type="text/csv")}
    if date_format is not None:
        data["date_format"] = date_format
    response = client.post(import_url(model), data)
    assert response.status_code == 200
    return response


def refusals(response) -> list[str]:
    """The sentences a refused preview lists, each shown on the page; no confirmation is offered."""
    assert "confirm_form" not in response.context, "the preview accepted every row"
    result = response.context["result"]
    assert not result.has_errors(), [str(error.error) for _n, errors in result.row_errors() for error in errors]
    messages = [message for row in result.invalid_rows for message in row.error.messages]
    page = response.content.decode()
    assert all(escape(message) in page for message in messages)
    return messages


def confirm(client, model, response):
    """Confirm a preview that accepted every row; the answer after its redirect."""
    confirm_form = response.context.get("confirm_form")
    assert confirm_form is not None, refusals(response)
    return client.post(import_url(model, "process_import"), confirm_form.initial, follow=True)
