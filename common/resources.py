"""The base of every spreadsheet import: each cell read one way, the model's own rules on each row, every
refusal a sentence naming the row, the column, the rule and the value given, and all rows or none."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries.fields import CountryField
from import_export import resources, widgets

from .import_widgets import (
    DATE_FORMATS,
    ISO_DATE,
    BooleanWidget,
    ChoiceWidget,
    DateWidget,
    DecimalWidget,
    ForeignKeyWidget,
    IntegerWidget,
)

# The code of a refusal raised while reading a cell (its message is the rule, "must be a number"), as
# opposed to one of the model's rules on the value read (a sentence of its own).
UNREADABLE = "unreadable"
REQUIRED = {"blank", "null", "required"}
COUNTRY_RULE = gettext_lazy("must be a two-letter ISO 3166 country code, such as UG")


class CheckedModelResource(resources.ModelResource):
    """Each row is checked by the model's `full_clean` (fields, `clean()`, constraints), as the admin's forms
    and the API check it, so an import refuses what they refuse, with the same messages.

    An import is saved whole or not at all: one refused row rolls back every row, whoever calls it
    (the admin's preview and confirmation, or code). Dates are read in one format, ISO unless the import
    names another (`date_format`, one of `import_widgets.DATE_FORMATS`).
    """

    WIDGETS_MAP = {
        **resources.ModelResource.WIDGETS_MAP,
        "DecimalField": DecimalWidget,
        "DateField": DateWidget,
        "BooleanField": BooleanWidget,
        "TextField": widgets.CharWidget,
        **dict.fromkeys(
            ["IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField", "SmallIntegerField"], IntegerWidget
        ),
    }

    class Meta:
        clean_model_instances = True
        use_transactions = True

    def __init__(self, date_format: str = ISO_DATE, **kwargs) -> None:
        super().__init__(**kwargs)
        if date_format not in DATE_FORMATS:
            raise ValueError(f"Unknown date format {date_format!r}")
        for field in self.fields.values():
            if isinstance(field.widget, DateWidget):
                field.widget.read_format = date_format

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        """A column with choices reads a choice by its value or its label, and names the choices when refused."""
        field = super().field_from_django_field(field_name, django_field, readonly)
        if django_field.choices and not django_field.is_relation:
            text = isinstance(django_field, models.CharField | models.TextField)
            field.widget = ChoiceWidget(
                django_field.choices,
                empty="" if text and not django_field.null else None,
                rule=COUNTRY_RULE if isinstance(django_field, CountryField) else "",
            )
        return field

    @classmethod
    def get_fk_widget(cls, field):
        return lambda **kwargs: ForeignKeyWidget(model=field.related_model, **kwargs)

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        kwargs["rollback_on_validation_errors"] = True
        return super().import_data(dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=True, **kwargs)

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None  # a key cell that cannot be read: import_instance reads every cell and refuses the row

    def import_instance(self, instance, row, **kwargs):
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            # The library turns each widget's ValueError into an "invalid" error: mark them as unreadable cells.
            raise ValidationError(
                {
                    key: [
                        ValidationError(problem.messages[0], code=UNREADABLE) if problem.code == "invalid" else problem
                        for problem in problems
                    ]
                    for key, problems in error.error_dict.items()
                }
            ) from error

    def do_instance_save(self, instance, is_create):
        """A database constraint the model's checks did not catch refuses the row in words, not with the
        database's error (in a savepoint, so the import's transaction goes on to check the other rows)."""
        try:
            with transaction.atomic():
                super().do_instance_save(instance, is_create)
        except IntegrityError as error:
            named = [c for c in self._meta.model._meta.constraints if c.name in str(error)]
            if named:
                raise ValidationError(str(named[0].get_violation_error_message())) from error
            raise ValidationError(_("the database refused it (%(error)s)") % {"error": error}) from error

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        if result.validation_error is not None:
            result.validation_error = ValidationError(
                self.row_refusals(kwargs["row_number"], row, result.validation_error)
            )
        return result

    def row_refusals(self, number: int, row, error: ValidationError) -> dict[str, list[str]]:
        """Each refusal of a row as a sentence: "row 4: rate must be a number …, got “abc”."."""
        refusals: dict[str, list[str]] = {}
        for key, problems in error.update_error_dict({}).items():
            for problem in problems:
                message = problem.messages[0]
                columns = self._columns(key, message)
                refusals.setdefault(key, []).append(self._sentence(number, row, columns, problem.code, message))
        return refusals

    def _sentence(self, number: int, row, columns: list[str], code: str | None, message: str) -> str:
        if not columns:
            return _("row %(row)s: %(message)s") % {"row": number, "message": message}
        column = columns[0]
        if code == UNREADABLE:
            return _("row %(row)s: %(column)s %(rule)s, got “%(value)s”.") % {
                "row": number,
                "column": column,
                "rule": message,
                "value": _cell(row.get(column)),
            }
        if code in REQUIRED and len(columns) == 1:
            if column not in row:
                return _("row %(row)s: %(column)s is required, and the file has no such column.") % {
                    "row": number,
                    "column": column,
                }
            if not _cell(row.get(column)):
                return _("row %(row)s: %(column)s is required, got an empty cell.") % {"row": number, "column": column}
        given = ", ".join(f"{name} “{_cell(row.get(name))}”" for name in columns)
        return _("row %(row)s: %(given)s: %(message)s") % {"row": number, "given": given, "message": message}

    def _columns(self, key: str, message: str) -> list[str]:
        """The columns a refusal is about: the field's, or those of the model constraint that gave the message."""
        if key != NON_FIELD_ERRORS:
            return self._columns_of({key})
        for constraint in self._meta.model._meta.constraints:
            if str(constraint.get_violation_error_message()) == message:
                if isinstance(constraint, models.UniqueConstraint):
                    return self._columns_of(set(constraint.fields))
                return self._columns_of(constraint.condition.referenced_base_fields)
        return []

    def _columns_of(self, names: set[str]) -> list[str]:
        """The columns of these model fields, in the order of the resource's fields."""
        return [
            field.column_name
            for field in self.fields.values()
            if field.column_name in names
            or (field.attribute or "") in names
            or (field.attribute or "").removesuffix("_id") in names
        ]


def _cell(value) -> str:
    return "" if value is None else str(value).strip()
