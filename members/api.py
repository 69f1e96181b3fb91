"""Read-only API of the members: organisations (their public fields) and constituencies."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from rest_framework import serializers, viewsets

from .filters import OrganisationFilter
from .models import Constituency, Membership, Organisation, User
from .selectors import organisations_of


def visible_organisations(user: User) -> QuerySet[Organisation]:
    """Staff see every organisation; others the public ones and those they act for.

    Public means known from a public page: a member, a donor, or a partner of a public project.
    A body that only registered on the portal is not listed to strangers.
    """
    if user.is_staff:
        return Organisation.objects.all()
    # Reverse relations of grants, named here rather than imported: members does not import grants.
    public = Organisation.objects.filter(
        Q(memberships__isnull=False) | Q(contributions__isnull=False) | Q(project_roles__project__is_public=True)
    )
    return Organisation.objects.filter(
        Q(pk__in=public.values("pk")) | Q(pk__in=organisations_of(user=user).values("pk"))
    )


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


class ConstituencyViewSet(viewsets.ReadOnlyModelViewSet):
    """The six constituencies of the partnership's members."""

    queryset = Constituency.objects.all()
    serializer_class = ConstituencyOutput
    search_fields = ["code", "name"]
    ordering_fields = ["order", "name", "code"]
    ordering = ["order"]


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """Members, donors and partners: their public fields and memberships."""

    serializer_class = OrganisationOutput
    filterset_class = OrganisationFilter
    search_fields = ["name", "short_name", "iati_identifier"]
    ordering_fields = ["name"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Organisation]:
        memberships = Membership.objects.select_related("constituency").order_by("-since")
        return visible_organisations(self.request.user).prefetch_related(Prefetch("memberships", queryset=memberships))
