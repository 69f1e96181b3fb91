"""Running totals the ledger keeps on a record."""

from __future__ import annotations

from django.db import models


class LedgerTotalsKept(models.Model):
    """A record whose running totals (`LEDGER_TOTALS`) only the ledger's services move, with `F()` updates.

    Saving the whole record writes every other field and leaves the totals as the database holds them, so a
    copy read before a payment cannot put the old figure back."""

    LEDGER_TOTALS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.LEDGER_TOTALS
            ]
        super().save(*args, **kwargs)
