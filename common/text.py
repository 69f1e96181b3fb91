"""Text the product can always write out: refused at input when XML 1.0 cannot carry it, cleaned on output.

Every text the site stores ends up in a page, an IATI file, a PDF or a spreadsheet. XML 1.0 (and so
IATI, the PDF's HTML and XLSX) cannot carry the C0 control characters other than tab, newline and
carriage return, nor U+FFFE, U+FFFF or a lone surrogate: such a character is refused on every text
field, whatever the door (forms, the admin, the API, imports), with a message naming it.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

REPLACEMENT = "\N{REPLACEMENT CHARACTER}"


def validate_writable_text(value: object) -> None:
    """Refuse a text holding a character that XML 1.0 cannot carry, naming it and where it is."""
    if not isinstance(value, str):
        return
    found = UNWRITABLE.search(value)
    if found:
        raise ValidationError(
            _(
                "Remove the invisible control character U+%(code)04X at position %(position)s: "
                "it cannot be stored, published or printed."
            ),
            code="unwritable_character",
            params={"code": ord(found.group()), "position": found.start() + 1},
        )


def writable(text: str) -> str:
    """`text` with each character XML 1.0 cannot carry replaced, for a row stored before the rule."""
    return UNWRITABLE.sub(REPLACEMENT, text)


def refuse_unwritable_text() -> None:
    """Attach `validate_writable_text` to every text field of every model, and to the API's text fields.

    Called once at start-up. The validator joins each field's list of validators (not its
    declared ones), so migrations do not see it; model forms, the admin, model serializers and
    imports with model validation all run it through the model, and every serializer
    `CharField` (plain input serializers too) runs it itself.
    """
    from django.apps import apps
    from django.db import models
    from rest_framework import serializers

    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField | models.TextField) and (
                validate_writable_text not in field.validators
            ):
                field.validators.append(validate_writable_text)
    if validate_writable_text not in serializers.CharField.default_validators:
        serializers.CharField.default_validators = [*serializers.CharField.default_validators, validate_writable_text]
