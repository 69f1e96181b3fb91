"""The conversation on an application or a project through the API: read it and write in it, for those who read
the record (its organisation's partners; staff holding `grants.view_message`, who answer with `grants.add_message`).
Anyone else is told the record does not exist. Messages are posted by the service the portal and the admin use."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ActPermissions
from common.permissions import may

from ..models import Message, MessageSide
from ..models.messages import BODY_MAX_LENGTH
from ..selectors import messages as selectors
from ..services.messages import FILES_PER_MESSAGE, message_post


class MessageFileOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField(help_text="In bytes.")
    url = serializers.SerializerMethodField()

    def get_url(self, file) -> str:
        return self.context["request"].build_absolute_uri(reverse("grants:message-file", args=[file.pk]))


class MessageOutput(serializers.ModelSerializer):
    author = serializers.CharField(source="author.get_full_name")
    files = MessageFileOutput(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ["id", "side", "author", "body", "created_at", "files"]


class MessageInput(serializers.Serializer):
    body = serializers.CharField(max_length=BODY_MAX_LENGTH)
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=FILES_PER_MESSAGE,
        help_text="PDF, XLSX, DOCX, PNG or JPEG files (multipart form data), checked by their content.",
    )


RECORD_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Id of the application or project.")


class ConversationView(APIView):
    """A record's messages, oldest first; post one (multipart form data for files)."""

    permission_classes = [permissions.IsAuthenticated, ActPermissions]
    required_permissions = {"post": None}  # those who read the record, each side as the service says
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def organisation_records(self, user) -> QuerySet:
        raise NotImplementedError

    def secretariat_records(self, user) -> QuerySet:
        raise NotImplementedError

    def record(self, request: Request, pk: str) -> tuple[Model, str]:
        """The record and the side the user reads it on; 404 for a record the user does not read."""
        if not str(pk).isdigit():
            raise Http404
        found = self.organisation_records(request.user).filter(pk=pk).first()
        if found is not None:
            return found, MessageSide.ORGANISATION
        found = self.secretariat_records(request.user).filter(pk=pk).first()
        if found is not None:
            return found, MessageSide.SECRETARIAT
        raise Http404

    def _list(self, request: Request, record: Model, code: int = status.HTTP_200_OK) -> Response:
        rows = selectors.conversation(record)
        return Response(MessageOutput(rows, many=True, context={"request": request}).data, status=code)

    @extend_schema(parameters=[RECORD_ID], responses=MessageOutput(many=True))
    def get(self, request: Request, pk: str) -> Response:
        return self._list(request, self.record(request, pk)[0])

    @extend_schema(
        parameters=[RECORD_ID], request={"multipart/form-data": MessageInput}, responses={201: MessageOutput}
    )
    def post(self, request: Request, pk: str) -> Response:
        """Write to the other side, who is told by e-mail."""
        record, side = self.record(request, pk)
        if side == MessageSide.SECRETARIAT and not may(request.user, "grants.add_message"):
            raise PermissionDenied
        sent = MessageInput(data=request.data)
        sent.is_valid(raise_exception=True)
        message = message_post(
            record=record,
            author=request.user,
            side=side,
            body=sent.validated_data["body"],
            uploads=sent.validated_data["files"],
            site_url=request.build_absolute_uri("/"),
        )
        message = Message.objects.select_related("author").prefetch_related("files").get(pk=message.pk)
        return Response(MessageOutput(message, context={"request": request}).data, status=status.HTTP_201_CREATED)


class ApplicationMessagesView(ConversationView):
    """The conversation between the applying organisation and the secretariat on an application."""

    def organisation_records(self, user) -> QuerySet:
        return selectors.organisation_applications(user)

    def secretariat_records(self, user) -> QuerySet:
        return selectors.secretariat_applications(user)


class ProjectMessagesView(ConversationView):
    """The conversation between a project's partners and the secretariat."""

    def organisation_records(self, user) -> QuerySet:
        return selectors.organisation_projects(user)

    def secretariat_records(self, user) -> QuerySet:
        return selectors.secretariat_projects(user)
