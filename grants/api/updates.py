"""Project updates through the API: anyone reads the published updates of a project they see; the project's
partners post one (multipart form data for photos), which waits for the secretariat's moderation like one posted in
the portal (the same service)."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import ActPermissions

from ..models import Project, ProjectUpdate
from ..models.updates import CAPTION_MAX_LENGTH, TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from ..selectors import updates as selectors
from ..selectors.visibility import visible_projects
from ..services.updates import PHOTOS_PER_UPDATE, PhotoUpload, update_post

API_UPDATES = 50


class UpdatePhotoOutput(serializers.Serializer):
    id = serializers.IntegerField()
    caption = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    def get_url(self, photo) -> str:
        return self.context["request"].build_absolute_uri(reverse("grants:update-photo", args=[photo.pk, "image"]))

    def get_thumbnail_url(self, photo) -> str:
        return self.context["request"].build_absolute_uri(reverse("grants:update-photo", args=[photo.pk, "thumbnail"]))


class UpdateOutput(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name")
    photos = UpdatePhotoOutput(many=True, read_only=True)

    class Meta:
        model = ProjectUpdate
        fields = ["id", "title", "text", "event_date", "status", "organisation", "created_at", "published_at", "photos"]


class UpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    text = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    event_date = serializers.DateField(required=False, allow_null=True, default=None)
    photos = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=PHOTOS_PER_UPDATE,
        help_text="JPEG or PNG photos (multipart form data), checked by their content; resized and stripped of "
        "their metadata when stored.",
    )
    captions = serializers.ListField(
        child=serializers.CharField(max_length=CAPTION_MAX_LENGTH),
        required=False,
        default=list,
        max_length=PHOTOS_PER_UPDATE,
        help_text="What each photo shows, in the order of the photos: its text for screen readers.",
    )

    def validate(self, data):
        if len(data["captions"]) != len(data["photos"]):
            raise serializers.ValidationError({"captions": ["Give one caption per photo, in the same order."]})
        return data


PROJECT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="Id of the project.")


class ProjectUpdatesView(APIView):
    """The published updates of a project, newest first (at most 50); its partners post one."""

    permission_classes = [permissions.IsAuthenticatedOrReadOnly, ActPermissions]
    required_permissions = {"post": None}  # the project's partners, as the service says
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def project(self, request: Request, pk: str) -> Project:
        if not str(pk).isdigit():
            raise Http404
        found = visible_projects(request.user).filter(pk=pk).first()
        if found is None:
            raise Http404
        return found

    @extend_schema(parameters=[PROJECT_ID], responses=UpdateOutput(many=True))
    def get(self, request: Request, pk: str) -> Response:
        project = self.project(request, pk)
        rows = selectors.project_public_updates(project, limit=API_UPDATES)
        return Response(UpdateOutput(rows, many=True, context={"request": request}).data)

    @extend_schema(parameters=[PROJECT_ID], request={"multipart/form-data": UpdateInput}, responses={201: UpdateOutput})
    def post(self, request: Request, pk: str) -> Response:
        """A partner of the project posts an update; it is published once the secretariat has read it."""
        project = self.project(request, pk)
        if not selectors.updatable_projects(request.user).filter(pk=project.pk).exists():
            raise PermissionDenied(_("Only the project's partners post updates on it."))
        sent = UpdateInput(data=request.data)
        sent.is_valid(raise_exception=True)
        data = sent.validated_data
        update = update_post(
            project=project,
            author=request.user,
            title=data["title"],
            text=data["text"],
            event_date=data["event_date"],
            photos=[
                PhotoUpload(file=file, caption=caption)
                for file, caption in zip(data["photos"], data["captions"], strict=True)
            ],
        )
        fresh = selectors.with_photos(ProjectUpdate.objects.filter(pk=update.pk)).get()
        return Response(UpdateOutput(fresh, context={"request": request}).data, status=status.HTTP_201_CREATED)
