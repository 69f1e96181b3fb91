"""The base of every spreadsheet import: the model's own rules on each row, and all rows or none."""

from __future__ import annotations

from import_export import resources


class CheckedModelResource(resources.ModelResource):
    """Each row is checked by the model's `full_clean` (fields, `clean()`, constraints), as the admin's forms
    and the API check it, so an import refuses what they refuse, with the same messages.

    An import is saved whole or not at all: one refused row rolls back every row, whoever calls it
    (the admin's preview and confirmation, or code).
    """

    class Meta:
        clean_model_instances = True
        use_transactions = True

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True, **kwargs)
