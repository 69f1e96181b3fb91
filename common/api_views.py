"""Base viewsets of the API's staff-editable resources.

Apart from `common.api`, which the REST framework settings name and which must load before the
framework's views.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import exceptions, permissions, viewsets
from rest_framework.decorators import api_view, permission_classes

from .api import ActPermissions, crud_permissions


class StaffEditableViewSet(viewsets.ModelViewSet):
    """Read for everyone the queryset allows; create, change and delete, with `input_serializer`, for those
    holding the model's add, change and delete permissions (and `act_permissions` for the view's own acts)."""

    permission_classes = [ActPermissions]
    input_serializer: type
    act_permissions: dict[str, str] = {}
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    @property
    def required_permissions(self) -> dict[str, str]:
        model = self.input_serializer.Meta.model
        return {**crud_permissions(model, deletable="delete" in self.http_method_names), **self.act_permissions}

    def get_serializer_class(self):
        return self.serializer_class if self.request.method in ("GET", "HEAD", "OPTIONS") else self.input_serializer


class StaffRecordViewSet(StaffEditableViewSet):
    """As `StaffEditableViewSet`, without delete: a project or an agreement is closed, never removed."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([permissions.AllowAny])
def not_found(request, *args, **kwargs):
    """Any other address under the API answers a JSON 404, as the API's own errors do, not an HTML page."""
    raise exceptions.NotFound(_("There is nothing at this address: /api/v1/ lists what the API offers."))


# Everything from this site; inline styles and the page's init script; Redoc's search worker from a blob.
SELF_CONTAINED_PAGE = (
    "default-src 'self'; img-src 'self' data:; font-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class RedocView(SpectacularRedocView):
    """Redoc from the site's own copy, held to the site by a Content-Security-Policy: its bundle would
    otherwise fetch its vendor's logo from a CDN."""

    template_name = "api/redoc.html"

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = SELF_CONTAINED_PAGE
        return response


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI from the site's own copy, under the site's Content-Security-Policy: its init script is
    served as a file (`?script`) and its page styles come from a static file."""

    template_name = "api/swagger.html"
