"""What every endpoint of the REST API shares: paging, ordering, search, throttling, errors.

Errors all have one shape, whatever raised them (a serializer, a filter, a service's
`DomainError`, a 404 or the throttle):

    {"error": {"code": "invalid", "message": "Invalid input: start_after: Enter a valid date.",
               "fields": {"start_after": ["Enter a valid date."]}}}
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, filters, pagination, serializers, throttling
from rest_framework.settings import api_settings

from common.errors import DomainError
from common.money import MONEY_DIGITS, MONEY_PLACES


def money_field(**kwargs: Any) -> serializers.DecimalField:
    """An amount as a decimal string ("4820000.00"), never a float; its currency is a field beside it."""
    return serializers.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, coerce_to_string=True, read_only=True, **kwargs
    )


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


class SearchFilter(filters.SearchFilter):
    """Ignores NUL characters, which PostgreSQL refuses in a query."""

    def get_search_terms(self, request):
        terms = (term.replace("\x00", "") for term in super().get_search_terms(request))
        return [term for term in terms if term]


class _LiveRate:
    """Reads the rate from the settings on each request, so that a changed setting applies at once."""

    scope: str

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_LiveRate, throttling.AnonRateThrottle):
    pass


class UserThrottle(_LiveRate, throttling.UserRateThrottle):
    pass


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
    if isinstance(exc, DomainError):
        return exceptions.ValidationError({exc.field: [exc.message]} if exc.field else [exc.message])
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        # The same words for an id that does not exist and one the caller may not see.
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
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
    """DRF's handler (status, headers such as Retry-After, rollback), with our error body."""
    # Imported here: rest_framework.views imports this module's classes while it loads.
    from rest_framework.views import exception_handler as drf_exception_handler

    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        response.data = {"error": error_body(exc)}
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
            if names - {"pk", "id"} or "requestBody" in operation:
                errors["400"] = "A parameter or a field is not valid; `fields` says which."
            if method not in {"get", "head", "options"}:
                errors["403"] = "You may not do this."
            if "{" in path or "cursor" in names:
                errors["404"] = "No such object, or not one you may see (or an unknown cursor)."
            for status, description in errors.items():
                operation["responses"].setdefault(status, {"description": description, "content": content})
    return result
