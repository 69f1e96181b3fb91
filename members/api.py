"""API of the members: organisations (their public fields) and constituencies; staff also write them."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from rest_framework import serializers

from common.api import CheckedModelSerializer, staff_editable
from common.api_views import StaffEditableViewSet, StaffRecordViewSet

from .filters import OrganisationFilter
from .models import Constituency, Membership, Organisation
from .selectors import visible_organisations


class ConstituencyOutput(serializers.ModelSerializer):
    class Meta:
        model = Constituency
        fields = ["id", "code", "name", "description", "order"]


class MembershipOutput(serializers.ModelSerializer):
    constituency = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Membership
        fields = ["constituency", "kind", "since", "until"]


class OrganisationOutput(serializers.ModelSerializer):
    country = serializers.CharField(
        source="country.code", help_text="ISO 3166-1 alpha-2; empty for international bodies."
    )
    memberships = MembershipOutput(many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "name", "short_name", "kind", "country", "iati_identifier", "website", "memberships"]


class ConstituencyInput(CheckedModelSerializer):
    output_serializer = ConstituencyOutput

    class Meta:
        model = Constituency
        fields = ["code", "name", "description", "order"]


class OrganisationInput(CheckedModelSerializer):
    output_serializer = OrganisationOutput

    class Meta:
        model = Organisation
        fields = ["name", "short_name", "kind", "country", "iati_identifier", "registration_number", "website"]


@staff_editable(ConstituencyOutput)
class ConstituencyViewSet(StaffEditableViewSet):
    """The six constituencies of the partnership's members."""

    queryset = Constituency.objects.all()
    serializer_class = ConstituencyOutput
    input_serializer = ConstituencyInput
    search_fields = ["code", "name"]
    ordering_fields = ["order", "name", "code"]
    ordering = ["order"]


@staff_editable(OrganisationOutput, deletable=False)
class OrganisationViewSet(StaffRecordViewSet):
    """Members, donors and partners: their public fields and memberships."""

    serializer_class = OrganisationOutput
    input_serializer = OrganisationInput
    filterset_class = OrganisationFilter
    search_fields = ["name", "short_name", "iati_identifier"]
    ordering_fields = ["name"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Organisation]:
        memberships = Membership.objects.select_related("constituency").order_by("-since")
        return visible_organisations(self.request.user).prefetch_related(Prefetch("memberships", queryset=memberships))
