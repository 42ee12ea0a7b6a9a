"""`Idempotency-Key` on every POST of the API (Stripe's design): the key is scoped to the client
and the path, the first answer is stored, the same key with the same body answers the same, with
another body 409, and two requests racing with one key have one effect (the second is told the
first is still in progress). Keys are kept at least 24 hours."""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework.authentication import get_authorization_header

from console.integrations.clients import client_for_key
from console.integrations.errors import error_body
from console.integrations.models import IdempotencyKey

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 255
KEPT_FOR = timedelta(hours=24)


def _client(request):
    parts = get_authorization_header(request).split()
    if len(parts) != 2 or parts[0].lower() != b"bearer":
        return None
    try:
        return client_for_key(parts[1].decode())
    except UnicodeError:
        return None


def _conflict(message: str) -> JsonResponse:
    return JsonResponse(error_body(code="idempotency_conflict", message=message), status=409)


def _replay(stored: IdempotencyKey) -> HttpResponse:
    response = JsonResponse(stored.response_body, status=stored.status_code, safe=False)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = request.META.get(HEADER)
        if request.method != "POST" or key is None or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not key or len(key) > MAX_KEY_LENGTH:
            return JsonResponse(
                error_body(
                    code="invalid",
                    message=f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters.",
                ),
                status=400,
            )
        client = _client(request)
        if client is None:
            return self.get_response(request)  # the view answers 401
        try:
            body = request.body
        except RequestDataTooBig:
            limit = settings.API_MAX_BODY_BYTES
            return JsonResponse(
                error_body(code="too_large", message=f"The body is larger than {limit} bytes."),
                status=413,
            )
        digest = hashlib.sha256(body).hexdigest()
        try:
            with transaction.atomic():
                claim = IdempotencyKey.objects.create(
                    client=client, key=key, path=request.path, request_hash=digest
                )
        except IntegrityError:
            stored = IdempotencyKey.objects.get(client=client, key=key, path=request.path)
            if stored.request_hash != digest:
                return _conflict("This Idempotency-Key was used with another request body.")
            if stored.status_code is None:
                return _conflict("A request with this Idempotency-Key is still in progress.")
            return _replay(stored)
        response = self.get_response(request)
        if response.status_code >= 500 or response.status_code == 429:
            claim.delete()  # not an answer worth keeping: a retry may run again
            return response
        try:
            claim.response_body = json.loads(response.content or b"null")
        except (ValueError, AttributeError):
            claim.delete()
            return response
        claim.status_code = response.status_code
        claim.save(update_fields=["response_body", "status_code"])
        return response


def forget_old_idempotency_keys(*, now=None) -> int:
    deleted, _ = IdempotencyKey.objects.filter(
        created_at__lt=(now or timezone.now()) - KEPT_FOR
    ).delete()
    return deleted
