"""The default agreement texts as shipped, for a database that has none: the migration that seeds them runs once,
and a database emptied since (a flushed test database, a fresh reference load) gets them back from here."""

from __future__ import annotations

import importlib

from .models import AgreementTemplate

# The texts live in the data migration that first seeded them; this reads them from there, so they are said once.
_SHIPPED = "grants.migrations.0025_agreements_signed_and_default_texts"


def default_agreement_texts_ensure() -> None:
    """A default text in English and in French, unless the language already has one."""
    shipped = importlib.import_module(_SHIPPED)
    for name, language, body in (
        ("Grant agreement (English)", "en", shipped.ENGLISH),
        ("Accord de subvention (français)", "fr", shipped.FRENCH),
    ):
        if not AgreementTemplate.objects.filter(language=language, is_default=True).exists():
            AgreementTemplate.objects.create(name=name, language=language, body=body, is_default=True)
