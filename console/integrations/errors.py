"""One error format for the whole API: `{"error": {"code", "message", "fields"}}`."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import Http404, JsonResponse
from psycopg_pool import PoolTimeout
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler

from customers.validation import PayloadTooLarge, plain_errors

ERROR_CODES = {
    exceptions.ParseError: "malformed_json",
    exceptions.ValidationError: "invalid",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.Throttled: "rate_limited",
}


class ServiceBusy(exceptions.APIException):
    """Every database connection of the process stayed busy for the pool's whole timeout: the
    client should send again shortly (its write is safe to retry), not read a server fault."""

    status_code = 503
    default_detail = "The service is busy. Send the request again shortly."
    default_code = "busy"
    retry_after_seconds = 1


def _busy(exc) -> bool:
    return isinstance(exc, OperationalError) and isinstance(exc.__cause__, PoolTimeout)


def error_body(*, code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def api_exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        # Django's own limit (DATA_UPLOAD_MAX_MEMORY_SIZE), met when DRF reads the body whole;
        # left alone it would be Django's HTML 400.
        exc = PayloadTooLarge(f"The body is larger than {settings.API_MAX_BODY_BYTES} bytes.")
    elif _busy(exc):
        exc = ServiceBusy()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ServiceBusy):
        response["Retry-After"] = str(ServiceBusy.retry_after_seconds)
    if isinstance(exc, exceptions.ValidationError):
        fields = plain_errors(exc.detail)
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields}
        message = getattr(exc, "summary", "The request has invalid fields.")
        body = error_body(code=exc.default_code, message=message, fields=fields)
    else:
        code = ERROR_CODES.get(type(exc)) or getattr(exc, "default_code", "error")
        body = error_body(code=code, message=str(plain_errors(exc.detail)))
    return Response(body, status=response.status_code, headers=_kept_headers(response))


def _kept_headers(response) -> dict:
    return {
        name: response[name]
        for name in ("WWW-Authenticate", "Retry-After", "Allow")
        if name in response
    }


def json_not_found(request, exception=None) -> JsonResponse:
    return JsonResponse(
        error_body(code="not_found", message=f"No API endpoint at {request.path}."), status=404
    )


def json_server_error(request) -> JsonResponse:
    return JsonResponse(error_body(code="server_error", message="Internal error."), status=500)
