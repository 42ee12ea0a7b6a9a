from django.conf import settings
from rest_framework.parsers import JSONParser

from customers.validation import PayloadTooLarge


class LimitedJSONParser(JSONParser):
    """JSON bodies up to API_MAX_BODY_BYTES; DRF reads the stream itself, so Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE does not guard it."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if declared > limit:
            raise PayloadTooLarge(f"The body is larger than {limit} bytes.")
        return super().parse(stream, media_type, parser_context)
