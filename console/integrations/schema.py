"""The OpenAPI document's shared parts: every operation may answer with the one error format, and
a request body the server reads strictly (StrictSerializer) says it takes no other fields."""

from drf_spectacular.extensions import OpenApiSerializerExtension

from customers.validation import StrictSerializer


class StrictRequestBody(OpenApiSerializerExtension):
    """StrictSerializer refuses unknown fields with 400: the schema says so
    (`additionalProperties: false`) for what clients send; answers may still grow fields."""

    target_class = StrictSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction == "request":
            schema["additionalProperties"] = False
        return schema


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "message": {"type": "string", "example": "The request has invalid fields."},
                "fields": {"type": "object", "additionalProperties": True},
            },
        }
    },
}
ERROR_STATUSES = {
    "400": "Invalid input: `fields` says which and why.",
    "401": "No key, a wrong key or a revoked key.",
    "403": "The key lacks the scope (or the person the permission).",
    "404": "Nothing at this address.",
    "409": "Conflicts with the current state, or an Idempotency-Key reused with another body.",
    "413": "Too large (body or batch).",
    "415": "Not JSON.",
    "429": "Rate limit reached; see Retry-After.",
    "503": "Busy (every database connection stayed in use) or overloaded (more work waiting "
    "than API_MAX_WAIT_SECONDS): nothing was stored; send again after Retry-After.",
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error answers of every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_STATUSES.items():
                if status == "415" and "requestBody" not in operation:
                    continue
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
