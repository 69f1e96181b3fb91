"""What every endpoint of the REST API shares: paging, ordering, search, throttling, errors.

Errors all have one shape, whatever raised them (a serializer, a filter, a service's
`DomainError`, a 404 or the throttle):

    {"error": {"code": "invalid", "message": "Invalid input: start_after: Enter a valid date.",
               "fields": {"start_after": ["Enter a valid date."]}}}
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.signals import got_request_exception
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import (
    exceptions,
    filters,
    negotiation,
    pagination,
    permissions,
    renderers,
    serializers,
    status,
    throttling,
)
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.validators import UniqueValidator

from common.errors import DomainError, RecordInUse
from common.money import MONEY_DIGITS, MONEY_PLACES
from common.permissions import may, model_permission


class IdFilter(django_filters.NumberFilter):
    """An id in a query string: a whole number within the database's range, or a 400 saying so."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=2**31 - 1, **kwargs)


def date_range(field_name: str, what: str) -> tuple[django_filters.DateFilter, django_filters.DateFilter]:
    """Two query parameters bounding a date, both bounds included: `what` on or after, and on or before."""
    return (
        django_filters.DateFilter(field_name=field_name, lookup_expr="gte", help_text=f"{what} on or after this date."),
        django_filters.DateFilter(
            field_name=field_name, lookup_expr="lte", help_text=f"{what} on or before this date."
        ),
    )


def money_field(**kwargs: Any) -> serializers.DecimalField:
    """An amount as a decimal string ("4820000.00"), never a float; its currency is a field beside it."""
    return serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, coerce_to_string=True, read_only=True, **kwargs
    )


class ChoiceLabel(serializers.CharField):
    """The label of a choice's value, in the request's language ("Implementation" for 2), as the model's
    `get_<field>_display()` gives it; the labels are read from the model field once, not for every row."""

    def __init__(self, field_name: str, **kwargs: Any):
        super().__init__(source=field_name, read_only=True, **kwargs)

    def bind(self, field_name: str, parent) -> None:
        super().bind(field_name, parent)
        self.labels = dict(parent.Meta.model._meta.get_field(self.source).flatchoices)

    def to_representation(self, value: Any) -> str:
        return force_str(self.labels.get(value, value), strings_only=True)


UNLISTED = object()
OWN_ROW = object()


def required_permission(view, request) -> str | tuple[str, ...] | object | None:
    """The Django permission the request's act needs (or a tuple: any one of them): None for a read (the
    view's queryset scopes it) or for an act whose input names whose it is (a new draft, for an organisation
    the caller acts for); `OWN_ROW` for an act that only the row's own people take (a partner's draft: the
    view's `is_own(user, row)` says whose); `UNLISTED` for a write the view does not name, refused to everyone.

    A read that is an act of its own (a period's accounting journal) is named in the view's `read_permissions`."""
    method = request.method.lower()
    if method not in view.http_method_names:
        return None
    action = getattr(view, "action", None) if hasattr(view, "action_map") else method
    if request.method in permissions.SAFE_METHODS:
        return getattr(view, "read_permissions", {}).get("get" if action == "head" else action)
    if action is None or not hasattr(view, action):
        return None  # no such operation here: the framework answers 405
    return getattr(view, "required_permissions", {}).get(action, UNLISTED)


def crud_permissions(model, *, deletable: bool = True) -> dict[str, str]:
    """What a model viewset's writes need: the model's add, change and (if offered) delete permissions."""
    table = {
        "create": model_permission(model, "add"),
        "update": model_permission(model, "change"),
        "partial_update": model_permission(model, "change"),
    }
    if deletable:
        table["destroy"] = model_permission(model, "delete")
    return table


class ActPermissions(permissions.BasePermission):
    """Anyone reads what the view's queryset lets them see; each write needs the permission of its act,
    named per action (or per method on a plain APIView) in the view's `required_permissions`.

    An act on a row of one's own is refused (403) to those who see the row without being its own people
    (staff reading a partner's draft); those who do not see it are told it does not exist (404)."""

    message = "You do not have the permission this act needs."

    def has_permission(self, request, view) -> bool:
        needed = required_permission(view, request)
        if needed is UNLISTED:
            return False
        if needed is None or needed is OWN_ROW:
            return True
        return any(may(request.user, permission) for permission in (needed if isinstance(needed, tuple) else (needed,)))

    def has_object_permission(self, request, view, obj) -> bool:
        return required_permission(view, request) is not OWN_ROW or view.is_own(request.user, obj)


class _FileRenderer(renderers.BaseRenderer):
    """A file the view made itself (an `HttpResponse`); errors are JSON (see `FileDownloadMixin`)."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CSVFileRenderer(_FileRenderer):
    media_type, format = "text/csv", "csv"


class XLSXFileRenderer(_FileRenderer):
    media_type, format = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"


class _FileFormatNegotiation(negotiation.DefaultContentNegotiation):
    def filter_renderers(self, renderers, format):
        chosen = [renderer for renderer in renderers if renderer.format == format]
        if not chosen:
            choices = " or ".join(renderer.format for renderer in renderers)
            raise exceptions.ValidationError({"format": [_("Choose %(choices)s.") % {"choices": choices}]})
        return chosen


class FileDownloadMixin:
    """An endpoint that answers a file (an `HttpResponse` of its own), in the format chosen by `?format=` or the
    Accept header (the first of its renderers by default), and anything else in JSON like every other endpoint."""

    renderer_classes = [CSVFileRenderer, XLSXFileRenderer]
    content_negotiation_class = _FileFormatNegotiation

    def finalize_response(self, request, response, *args, **kwargs):
        if isinstance(response, Response):  # not the file: an error, or the endpoint's description (OPTIONS)
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def file_responses(description: str, *, errors: dict[int, str]) -> dict:
    """What a `FileDownloadMixin` endpoint answers, for its schema: the file in each format, and errors in JSON."""
    answers = {
        (200, renderer.media_type): OpenApiResponse(OpenApiTypes.BINARY, description=description)
        for renderer in FileDownloadMixin.renderer_classes
    }
    for code, meaning in errors.items():
        answers[code, "application/json"] = OpenApiResponse({"$ref": "#/components/schemas/Error"}, description=meaning)
    return answers


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This conflicts with the data as it stands."
    default_code = "conflict"


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is larger than this site accepts."
    default_code = "too_large"


class ServerError(exceptions.APIException):
    default_detail = "The server failed to answer this request; the secretariat has been told."
    default_code = "server_error"


class Unavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is unavailable for a moment (its database or cache does not answer); try again."
    default_code = "unavailable"


def data_too_large() -> TooLarge:
    """Form fields or a JSON body beyond Django's DATA_UPLOAD_MAX_MEMORY_SIZE."""
    return TooLarge(
        _("Form data and JSON bodies may be up to %(limit)s bytes; this request's are larger.")
        % {"limit": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,}"}
    )


def failure(exc: BaseException) -> exceptions.APIException:
    """What an unexpected error tells the client: 503 when a service the site needs does not answer, else 500."""
    import redis  # the cache's client; imported here as most requests never fail

    if isinstance(exc, OperationalError | InterfaceError | redis.ConnectionError | redis.TimeoutError):
        return Unavailable()
    return ServerError()


class CheckedModelSerializer(serializers.ModelSerializer):
    """A write serializer that runs the model's own validation (fields, clean, constraints, uniqueness)
    before saving, as the admin does, so the API refuses what the admin refuses, field by field.

    Its answer is the resource as read: `output_serializer` renders the saved row.
    """

    output_serializer: type[serializers.Serializer]

    def build_standard_field(self, field_name, model_field):
        """Uniqueness is left to the model's own check, so its message is the admin's, not a lowercase copy."""
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        validators = [v for v in field_kwargs.get("validators", []) if not isinstance(v, UniqueValidator)]
        field_kwargs["validators"] = validators
        return field_class, field_kwargs

    def get_validators(self):
        return []  # unique together and constraints: the model's full_clean checks them, with its messages

    def to_representation(self, instance):
        return self.output_serializer(instance, context=self.context).data

    @transaction.atomic
    def create(self, validated_data):
        many = self._pop_many_to_many(validated_data)
        instance = self.Meta.model(**validated_data)
        self._check(instance)
        instance.save()
        self._set_many_to_many(instance, many)
        return instance

    @transaction.atomic
    def update(self, instance, validated_data):
        """Change only the fields sent, on the row as it stands now (locked): a running total kept on the
        row (money received, committed, disbursed) is never written back from a stale copy."""
        many = self._pop_many_to_many(validated_data)
        instance = type(instance).objects.select_for_update().get(pk=instance.pk)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        self._check(instance)
        stamped = [field.name for field in instance._meta.concrete_fields if getattr(field, "auto_now", False)]
        instance.save(update_fields=[*validated_data, *stamped])
        self._set_many_to_many(instance, many)
        return instance

    def _pop_many_to_many(self, data: dict) -> dict:
        return {f.name: data.pop(f.name) for f in self.Meta.model._meta.many_to_many if f.name in data}

    @staticmethod
    def _set_many_to_many(instance, many: dict) -> None:
        for name, values in many.items():
            getattr(instance, name).set(values)

    @staticmethod
    def _check(instance) -> None:
        try:
            instance.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error


def staff_editable(output: type[serializers.Serializer], *, deletable: bool = True):
    """Document a viewset whose writes take its input serializer and answer with `output`."""
    operations = {
        "create": extend_schema(responses={201: output}),
        "update": extend_schema(responses={200: output}),
        "partial_update": extend_schema(responses={200: output}),
    }
    if deletable:
        operations["destroy"] = extend_schema(responses={204: None})
    return extend_schema_view(**operations)


class CursorPagination(pagination.CursorPagination):
    """Pages by cursor: a `next` link and never a COUNT of the whole table.

    The view's `ordering` (or the `ordering` parameter) decides the order; see `OrderingFilter`.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "pk"

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            # A forged cursor can carry a position the database cannot compare (text for a date).
            if request.query_params.get(self.cursor_query_param) is None:
                raise
            raise exceptions.NotFound(self.invalid_cursor_message) from None


class OrderingFilter(filters.OrderingFilter):
    """Orders as asked, then by primary key: rows with equal values keep one order from page to page."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(field.lstrip("-") in {"pk", "id"} for field in ordering):
            ordering.append("-pk" if ordering and ordering[0].startswith("-") else "pk")
        return ordering


class _LiveRate:
    """Reads the rate from the settings on each request, so that a changed setting applies at once."""

    scope: str

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_LiveRate, throttling.AnonRateThrottle):
    pass


class UserThrottle(_LiveRate, throttling.UserRateThrottle):
    pass


class IpScopedThrottle(_LiveRate, throttling.ScopedRateThrottle):
    """The view's `throttle_scope`, counted per IP address whoever is signed in (making a token, say)."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _flatten(detail: Any, path: str, fields: dict[str, list[str]], general: list[str]) -> None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            nested = path if key == api_settings.NON_FIELD_ERRORS_KEY else (f"{path}.{key}" if path else str(key))
            _flatten(value, nested, fields, general)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                _flatten(value, f"{path}.{index}" if path else str(index), fields, general)
            elif path:
                fields.setdefault(path, []).append(str(value))
            else:
                general.append(str(value))
    elif path:
        fields.setdefault(path, []).append(str(detail))
    else:
        general.append(str(detail))


def _as_api_exception(exc: Exception) -> Exception:
    errors = getattr(exc, "errors", None)
    if isinstance(exc, RecordInUse):
        return Conflict(exc.message)
    if isinstance(exc, DomainError) and isinstance(errors, dict) and errors:
        # A refusal with messages per field (an incomplete application, a report's values).
        return exceptions.ValidationError({"non_field_errors": [exc.message], **errors})
    if isinstance(exc, DomainError):
        return exceptions.ValidationError({exc.field: [exc.message]} if exc.field else [exc.message])
    if isinstance(exc, ProtectedError | RestrictedError):
        rows = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", ())
        names = sorted({str(row._meta.verbose_name_plural) for row in rows})
        return Conflict(f"Still in use by {', '.join(names)}: it cannot be deleted." if names else None)
    if isinstance(exc, IntegrityError):
        # A rule the database enforces, broken by a change made at the same moment by someone else.
        return Conflict("Another change got there first and this one would break a rule; reload and try again.")
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        # The same words for an id that does not exist and one the caller may not see.
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return data_too_large()
    if isinstance(exc, SuspiciousOperation):
        # Too many fields or files, a malformed multipart body: Django's own refusals of a request.
        return exceptions.ParseError()
    return exc


def error_body(exc: exceptions.APIException) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    general: list[str] = []
    if isinstance(exc, exceptions.ValidationError):
        _flatten(exc.detail, "", fields, general)
        parts = general + [f"{field}: {' '.join(messages)}" for field, messages in fields.items()]
        message = "Invalid input: " + "; ".join(parts) if parts else str(exc.default_detail)
        code = "invalid"
    else:
        message = str(exc.detail)
        code = getattr(exc.detail, "code", None) or exc.default_code
    return {"code": code, "message": message, "fields": fields}


def exception_handler(exc: Exception, context: dict[str, Any]):
    """DRF's handler (status, headers such as Retry-After, rollback), with our error body.

    Whatever else fails answers JSON too, 503 or 500 (see `failure`), logged as Django logs a server error;
    with DEBUG on, it propagates to Django's debug page instead."""
    # Imported here: rest_framework.views imports this module's classes while it loads.
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = {"error": error_body(exc)}
        return response
    if response is not None or settings.DEBUG:
        return response
    set_rollback()
    request = getattr(context.get("request"), "_request", None)
    got_request_exception.send(sender=None, request=request)
    answer = failure(exc)
    response = Response({"error": error_body(answer)}, status=answer.status_code)
    logging.getLogger("django.request").error(
        "%s: %s",
        response.reason_phrase,
        request.path if request else "",
        exc_info=exc,
        extra={"status_code": response.status_code, "request": request},
    )
    response._has_been_logged = True  # Django logs each answer of 500 and more, here without the traceback
    return response


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "Invalid input: start_after: Enter a valid date."},
                "fields": {
                    "type": "object",
                    "description": "Messages per field at fault; empty when the error concerns no field.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


def document_error_responses(result, generator, request, public):
    """drf-spectacular hook: describe the error answers each operation can give, in their one shape."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            names = {parameter["name"] for parameter in operation.get("parameters", [])}
            errors = {
                "401": "The token or session given is not valid.",
                "429": "Too many requests: wait the number of seconds in Retry-After.",
            }
            writes = method not in {"get", "head", "options"}
            if names - {"pk", "id"} or "requestBody" in operation or (writes and method != "delete"):
                errors["400"] = "A parameter or a field is not valid; `fields` says which."
            if method == "delete":
                errors["409"] = "Still in use: it cannot be deleted."
            elif writes:
                errors["409"] = "Conflicts with the data as it stands, changed by another request meanwhile."
            if writes:
                errors["403"] = "You may not do this."
            if "{" in path or "cursor" in names:
                errors["404"] = "No such object, or not one you may see (or an unknown cursor)."
            for code, description in errors.items():
                operation["responses"].setdefault(code, {"description": description, "content": content})
    return result


_LOOSE_DECIMAL = re.compile(r"\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?")


def schema_objects(node) -> Iterator[dict]:
    """Every object of an OpenAPI document (or any part of it), depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from schema_objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from schema_objects(value)


def require_digits_in_decimals(result, generator, request, public):
    """drf-spectacular hook: a decimal string has digits before its point and after it, if it has one.

    The generated pattern (`\\d{0,16}(?:\\.\\d{0,2})?`) also admits "", "-" and ".", which no field accepts."""
    for node in schema_objects(result):
        if node.get("format") == "decimal" and isinstance(node.get("pattern"), str):
            node["pattern"] = _LOOSE_DECIMAL.sub(r"\\d{1,\1}(?:\\.\\d{1,\2})?", node["pattern"])
    return result
