"""Integrations: API clients and their keys, scopes and rate limit, the one JSON error format,
request parsing limits, idempotency keys, shedding load beyond capacity, the OpenAPI additions,
and outbound webhooks (`webhook_emitting` queues them, `webhook_delivery` sends one; the tasks
sit between; `webhook_addresses` says where they may go).

May import: the rooms below only. Every other package may use all of its modules but
`webhook_delivery` (a task's business)."""

__all__ = [
    "clients",
    "errors",
    "idempotency",
    "load_shedding",
    "models",
    "parsers",
    "schema",
    "tasks",
    "webhook_addresses",
    "webhook_emitting",
]
