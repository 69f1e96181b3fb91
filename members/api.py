"""API of the members: organisations (their public fields) and constituencies, which staff also write; and
each account's own API token."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import CheckedModelSerializer, IpScopedThrottle, staff_editable
from common.api_views import StaffEditableViewSet, StaffRecordViewSet

from . import services
from .filters import OrganisationFilter
from .models import Constituency, Membership, Organisation
from .selectors import token_expiry, token_of, visible_organisations


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


class TokenOutput(serializers.Serializer):
    key_ends = serializers.SerializerMethodField(help_text="The last four characters of the key, to tell it apart.")
    created = serializers.DateTimeField()
    expires = serializers.SerializerMethodField()

    def get_key_ends(self, token) -> str:
        return token.key[-4:]

    def get_expires(self, token) -> str:
        return serializers.DateTimeField().to_representation(token_expiry(token=token))


class NewTokenOutput(TokenOutput):
    key = serializers.CharField(help_text="Send as `Authorization: Token <key>`. Shown only in this answer.")


class OwnTokenView(APIView):
    """The signed-in account's API token (one at most): see when it expires, make a new one, revoke it.

    A new token is made only from a signed-in browser session (after its second factor), never with a token,
    so that a stolen token cannot renew itself."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_scope = "token"

    def get_throttles(self):
        throttles = super().get_throttles()
        return [*throttles, IpScopedThrottle()] if self.request.method == "POST" else throttles

    @extend_schema(responses={200: TokenOutput})
    def get(self, request):
        token = token_of(user=request.user)
        if token is None:
            raise exceptions.NotFound(_("You have no API token; POST here while signed in to make one."))
        return Response(TokenOutput(token).data)

    @extend_schema(request=None, responses={201: NewTokenOutput})
    def post(self, request):
        if not isinstance(request.successful_authenticator, SessionAuthentication):
            raise exceptions.PermissionDenied(_("Make a new token while signed in on the site, not with a token."))
        token = services.token_create(user=request.user)
        return Response(NewTokenOutput(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def delete(self, request):
        services.tokens_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
