"""Settings come from the environment; without it the product runs on its embedded default."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

PROJECT = Path(__file__).resolve().parents[2]

READ_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "pool": "pool" in settings.DATABASES["default"].get("OPTIONS", {}),
    "channel_layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "channel_hosts": [
        {name: type(value).__module__ + "." + type(value).__name__ if name == "retry" else value
         for name, value in host.items() if name != "retry_on_error"}
        for host in settings.CHANNEL_LAYERS["default"].get("CONFIG", {}).get("hosts", [])
    ] or None,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "debug": settings.DEBUG,
}))
"""

CONFIG_VARIABLES = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "CELERY_BROKER_URL")


def run_python(code: str, **variables: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    environment.update(
        {"DJANGO_SETTINGS_MODULE": "console.settings", "ENV_FILE": os.devnull, **variables}
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def read_settings(**variables: str) -> dict:
    result = run_python(READ_SETTINGS, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_default_without_environment():
    settings = read_settings(DEBUG="true")

    assert settings["engine"] == "django.db.backends.sqlite3"
    assert settings["name"] == str(PROJECT / "db.sqlite3")
    assert settings["channel_layer"] == "channels.layers.InMemoryChannelLayer"
    assert settings["eager"] is True


def test_redis_url_switches_channel_layer_and_broker():
    settings = read_settings(DEBUG="true", REDIS_URL="redis://127.0.0.1:6379/3")

    assert settings["channel_layer"] == "console.realtime.OutageAwareRedisChannelLayer"
    # No socket timeout: redis-py 8's default closes idle websockets (channels_redis#422).
    # Connections that died in a Redis restart are checked and tried again (redis-py's Retry).
    assert settings["channel_hosts"] == [
        {
            "address": "redis://127.0.0.1:6379/3",
            "socket_timeout": None,
            "max_connections": 2000,
            "retry": "redis.asyncio.retry.Retry",
            "health_check_interval": 5,
            "socket_connect_timeout": 1,
        }
    ]
    assert settings["eager"] is False
    assert settings["broker"] == "redis://127.0.0.1:6379/3"


def test_database_url_selects_postgresql_with_a_pool():
    settings = read_settings(DEBUG="true", DATABASE_URL="postgres://u@127.0.0.1:5432/console")

    assert settings["engine"] == "django.db.backends.postgresql"
    assert settings["name"] == "console"
    assert settings["pool"] is True


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_python(READ_SETTINGS)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_debug_is_off_unless_asked_for():
    settings = read_settings(SECRET_KEY=secrets.token_urlsafe(50))

    assert settings["debug"] is False


def test_deploy_checks_pass_on_production_settings():
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="console.example.jp",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_asgi_process_freezes_what_it_loads_at_start():
    result = run_python(
        "import gc, sys, console.asgi;"
        "print(gc.get_freeze_count(), len(gc.get_objects()), 'console.calls.api' in sys.modules)",
        DEBUG="true",
    )

    assert result.returncode == 0, result.stderr
    frozen, unfrozen, views_loaded = result.stdout.split()
    assert int(frozen) > 0
    assert int(unfrozen) < 1_000
    # The views come with the URL configuration, loaded before the freeze.
    assert views_loaded == "True"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_postgresql_connections_do_not_jit_compile_queries(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
