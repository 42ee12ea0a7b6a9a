"""The connectors' endpoints under /api/v1/telephony/: each takes its platform's own format as
the platform sends it, hands it to its translator and answers as the platform expects. Refused
input is a 4xx in the API's one error format, with nothing stored."""

import base64
import binascii
import json

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import QueryDict
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import FormParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView
from twilio.request_validator import RequestValidator

from console.integrations.clients import ApiKeyAuthentication, client_for_key
from console.integrations.parsers import LimitedJSONParser
from console.telephony import connect, cti_push, taskrouter
from console.telephony.recording import TranslationError

RECORDED = {
    "type": "object",
    "properties": {"recorded": {"type": "integer"}, "duplicates": {"type": "integer"}},
}
# Kinesis Data Firehose sends at most 500 records a request; a plain list is held to the same.
MAX_RECORDS = 500


def _translated(call):
    """A translator's refusal as the API's 400 (`fields` names the part of the payload)."""
    try:
        return call()
    except TranslationError as error:
        raise serializers.ValidationError(error.fields) from error


def _client(key: str):
    client = client_for_key(key)
    if client is None:
        raise exceptions.AuthenticationFailed("The API key is not valid or has been revoked.")
    return AnonymousUser(), client


class FirehoseAccessKeyAuthentication(BaseAuthentication):
    """Kinesis Data Firehose's HTTP endpoint delivery sends its access key in this header: set
    it to one of our keys."""

    def authenticate(self, request):
        key = request.META.get("HTTP_X_AMZ_FIREHOSE_ACCESS_KEY", "")
        return _client(key) if key else None

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'  # a wrong key is 401, as with the Authorization header


class PathKeyAuthentication(BaseAuthentication):
    """Zammad's and sipgate's push is configured as a URL only, so the key may end the URL
    (`/api/v1/telephony/cti-push/<key>`), as Zammad's own CTI endpoint takes its token."""

    def authenticate(self, request):
        key = (request.parser_context or {}).get("kwargs", {}).get("key", "")
        return _client(key) if key else None

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class FirehoseAccessKeyScheme(OpenApiAuthenticationExtension):
    target_class = FirehoseAccessKeyAuthentication
    name = "firehoseAccessKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "apiKey", "in": "header", "name": "X-Amz-Firehose-Access-Key"}


class PathKeyScheme(OpenApiAuthenticationExtension):
    target_class = PathKeyAuthentication
    name = "keyInPath"

    def get_security_definition(self, auto_schema) -> dict:
        # OpenAPI has no scheme for a key in the path; the path parameter `key` carries it.
        return {"type": "apiKey", "in": "query", "name": "key", "description": "The URL's end."}


CONNECT_EVENT_EXAMPLE = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "Amazon Connect Contact Event",
    "source": "aws.connect",
    "account": "123456789012",
    "time": "2026-11-24T00:00:12Z",
    "region": "ap-northeast-1",
    "resources": [],
    "detail": {
        "eventType": "CONNECTED_TO_AGENT",
        "contactId": "0b8e2d4c-1111-4c1e-9d5e-000000000001",
        "initialContactId": "0b8e2d4c-1111-4c1e-9d5e-000000000001",
        "channel": "VOICE",
        "instanceArn": "arn:aws:connect:ap-northeast-1:123456789012:instance/demo",
        "initiationMethod": "INBOUND",
        "initiationTimestamp": "2026-11-24T00:00:00Z",
        "customerEndpoint": {"type": "TELEPHONE_NUMBER", "address": "+819011110001"},
        "queueInfo": {
            "queueType": "STANDARD",
            "queueArn": "arn:aws:connect:ap-northeast-1:123456789012:instance/demo/queue/loans",
            "enqueueTimestamp": "2026-11-24T00:00:00Z",
        },
        "agentInfo": {
            "agentArn": "arn:aws:connect:ap-northeast-1:123456789012:instance/demo/agent/a1",
            "connectedToAgentTimestamp": "2026-11-24T00:00:10Z",
        },
    },
}


class ConnectContactEventApi(APIView):
    """An Amazon Connect contact event as EventBridge delivers it (an API destination whose
    connection sends `Authorization: Bearer <key>`). Events come at least once and in any
    order; each is translated whole and a repeat changes nothing."""

    required_scope = "cti"

    @extend_schema(
        operation_id="telephony_amazon_connect_event",
        request=OpenApiTypes.OBJECT,
        responses={202: RECORDED},
        examples=[OpenApiExample("Connected to an agent", value=CONNECT_EVENT_EXAMPLE)],
    )
    def post(self, request):
        recorded = _translated(lambda: connect.record_contact_event(body=request.data))
        return Response(recorded.as_json(), status=202)


class ConnectContactRecordApi(APIView):
    """Amazon Connect contact records (CTRs): one record, a list of them, or a Kinesis Data
    Firehose HTTP endpoint delivery (`records[].data`, base64 JSON) with our key as its access
    key. The newest record of each contact is kept; hold and after-contact work come from it."""

    required_scope = "cti"
    authentication_classes = [ApiKeyAuthentication, FirehoseAccessKeyAuthentication]

    @extend_schema(
        operation_id="telephony_amazon_connect_contact_records",
        request=OpenApiTypes.OBJECT,
        responses={202: RECORDED, 200: OpenApiTypes.OBJECT},
    )
    def post(self, request):
        body = request.data
        firehose = isinstance(body, dict) and "requestId" in body
        records = _translated(lambda: self._records(body, firehose=firehose))
        recorded = _translated(lambda: connect.record_contact_records(records=records))
        if firehose:
            # Firehose counts a delivery done on a 200 that echoes its requestId.
            return Response({"requestId": body["requestId"], "timestamp": body.get("timestamp")})
        return Response(recorded.as_json(), status=202)

    @staticmethod
    def _records(body, *, firehose: bool) -> list:
        if firehose:
            entries = body.get("records")
            if not isinstance(entries, list):
                raise TranslationError({"records": ["Must be a list."]})
            records = []
            for index, entry in enumerate(entries):
                try:
                    records.append(json.loads(base64.b64decode(entry["data"], validate=True)))
                except (TypeError, KeyError, ValueError, binascii.Error) as error:
                    raise TranslationError(
                        {f"records[{index}].data": ["Must be a base64 JSON contact record."]}
                    ) from error
        else:
            records = body if isinstance(body, list) else [body]
        if not records or len(records) > MAX_RECORDS:
            raise TranslationError({"records": [f"From 1 to {MAX_RECORDS} records."]})
        return records


def public_url(request) -> str:
    """The URL Twilio posted to and signed: behind a proxy, the one the forwarded headers name."""
    meta = request.META
    scheme = meta.get("HTTP_X_FORWARDED_PROTO", "").split(",")[0].strip() or request.scheme
    host = meta.get("HTTP_X_FORWARDED_HOST", "").split(",")[0].strip() or request.get_host()
    return f"{scheme}://{host}{request.get_full_path()}"


class SignedByTwilio(BasePermission):
    message = "The X-Twilio-Signature does not match this request."

    def has_permission(self, request, view) -> bool:
        token = settings.TWILIO_AUTH_TOKEN
        signature = request.META.get("HTTP_X_TWILIO_SIGNATURE", "")
        if not token or not signature:
            return False
        return RequestValidator(token).validate(
            public_url(request), dict(request.data.items()), signature
        )


class TaskRouterEventApi(APIView):
    """A TwiML-free TaskRouter workspace event callback, form-encoded and signed by Twilio
    (X-Twilio-Signature over the public URL and the form, with the account's auth token,
    settings.TWILIO_AUTH_TOKEN). Answers 204 at once; event types the console does not follow
    are acknowledged and ignored."""

    authentication_classes = []
    permission_classes = [SignedByTwilio]
    parser_classes = [FormParser]

    def initial(self, request, *args, **kwargs):
        # A method the view has not is 405 before the signature is looked at, as elsewhere.
        if not hasattr(self, request.method.lower()):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="telephony_twilio_taskrouter_event",
        request={"application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter("X-Twilio-Signature", str, OpenApiParameter.HEADER, required=True)
        ],
        responses={204: None},
        auth=[],
    )
    def post(self, request):
        _translated(lambda: taskrouter.record_task_event(form=dict(request.data.items())))
        return Response(status=204)


def _as_query_dict(data) -> QueryDict:
    if isinstance(data, QueryDict):
        return data
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Must be form fields."]})
    form = QueryDict(mutable=True)
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(item, str) for item in values):
            raise serializers.ValidationError({name: ["Must be text."]})
        form.setlist(name, values)
    return form


class CtiPushApi(APIView):
    """The generic CTI push of Zammad and sipgate (form fields `event`, `callId`, `from`, `to`,
    `direction`, `user[]`, `queue`, `cause`), with `Authorization: Bearer <key>` or the key at
    the end of the URL. Optional `timestamp` keeps the PBX's time."""

    required_scope = "cti"
    authentication_classes = [ApiKeyAuthentication]
    parser_classes = [FormParser, LimitedJSONParser]

    @extend_schema(
        operation_id="telephony_cti_push",
        request={"application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={200: RECORDED},
        examples=[
            OpenApiExample(
                "A new call",
                value={
                    "event": "newCall",
                    "callId": "123456",
                    "from": "09011110001",
                    "to": "0120000000",
                    "direction": "in",
                    "user[]": "agent001",
                    "queue": "loans",
                },
            )
        ],
    )
    def post(self, request):
        return self.record(request)

    def record(self, request) -> Response:
        form = _as_query_dict(request.data)
        recorded = _translated(
            lambda: cti_push.record_pushed_event(source=request.auth.name, form=form)
        )
        return Response(recorded.as_json())


class CtiPushWithKeyApi(CtiPushApi):
    """The same push, for a PBX configured with a URL only: the key ends the URL."""

    authentication_classes = [PathKeyAuthentication]

    @extend_schema(
        operation_id="telephony_cti_push_with_key",
        request={"application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={200: RECORDED},
    )
    def post(self, request, key: str):
        return self.record(request)
