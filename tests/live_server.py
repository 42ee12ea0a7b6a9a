"""A real Daphne process serving the test database, for tests that must cross a process
boundary (websockets through a live server, several servers on one Redis)."""

import json
import os
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import Request, urlopen

from django.conf import settings

PROJECT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 30
APP = "console.asgi:application"
# Daphne's log line once its socket is bound, after the application has loaded.
LISTENING = "Listening on TCP address"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{database['NAME']}"
    user = database.get("USER") or ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{database['NAME']}"


def start_daphne(*, port: int, log_path: Path | None = None, **extra_environment: str):
    """A Daphne serving the current test database on the port, returned once it logs LISTENING.
    A thread reads the log to its end, so that a chatty server never fills the pipe and blocks,
    and appends it to `log_path` when given."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "true",
        "ENV_FILE": os.devnull,
        **extra_environment,
    }
    # Set for the browser tests' own thread only (tests/e2e/conftest.py), never for a server.
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), APP],
        cwd=PROJECT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    listening = threading.Event()
    start_settled = threading.Event()  # listening, or the process ended first
    start_log: list[str] = []

    def read_log() -> None:
        with open(log_path or os.devnull, "a") as kept:
            for line in process.stderr:
                kept.write(line)
                kept.flush()
                if not start_settled.is_set():
                    start_log.append(line)
                    if LISTENING in line:
                        listening.set()
                        start_settled.set()
        start_settled.set()

    threading.Thread(target=read_log, daemon=True).start()
    start_settled.wait(START_TIMEOUT_S)
    if not listening.is_set() or process.poll() is not None:
        stop_daphne(process)
        raise RuntimeError(f"daphne did not start within {START_TIMEOUT_S}s:\n{''.join(start_log)}")
    return process


def stop_daphne(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_daphne(log_path: Path | None = None, **extra_environment: str):
    """Yields the base URL of a Daphne serving the current test database."""
    port = free_port()
    process = start_daphne(port=port, log_path=log_path, **extra_environment)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_daphne(process)


def post_call_event(base_url: str, key: str, **event) -> dict:
    """A telephony event through the public API, as the PBX sends it."""
    event.setdefault("at", datetime.now(UTC).isoformat())
    request = Request(
        f"{base_url}/api/v1/cti/events",
        data=json.dumps(event).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urlopen(request, timeout=10) as response:
        assert response.status == 202
        return json.loads(response.read())
