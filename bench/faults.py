"""The screen-pop stream while Redis and PostgreSQL fail: what is lost, doubled and how slow.

A PBX (this script) offers calls to agents whose browsers (this script) hold the console's
socket, reconnecting and resuming as its page does, while on a schedule Redis is killed and
started again and PostgreSQL is restarted (`pg_ctl restart -m fast`, as `pg_ctlcluster`). The
PBX sends an event again when it is answered 503, as it is told to. Redis and PostgreSQL are
the script's own (redis-server on a free port, a cluster made with initdb in a temporary folder),
served by one Daphne with DEBUG off.

Per phase: calls sent and acknowledged (202), screen pops delivered, lost (acknowledged, never
shown) and duplicated (shown twice), the longest time an agent waited for an acknowledged call's
pop, and the pop's latency (the offer sent → the pop on the agent's screen) at p50 and p99; and
p99 within 5 s of each recovery (the aim: under 50 ms).

    .venv/bin/python bench/faults.py [--agents 8] [--rate 5] [--phase-seconds 30]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import harness

sys.path.insert(0, str(harness.PROJECT))

from tests.faults.agent_browser import AgentBrowser
from tests.faults.services import PostgresCluster, RedisServer, postgres_bin

RECOVERY_WINDOW_S = 5
SECRET_KEY = "bench-faults-" + "x" * 40


@dataclass
class Call:
    call_id: str
    agent: str
    first_sent: float
    acknowledged_at: float | None = None
    offered_to: str | None = None  # the agent the 202 named; none: the call waited
    attempts: int = 0
    statuses: list[int] = field(default_factory=list)


class Pbx:
    """Offers calls at a steady rate, one named agent in turn, ends each soon after, and sends a
    refused event again (503, or no answer at all) until it is accepted."""

    def __init__(self, port: int, key: str, agents: list[str], rate: float) -> None:
        self.port, self.key, self.agents, self.rate = port, key, agents, rate
        self.calls: list[Call] = []
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def post(self, event: dict) -> tuple[int, dict]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request(
                "POST",
                "/api/v1/cti/events",
                body=json.dumps(event),
                headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            body = response.read()
            return response.status, (json.loads(body) if response.status == 202 else {})
        except (OSError, http.client.HTTPException, ValueError):
            return 0, {}
        finally:
            connection.close()

    def send_until_accepted(self, event: dict, call: Call | None = None) -> None:
        while not self.stopping.is_set():
            event["at"] = datetime.now(UTC).isoformat()
            status, answer = self.post(event)
            if call is not None:
                call.attempts += 1
                call.statuses.append(status)
            if status == 202:
                if call is not None:
                    call.acknowledged_at = time.monotonic()
                    call.offered_to = answer.get("agent")
                return
            time.sleep(0.1)

    def one_call(self, number: int) -> None:
        agent = self.agents[number % len(self.agents)]
        call = Call(call_id=f"bench-{number}", agent=agent, first_sent=time.monotonic())
        with self.lock:
            self.calls.append(call)
        offered = {
            "event_id": f"{call.call_id}-offered",
            "call_id": call.call_id,
            "type": "offered",
            "queue": "loans",
            "agent": agent,
            "from": f"090{random.randrange(10**8):08d}",
        }
        self.send_until_accepted(offered, call)
        time.sleep(0.2)  # rings, then the caller hangs up: the agent is free again
        ended = {"event_id": f"{call.call_id}-ended", "call_id": call.call_id, "type": "ended"}
        self.send_until_accepted(ended)

    def run(self, seconds: float) -> None:
        started, number, threads = time.monotonic(), 0, []
        while time.monotonic() - started < seconds:
            thread = threading.Thread(target=self.one_call, args=(number,), daemon=True)
            thread.start()
            threads.append(thread)
            number += 1
            time.sleep(max(started + number / self.rate - time.monotonic(), 0))
        for thread in threads:
            thread.join(timeout=60)


def set_up(cluster: PostgresCluster, agents: int) -> tuple[dict, str, dict[str, str]]:
    database_url = cluster.url("bench_faults")
    cluster.create_database("bench_faults")
    env = harness.server_environment(database_url=database_url, debug=False, secret_key=SECRET_KEY)
    harness.manage("migrate", "--noinput", env=env)
    script = (
        "import json\n"
        "from django.test import Client\n"
        "from tests.factories import api_key, make_agent\n"
        "cookies = {}\n"
        f"for n in range(1, {agents} + 1):\n"
        "    agent = make_agent(f'agent{n:03d}', state='available')\n"
        "    web = Client()\n"
        "    web.force_login(agent.user)\n"
        "    cookies[agent.user.username] = 'sessionid=' + web.cookies['sessionid'].value\n"
        "print(json.dumps({'key': api_key(scopes=['cti'], name='pbx'), 'cookies': cookies}))\n"
    )
    made = json.loads(harness.manage("shell", "-c", script, env=env).strip().splitlines()[-1])
    return env, made["key"], made["cookies"]


def phase_of(moment: float, schedule: list[tuple[str, float]]) -> str:
    current = schedule[0][0]
    for name, starts in schedule:
        if moment >= starts:
            current = name
    return current


def measure(options: argparse.Namespace) -> None:
    bin_dir = postgres_bin()
    if bin_dir is None:
        sys.exit("PostgreSQL's initdb/pg_ctl are not installed")
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as folder:
        folder_path = Path(folder)
        folder_path.chmod(0o777)
        cluster = PostgresCluster(folder_path, bin_dir)
        cluster.init()
        cluster.start()
        redis = RedisServer(folder_path)
        redis.start()
        server = None
        browsers: dict[str, AgentBrowser] = {}
        try:
            env, key, cookies = set_up(cluster, options.agents)
            env.update(
                {"REDIS_URL": redis.url, "CELERY_BROKER_URL": redis.url}
                | {"DATABASE_POOL_TIMEOUT_S": "1", "LOG_LEVEL": "WARNING"}
            )
            server = harness.start_daphne("console.asgi:application", env=env, name="daphne")
            harness.wait_until_answering(server)
            base = f"http://127.0.0.1:{server.port}"
            for username, cookie in cookies.items():
                browsers[username] = AgentBrowser(
                    ws_url=f"ws://127.0.0.1:{server.port}/ws/agent/", origin=base, cookie=cookie
                ).start()
            for browser in browsers.values():
                browser.wait_for(lambda b: b.connected)
            pbx = Pbx(server.port, key, sorted(cookies), options.rate)
            phase = options.phase_seconds
            traffic = threading.Thread(target=pbx.run, args=(phase * 5,), daemon=True)
            began = time.monotonic()
            traffic.start()
            schedule = [("steady", began)]

            def at(offset: float) -> None:
                time.sleep(max(began + offset - time.monotonic(), 0))

            at(phase)
            schedule.append(("Redis down", time.monotonic()))
            redis.kill()
            at(2 * phase)
            redis.start()
            schedule.append(("after Redis back", time.monotonic()))
            at(3 * phase)
            schedule.append(("PostgreSQL restarting", time.monotonic()))
            cluster.restart()
            schedule.append(("after PostgreSQL back", time.monotonic()))
            traffic.join()
            time.sleep(5)  # late pops, resumes
            if options.show_log:
                log = server.log_path.read_text(errors="replace").splitlines()
                harness.say("\n".join(line for line in log if "/api/v1/" not in line)[-8000:])
                for name, browser in browsers.items():
                    harness.say(f"{name}: {browser.attempts[-4:]} last_seq {browser.last_seq}")
            machine = harness.machine_description(
                packages=("django", "channels", "channels-redis", "daphne"),
                database_url=cluster.url("bench_faults"),
                redis_url=redis.url,
            )
        finally:
            for browser in browsers.values():
                browser.stop()
            if server is not None:
                server.stop()
            redis.kill()
            cluster.stop()
    report(pbx.calls, browsers, schedule, machine)


def report(calls, browsers, schedule, machine) -> None:
    shown: dict[str, list[float]] = {}
    duplicated_seqs = 0
    for browser in browsers.values():
        duplicated_seqs += len(browser.repeated_seqs())
        for message, arrived in zip(browser.messages, browser.arrived_at, strict=True):
            if message["type"] == "screen_pop":
                shown.setdefault(message["contact"]["call_id"], []).append(arrived)
    rows = []
    names = [name for name, _ in schedule]
    # The PostgreSQL restart is a moment (about 0.3 s): its calls are those sent during it.
    for name in dict.fromkeys(names):
        in_phase = [c for c in calls if phase_of(c.first_sent, schedule) == name]
        acknowledged = [c for c in in_phase if c.acknowledged_at is not None]
        # A call no agent was free for waits, and its caller hangs up: no pop is due.
        offered = [c for c in acknowledged if c.offered_to]
        delivered = [c for c in offered if c.call_id in shown]
        latencies = [(shown[c.call_id][0] - c.first_sent) * 1000 for c in delivered]
        waits = [shown[c.call_id][0] - c.acknowledged_at for c in delivered]
        rows.append(
            {
                "phase": name,
                "sent": len(in_phase),
                "acknowledged": len(acknowledged),
                "waited": len(acknowledged) - len(offered),
                "refused_503": sum(s == 503 for c in in_phase for s in c.statuses),
                "other_errors": sum(s not in (202, 503) for c in in_phase for s in c.statuses),
                "delivered": len(delivered),
                "lost": len(offered) - len(delivered),
                "duplicated": sum(len(shown[c.call_id]) - 1 for c in delivered),
                "longest_gap_s": round(max(waits, default=0), 2),
                "p50_ms": round(harness.percentile(latencies, 0.5), 1),
                "p99_ms": round(harness.percentile(latencies, 0.99), 1),
            }
        )
    recoveries = []
    for name, starts in schedule:
        if name.startswith("after"):
            window = [
                (shown[c.call_id][0] - c.first_sent) * 1000
                for c in calls
                if starts <= c.first_sent < starts + RECOVERY_WINDOW_S and c.call_id in shown
            ]
            recoveries.append(
                {
                    "after": name,
                    "calls": len(window),
                    "p99_ms": round(harness.percentile(window, 0.99), 1),
                    "max_ms": round(max(window, default=0), 1),
                }
            )
    harness.say(f"Machine: {harness.machine_line(machine)}")
    columns = list(rows[0])
    harness.say("| " + " | ".join(columns) + " |")
    harness.say("|" + " --- |" * len(columns))
    for row in rows:
        harness.say("| " + " | ".join(str(row[c]) for c in columns) + " |")
    harness.say(f"Repeated seqs on any socket: {duplicated_seqs}")
    for recovery in recoveries:
        harness.say(
            f"Within {RECOVERY_WINDOW_S} s {recovery['after']}: {recovery['calls']} calls, "
            f"p99 {recovery['p99_ms']} ms, max {recovery['max_ms']} ms"
        )
    harness.say(json.dumps({"rows": rows, "recoveries": recoveries, "machine": machine}))


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--rate", type=float, default=3.0, help="calls offered per second")
    parser.add_argument("--phase-seconds", type=float, default=30.0)
    parser.add_argument("--show-log", action="store_true", help="the end of Daphne's log")
    return parser.parse_args()


if __name__ == "__main__":
    measure(parse_options())
