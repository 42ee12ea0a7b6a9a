"""Our own Redis and PostgreSQL for tests that kill or restart them, never the shared ones:
`redis-server` on a free port, a PostgreSQL cluster made with `initdb` in a temporary directory.
Each is skipped (with the reason) where the binaries are not installed."""

import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.live_server import PROJECT, free_port

START_TIMEOUT_S = 20


def _wait_until(ready, what: str, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} not ready within {timeout}s")


class RedisServer:
    """A redis-server of our own, that a test may kill (SIGKILL, as a crash) and start again on
    the same port. Nothing is saved to disk: a restart comes back empty, as a cache does."""

    def __init__(self, directory: Path) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_until(self.answers, f"redis-server on {self.port}")

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
        except (redis.RedisError, OSError):
            return False

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.kill()
        self.start()


@contextmanager
def running_redis():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    with tempfile.TemporaryDirectory(prefix="faults-redis-") as directory:
        server = RedisServer(Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.kill()


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresCluster:
    """A PostgreSQL cluster of our own in a temporary directory, trust authentication on
    127.0.0.1 only, that a test may stop, start and restart."""

    def __init__(self, directory: Path, bin_dir: Path) -> None:
        self.data = directory / "data"
        self.bin = bin_dir
        self.port = free_port()
        self.log = directory / "postgres.log"
        self.socket_dir = directory

    def url(self, database: str = "console") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _ctl(self, *arguments: str) -> None:
        subprocess.run(
            [str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", *arguments],
            check=True,
            stdout=subprocess.DEVNULL,
            **_as_postgres(),
        )

    def init(self) -> None:
        subprocess.run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            **_as_postgres(),
        )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.socket_dir} -c fsync=off "
            "-c max_connections=100"
        )
        self._options = options

    def start(self) -> None:
        self._ctl("-o", self._options, "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def restart(self) -> None:
        self._ctl("-o", self._options, "-m", "fast", "restart")

    def create_database(self, name: str) -> None:
        createdb = str(self.bin / "createdb")
        subprocess.run(
            [createdb, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name], check=True
        )


def _as_postgres() -> dict:
    """PostgreSQL refuses to run as root: in a root container the cluster belongs to `nobody`."""
    if os.geteuid() != 0:
        return {}
    import pwd

    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid}


@contextmanager
def running_postgres():
    bin_dir = postgres_bin()
    if bin_dir is None or not (bin_dir / "pg_ctl").exists():
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed")
    with tempfile.TemporaryDirectory(prefix="faults-pg-") as directory:
        if os.geteuid() == 0:
            os.chmod(directory, 0o777)
        cluster = PostgresCluster(Path(directory), bin_dir)
        cluster.init()
        cluster.start()
        try:
            yield cluster
        finally:
            subprocess.run(
                [str(bin_dir / "pg_ctl"), "-D", str(cluster.data), "-m", "immediate", "stop"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                **_as_postgres(),
            )


def manage(*arguments: str, **environment: str) -> str:
    """A management command against the given environment (another database than the tests')."""
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=PROJECT,
        env={**os.environ, "DEBUG": "true", "ENV_FILE": os.devnull, **environment},
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout
