"""Spreadsheet import and export of members (CSV, XLSX) for the secretariat."""

from import_export import fields

from common.import_widgets import ForeignKeyWidget
from common.resources import CheckedModelResource

from .models import Constituency, Membership, Organisation


class OrganisationResource(CheckedModelResource):
    class Meta:
        model = Organisation
        import_id_fields = ["name"]
        fields = ["name", "short_name", "kind", "country", "iati_identifier", "registration_number", "website"]
        skip_unchanged = True
        report_skipped = True


class MembershipResource(CheckedModelResource):
    organisation = fields.Field(
        column_name="organisation", attribute="organisation", widget=ForeignKeyWidget(Organisation, "name")
    )
    constituency = fields.Field(
        column_name="constituency", attribute="constituency", widget=ForeignKeyWidget(Constituency, "code")
    )

    class Meta:
        model = Membership
        import_id_fields = ["organisation", "since"]
        fields = ["organisation", "constituency", "kind", "since", "until"]
        skip_unchanged = True
