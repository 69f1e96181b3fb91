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
    """Attach `validate_writable_text` to every text field: of every model, of forms and of the API.

    Called once at start-up, when the models are loaded and before the admin loads its forms. The
    validator joins each model field's list of validators (not its declared ones), so migrations
    do not see it: model forms, the admin, model serializers and imports with model validation
    run it through the model. Every form `CharField` and serializer `CharField` declared from then
    on runs it too, so plain forms and input serializers refuse the text before a service sees it.
    """
    from django import forms
    from django.apps import apps
    from django.db import models
    from rest_framework import serializers

    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if isinstance(field, models.CharField | models.TextField) and (
                validate_writable_text not in field.validators
            ):
                field.validators.append(validate_writable_text)
    for base in (forms.CharField, serializers.CharField):
        for field_class in (base, *_subclasses(base)):
            # A subclass with validators of its own (e-mail, URL) does not inherit the check: it gets it too.
            own = field_class is base or "default_validators" in vars(field_class)
            if own and validate_writable_text not in field_class.default_validators:
                field_class.default_validators = [validate_writable_text, *field_class.default_validators]


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found
