"""Spreadsheet import and export (CSV, XLSX) of the funding side for the secretariat."""

from import_export import fields, resources, widgets

from members.models import Organisation

from .models import Contribution, ExchangeRate, Facility, Project


class ContributionResource(resources.ModelResource):
    donor = fields.Field(column_name="donor", attribute="donor", widget=widgets.ForeignKeyWidget(Organisation, "name"))
    contract_partner = fields.Field(
        column_name="contract_partner",
        attribute="contract_partner",
        widget=widgets.ForeignKeyWidget(Organisation, "name"),
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


class ProjectResource(resources.ModelResource):
    facility = fields.Field(
        column_name="facility", attribute="facility", widget=widgets.ForeignKeyWidget(Facility, "code")
    )

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


class ExchangeRateResource(resources.ModelResource):
    class Meta:
        model = ExchangeRate
        import_id_fields = ["currency", "quote_currency", "date"]
        fields = ["currency", "quote_currency", "date", "rate", "source"]
        skip_unchanged = True
