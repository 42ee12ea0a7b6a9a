"""Health of what the product depends on: the database, the channel layer and the task broker."""

import logging

from django.conf import settings
from django.db import connection
from redis import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

REDIS_PING_TIMEOUT_S = 2


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("database health check failed")
        return "down"
    return "ok"


def _redis_status(url: str) -> str:
    if not url:
        return "ok"  # embedded default: in-memory layer / in-process tasks live in this process
    try:
        client = Redis.from_url(
            url,
            socket_timeout=REDIS_PING_TIMEOUT_S,
            socket_connect_timeout=REDIS_PING_TIMEOUT_S,
        )
        try:
            client.ping()
        finally:
            client.close()
    except (RedisError, OSError):
        logger.warning("redis health check failed for %s", url.split("@")[-1])
        return "down"
    return "ok"


def health_report() -> dict[str, str]:
    broker_url = settings.CELERY_BROKER_URL if not settings.CELERY_TASK_ALWAYS_EAGER else ""
    return {
        "database": _database_status(),
        "channel_layer": _redis_status(settings.REDIS_URL),
        "broker": _redis_status(broker_url) if broker_url.startswith("redis") else "ok",
    }
