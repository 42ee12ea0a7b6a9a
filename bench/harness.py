"""What the benchmarks share: the servers' environment, a throw-away database, `manage.py`,
Daphne processes, the machine's description and percentiles.

Imported as `harness` by the scripts beside it: Python puts a script's own folder first on
sys.path, so `.venv/bin/python bench/<name>.py` from the project root finds it. The project's own
packages are put on the path by `set_up_django` (and are imported only by what runs after it).
"""

from __future__ import annotations

import http.client
import math
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

PROJECT = Path(__file__).resolve().parent.parent
PYTHON = PROJECT / ".venv" / "bin" / "python"
DAPHNE = PROJECT / ".venv" / "bin" / "daphne"
# How packages are written in the machine line: distribution name → display name.
PACKAGE_NAMES = {
    "django": "Django",
    "channels": "Channels",
    "channels-redis": "channels-redis",
    "daphne": "Daphne",
    "celery": "Celery",
}


def say(text: str) -> None:
    print(text, flush=True)


# --- the environment ---------------------------------------------------------------------------


def server_environment(
    *,
    database_url: str,
    redis_url: str = "",
    debug: bool,
    secret_key: str = "",
    key_prefix: str = "",
) -> dict[str, str]:
    """The environment of the product's processes (Daphne, Celery, manage.py, or this one).

    debug=False is production: Django keeps no SQL in memory and wraps no cursor. It needs a
    SECRET_KEY (a random one unless given: give a fixed one when sessions or signatures made in
    one process must verify in another) and plain HTTP on the loopback. Without a redis_url the
    cache and the channel layer are the embedded ones (one process); key_prefix keeps this run's
    keys apart from other programs on the same Redis."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "true" if debug else "false",
        "ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "console.settings",
        "LOG_LEVEL": "WARNING",
        # The benchmarks measure the product's work, not the per-client rate limit.
        "API_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    if not debug:
        env["SECRET_KEY"] = secret_key or secrets.token_urlsafe(50)
        env["SECURE_SSL_REDIRECT"] = "false"
    elif secret_key:
        env["SECRET_KEY"] = secret_key
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    if key_prefix:
        env["CACHE_KEY_PREFIX"] = key_prefix
        env["CHANNEL_LAYER_PREFIX"] = key_prefix
    return env


def set_up_django(env: dict[str, str]) -> None:
    """Run Django in this process with the given environment, the project importable."""
    os.environ.update(env)
    if str(PROJECT) not in sys.path:
        sys.path.insert(0, str(PROJECT))
    import django

    django.setup()


# --- the database ------------------------------------------------------------------------------


def benchmark_database_name(database_url: str) -> str:
    """The database's name; exits unless it is one meant for benchmarks (starts 'bench')."""
    name = conninfo_to_dict(database_url).get("dbname") or ""
    if not name.startswith("bench"):
        sys.exit(
            f"refusing to drop database {name!r}: a benchmark database's name starts with "
            "'bench' (e.g. .../bench_screen_pop)"
        )
    return name


def _maintenance_connection(database_url: str) -> psycopg.Connection:
    """A connection to the server's `postgres` database, from where another can be dropped."""
    params = conninfo_to_dict(database_url)
    return psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True)


def drop_database(database_url: str) -> None:
    name = benchmark_database_name(database_url)
    with _maintenance_connection(database_url) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def recreate_database(database_url: str) -> str:
    """Drop and create the benchmark's database; returns PostgreSQL's version."""
    drop_database(database_url)
    with _maintenance_connection(database_url) as admin:
        name = benchmark_database_name(database_url)
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return admin.execute("SHOW server_version").fetchone()[0]


def run_python(*arguments: str, env: dict[str, str], timeout: float | None = None) -> str:
    """Run the project's Python from the project folder; its standard output, or exit with the
    end of its errors."""
    done = subprocess.run(
        [str(PYTHON), *arguments],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def manage(*arguments: str, env: dict[str, str], timeout: float | None = None) -> str:
    """Run a `manage.py` command; its standard output, or exit with the end of its errors."""
    return run_python("manage.py", *arguments, env=env, timeout=timeout)


# --- processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Started:
    """A process of ours in its own session, so its process group is only it and its children
    (stopping it stops them too). `port` is where it serves, if it does."""

    name: str
    process: subprocess.Popen
    log_path: Path
    port: int = 0

    def stop(self, *, timeout: float = 20) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def log_end(self, characters: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-characters:]


def start_process(
    name: str,
    command: list[str],
    *,
    env: dict[str, str],
    port: int = 0,
    log_prefix: str = "bench",
    log_folder: Path | None = None,
) -> Started:
    """Start a command from the project folder, its output to a log file of its own."""
    log_path = Path(
        tempfile.mkstemp(prefix=f"{log_prefix}-{name}-", suffix=".log", dir=log_folder)[1]
    )
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Started(name=name, process=process, log_path=log_path, port=port)


def start_daphne(
    application: str,
    *,
    env: dict[str, str],
    name: str = "daphne",
    log_prefix: str = "bench",
    log_folder: Path | None = None,
) -> Started:
    """Daphne serving an ASGI application on a free port of the loopback; not waited for."""
    port = free_port()
    command = [str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), application]
    return start_process(
        name, command, env=env, port=port, log_prefix=log_prefix, log_folder=log_folder
    )


HAPROXY = "/usr/sbin/haproxy"


def haproxy_config(*, port: int, backends: list[int]) -> str:
    """The README's production balancer: least connections over the Daphne processes,
    websockets passed through (a tunnel once upgraded), the client's address forwarded."""
    servers = "\n".join(
        f"    server daphne{n} 127.0.0.1:{backend} check inter 2s"
        for n, backend in enumerate(backends)
    )
    return f"""global
    maxconn 4000

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    option forwardfor

frontend console
    bind 127.0.0.1:{port}
    default_backend daphne

backend daphne
    balance leastconn
    option httpchk GET /healthz
{servers}
"""


def start_haproxy(
    *, backends: list[int], log_prefix: str = "bench", log_folder: Path | None = None
) -> Started:
    """Debian's HAProxy in front of `backends` (ports), in the foreground, on a free port."""
    if not Path(HAPROXY).exists():
        sys.exit("--balancer needs Debian's haproxy: apt-get install haproxy")
    port = free_port()
    config = Path(tempfile.mkstemp(prefix=f"{log_prefix}-haproxy-", suffix=".cfg")[1])
    config.write_text(haproxy_config(port=port, backends=backends))
    return start_process(
        "haproxy",
        [HAPROXY, "-db", "-f", str(config)],
        env=dict(os.environ),
        port=port,
        log_prefix=log_prefix,
        log_folder=log_folder,
    )


def wait_until_answering(server: Started, *, path: str = "/healthz", seconds: float = 60) -> None:
    """Until the server answers HTTP on `path` (any status); else stop it and exit, showing the
    end of its log (the log itself may be deleted on the way out)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            sys.exit(f"{server.name} exited at start; its log ends:\n{server.log_end()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            try:
                connection.request("GET", path)
                connection.getresponse().read()
            finally:
                connection.close()
            return
        except (http.client.HTTPException, OSError):
            time.sleep(0.2)
    server.stop()
    sys.exit(
        f"{server.name} did not answer within {seconds:.0f} s; its log ends:\n{server.log_end()}"
    )


# --- the machine -------------------------------------------------------------------------------


def postgres_version(database_url: str) -> str:
    with psycopg.connect(database_url) as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


def redis_version(redis_url: str) -> str:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        return client.info("server")["redis_version"]
    finally:
        client.close()


def load_average() -> list[float]:
    return [round(load, 2) for load in os.getloadavg()]


def machine_description(
    *, packages: tuple[str, ...] = ("django",), database_url: str = "", redis_url: str = ""
) -> dict:
    """Cores, load average and versions, for a benchmark's figures to be read against.
    Packages are distribution names; their keys are written with '_' for '-'."""
    machine: dict = {
        "cores": os.cpu_count(),
        "load_average": load_average(),
        "python": platform.python_version(),
    }
    machine.update({package.replace("-", "_"): version(package) for package in packages})
    if database_url:
        machine["postgresql"] = postgres_version(database_url)
    if redis_url:
        machine["redis"] = redis_version(redis_url)
    return machine


def machine_line(machine: dict) -> str:
    """A machine_description in one line: "8 cores (load average 0.52, ...), Python ..."."""
    load = ", ".join(f"{value:.2f}" for value in machine["load_average"])
    parts = [f"{machine['cores']} cores (load average {load})", f"Python {machine['python']}"]
    for package, name in PACKAGE_NAMES.items():
        if package.replace("-", "_") in machine:
            parts.append(f"{name} {machine[package.replace('-', '_')]}")
    for key, name in (("postgresql", "PostgreSQL"), ("redis", "Redis")):
        if key in machine:
            parts.append(f"{name} {machine[key]}")
    return ", ".join(parts)


# --- figures -----------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float, *, method: str = "linear") -> float:
    """The fraction-quantile of values (NaN when there are none), by one of numpy's methods:
    "linear" (numpy's default: interpolated between the closest ranks), "inverted_cdf" (the
    textbook nearest rank: the smallest value with at least that share at or below it),
    "higher" or "nearest" (the rank above, or the closest rank to, linear's position; Python's
    round, so a tie goes to the even rank). The scripts keep the method they were recorded with,
    so their figures stay comparable with docs/BENCHMARKS.md."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    if method == "linear":
        lower, upper = math.floor(position), math.ceil(position)
        return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)
    if method == "inverted_cdf":
        return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]
    if method == "higher":
        return ordered[math.ceil(position)]
    if method == "nearest":
        return ordered[round(position)]
    raise ValueError(f"unknown percentile method {method!r}")
