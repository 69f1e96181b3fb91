"""Spreadsheet import and export (CSV, XLSX) of the funding side for the secretariat."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from import_export import fields, widgets

from common.errors import DomainError
from common.import_widgets import BooleanWidget, DateWidget, DecimalWidget, ForeignKeyWidget, IntegerWidget
from common.resources import CheckedModelResource
from members.models import Organisation

from . import services
from .models import Contribution, ExchangeRate, Facility, Project, Tranche, Transaction, TransactionKind


class ContributionResource(CheckedModelResource):
    donor = fields.Field(column_name="donor", attribute="donor", widget=ForeignKeyWidget(Organisation, "name"))
    contract_partner = fields.Field(
        column_name="contract_partner",
        attribute="contract_partner",
        widget=ForeignKeyWidget(Organisation, "name"),
    )

    class Meta:
        model = Contribution
        import_id_fields = ["reference"]
        fields = [
            "reference",
            "title",
            "donor",
            "amount",
            "currency",
            "start_date",
            "end_date",
            "status",
            "contract_partner",
            "budget_inclusive_of_partners",
        ]
        skip_unchanged = True


class ProjectResource(CheckedModelResource):
    facility = fields.Field(column_name="facility", attribute="facility", widget=ForeignKeyWidget(Facility, "code"))
    # Exported, never imported: a project is published by the publish act alone.
    is_public = fields.Field(column_name="is_public", attribute="is_public", readonly=True, widget=BooleanWidget())

    class Meta:
        model = Project
        import_id_fields = ["code"]
        fields = [
            "code",
            "title",
            "status",
            "facility",
            "start_date",
            "end_date",
            "currency",
            "approved_budget",
            "co_financing",
            "leveraged_investment",
            "is_public",
        ]
        skip_unchanged = True


class ExchangeRateResource(CheckedModelResource):
    class Meta:
        model = ExchangeRate
        import_id_fields = ["currency", "quote_currency", "date"]
        fields = ["currency", "quote_currency", "date", "rate", "source"]
        skip_unchanged = True


class TransactionKindWidget(widgets.Widget):
    """Reads "disbursement" or "incoming funds" (or the IATI codes 3 and 1)."""

    ACCEPTED = {
        "1": TransactionKind.INCOMING_FUNDS,
        "incoming funds": TransactionKind.INCOMING_FUNDS,
        "3": TransactionKind.DISBURSEMENT,
        "disbursement": TransactionKind.DISBURSEMENT,
    }

    def clean(self, value, row=None, **kwargs):
        kind = self.ACCEPTED.get(str(value or "").strip().lower())
        if kind is None:
            raise ValueError(_("must be “disbursement” or “incoming funds” (or the IATI codes 3 and 1)"))
        return kind

    def render(self, value, obj=None, **kwargs):
        return TransactionKind(value).label if value else ""


class LedgerImportResource(CheckedModelResource):
    """Disbursements and incoming funds from a spreadsheet, each row recorded by the ledger's services.

    Every row is checked by the same rules as a single entry (the services' own checks, hence no
    model validation beforehand); nothing is written unless every row is valid.
    """

    kind = fields.Field(column_name="type", attribute="kind", widget=TransactionKindWidget())
    value_date = fields.Field(column_name="value_date", attribute="value_date", widget=DateWidget())
    amount = fields.Field(column_name="amount", attribute="amount", widget=DecimalWidget())
    currency = fields.Field(column_name="currency", attribute="currency")
    project = fields.Field(column_name="project", attribute="project", widget=ForeignKeyWidget(Project, "code"))
    tranche = fields.Field(column_name="tranche", attribute="tranche", widget=IntegerWidget())
    contribution = fields.Field(
        column_name="contribution", attribute="contribution", widget=ForeignKeyWidget(Contribution, "reference")
    )
    reference = fields.Field(column_name="reference", attribute="reference")
    description = fields.Field(column_name="description", attribute="description")

    class Meta:
        model = Transaction
        fields = [
            "kind",
            "value_date",
            "amount",
            "currency",
            "project",
            "tranche",
            "contribution",
            "reference",
            "description",
        ]
        import_id_fields = []
        skip_diff = True
        clean_model_instances = False

    def get_instance(self, instance_loader, row):
        return None  # every row is a new ledger entry

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.attribute == "tranche":
            number = field.clean(row, **kwargs)
            instance._tranche_number = number
            return
        if field.column_name not in row and field.attribute in {"project", "contribution", "tranche", "description"}:
            return
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        number = getattr(instance, "_tranche_number", None)
        if number is None:
            instance.tranche = None
            return
        if instance.kind != TransactionKind.DISBURSEMENT or instance.project_id is None:
            raise ValidationError({"tranche": _("A tranche is paid by a disbursement to its project.")})
        instance.tranche = Tranche.objects.filter(agreement__project_id=instance.project_id, number=number).first()
        if instance.tranche is None:
            raise ValidationError(
                {
                    "tranche": _("%(code)s has no tranche %(number)s.")
                    % {"code": instance.project.code, "number": number}
                }
            )

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            recorded = self._record(instance, kwargs.get("user"))
        except DomainError as error:
            raise ValidationError({error.field or NON_FIELD_ERRORS: [error.message]}) from error
        instance.pk = recorded.pk

    def _record(self, instance: Transaction, user) -> Transaction:
        common = {
            "amount": instance.amount,
            "value_date": instance.value_date,
            "currency": instance.currency or None,
            "reference": instance.reference or "",
            "description": instance.description or "",
            "recorded_by": user,
        }
        if instance.kind == TransactionKind.DISBURSEMENT:
            if instance.project_id is None:
                raise DomainError(_("A disbursement names its project by code."), field="project")
            return services.disbursement_record(project=instance.project, tranche=instance.tranche, **common)
        if instance.contribution_id is None:
            raise DomainError(_("Incoming funds name their contribution by reference."), field="contribution")
        return services.contribution_receive(contribution=instance.contribution, **common)
