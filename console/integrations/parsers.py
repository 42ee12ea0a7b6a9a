"""Request bodies of the API: JSON, of bounded size and depth, made only of real text. What JSON
allows but nothing downstream can hold is refused here, whole, before any view stores part of
it: a lone surrogate (`"\\ud800"`) cannot be encoded as UTF-8, neither by PostgreSQL nor in the
answer, and nesting a thousand levels deep exhausts Python's stack in every recursive walk."""

import io
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from customers.validation import PayloadTooLarge

# Deeper than any request of the API needs (a source record's attributes are the deepest part),
# far below Python's recursion limit.
MAX_JSON_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")
LONE_SURROGATE = "The body holds a lone surrogate (\\ud800-\\udfff), which is not text."
# UTF-8 cannot carry a surrogate, so only a `\uD800`-`\uDFFF` escape can make one (or a pair
# of them, an emoji): a body without such an escape needs no look at its text.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _refuse_unholdable(data, *, check_text: bool) -> None:
    """Walk the parsed body without recursion: too deep, or (when `check_text`) a lone
    surrogate in a key or a string, is a ParseError."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise ParseError(f"The body is nested deeper than {MAX_JSON_DEPTH} levels.")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(item, dict | list):
                pending.append((item, depth + 1))
            if check_text and (_is_unholdable_text(key) or _is_unholdable_text(item)):
                raise ParseError(LONE_SURROGATE)


def _is_unholdable_text(value) -> bool:
    return isinstance(value, str) and _SURROGATE.search(value) is not None


class LimitedJSONParser(JSONParser):
    """JSON bodies up to API_MAX_BODY_BYTES; DRF reads the stream itself, so Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE does not guard it."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if declared > limit:
            raise PayloadTooLarge(f"The body is larger than {limit} bytes.")
        body = stream.read() if stream is not None else b""
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as error:
            raise ParseError(f"The body is nested deeper than {MAX_JSON_DEPTH} levels.") from error
        if isinstance(data, dict | list):
            _refuse_unholdable(data, check_text=_SURROGATE_ESCAPE.search(body) is not None)
        elif _is_unholdable_text(data):
            raise ParseError(LONE_SURROGATE)
        return data
