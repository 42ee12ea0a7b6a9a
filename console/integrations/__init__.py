"""Integrations: API clients and their keys, scopes and rate limit, the one JSON error format,
request parsing limits, idempotency keys, shedding load beyond capacity, the 503 answer while a
dependency is unavailable (`unavailable`), the OpenAPI additions, and outbound webhooks
(`webhook_emitting` queues them, `webhook_delivery` sends one; the tasks sit between;
`webhook_addresses` says where they may go).

May import: the shell's `redis_cache` and the rooms below. Every other package may use all of its
modules but `webhook_delivery` (a task's business)."""

__all__ = [
    "clients",
    "errors",
    "idempotency",
    "load_shedding",
    "models",
    "parsers",
    "schema",
    "tasks",
    "unavailable",
    "webhook_addresses",
    "webhook_emitting",
]
