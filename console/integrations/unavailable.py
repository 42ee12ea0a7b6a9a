"""Every request answers 503 with `Retry-After` in the one JSON error format while a dependency
it needs is unreachable (PostgreSQL restarting, Redis where it cannot be done without), never a
500 and never Django's HTML page. Outermost in MIDDLEWARE, so that it also answers for what fails
in the middleware below it (the session, the idempotency key), not only in views.

Django turns an exception into a 500 answer right where it is raised, inside each middleware;
`got_request_exception` is sent at that moment, with the exception at hand, so the request is
marked there and this middleware swaps the 500 for the 503 on the way out.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse

from console.integrations.errors import error_body
from console.redis_cache import REDIS_ERRORS

logger = logging.getLogger(__name__)

UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, *REDIS_ERRORS)
# A PostgreSQL restart takes a second or two; the pool then hands out fresh connections.
RETRY_AFTER_S = 2
_MARK = "_dependency_unavailable"


def service_unavailable() -> JsonResponse:
    response = JsonResponse(
        error_body(
            code="unavailable",
            message="A service this request needs is unavailable. Send it again shortly.",
        ),
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def _mark_unavailable(sender, request=None, **kwargs) -> None:
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, UNAVAILABLE_ERRORS):
        setattr(request, _MARK, error)


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_mark_unavailable, dispatch_uid="console-unavailable")

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except UNAVAILABLE_ERRORS as error:  # not converted below (raised by this chain's top)
            setattr(request, _MARK, error)
            response = None
        error = getattr(request, _MARK, None)
        if error is None:
            return response
        logger.warning("%s %s answered 503: %s", request.method, request.path, error)
        return service_unavailable()
