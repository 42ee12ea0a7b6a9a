"""PostgreSQL stopped and restarted under a live Daphne while the telephony system keeps sending:
each event is answered 202 or, while the database is away, 503 in JSON with `Retry-After`, never
500 or HTML; the PBX sends a refused one again, nothing is refused once PostgreSQL is back, and
every event answered 202 is in the database. Our own cluster, never the shared one."""

import threading
import time
from dataclasses import dataclass, field

import psycopg
import pytest

from tests.faults.live import Answer, post_event
from tests.faults.services import manage, running_postgres
from tests.live_server import running_daphne

SET_UP = (
    "from tests.factories import api_key, make_agent; "
    "make_agent('agent001', state='available'); "
    "print(api_key(scopes=['cti'], name='pbx'))"
)


@dataclass
class Sent:
    event_id: str
    started: float
    finished: float
    answer: Answer


@dataclass
class Pbx:
    """Sends each call's events in turn and sends a refused one again, as a PBX does."""

    url: str
    key: str
    sent: list[Sent] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        call = 0
        while not self.stopping.is_set():
            call += 1
            call_id = f"call-{call}"
            for type_ in ("offered", "ended"):
                self.send_until_accepted(call_id, type_)

    def send_until_accepted(self, call_id: str, type_: str) -> None:
        fields = {"queue": "loans", "from": "0312345678"} if type_ == "offered" else {}
        event_id = f"{call_id}-{type_}"
        while True:
            started = time.monotonic()
            answer = post_event(
                self.url, self.key, event_id=event_id, call_id=call_id, type=type_, **fields
            )
            self.sent.append(Sent(event_id, started, time.monotonic(), answer))
            if answer.status == 202:
                self.acknowledged.append(event_id)
                return
            if answer.status != 503:
                return  # a wrong answer: the test says so
            time.sleep(0.2)

    def wait_for_acknowledged(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count:
            assert time.monotonic() < deadline, self.sent[-3:]
            time.sleep(0.05)


@pytest.fixture(scope="module")
def postgres():
    with running_postgres() as cluster:
        cluster.create_database("console")
        manage("migrate", "--noinput", DATABASE_URL=cluster.url())
        yield cluster


def test_postgres_restart_answers_503_json_meanwhile_and_loses_nothing(postgres):
    key = manage("shell", "-c", SET_UP, DATABASE_URL=postgres.url()).strip().splitlines()[-1]
    environment = {
        "DATABASE_URL": postgres.url(),
        "REDIS_URL": "",
        # A request waits this long for a connection before it is answered 503.
        "DATABASE_POOL_TIMEOUT_S": "1",
    }
    with running_daphne(**environment) as url:
        pbx = Pbx(url=url, key=key)
        pbx.thread.start()
        try:
            pbx.wait_for_acknowledged(10)
            postgres.stop()
            time.sleep(3)  # down long enough for requests to give up waiting
            postgres.start()
            back = time.monotonic()
            pbx.wait_for_acknowledged(len(pbx.acknowledged) + 30)
            restarting = time.monotonic()
            postgres.restart()  # as `pg_ctlcluster … restart -m fast`
            restarted = time.monotonic()
            pbx.wait_for_acknowledged(len(pbx.acknowledged) + 20)
        finally:
            pbx.stopping.set()
            pbx.thread.join(timeout=30)

    statuses = {sent.answer.status for sent in pbx.sent}
    assert statuses <= {202, 503}, [s for s in pbx.sent if s.answer.status not in (202, 503)]
    refused = [sent.answer for sent in pbx.sent if sent.answer.status == 503]
    assert refused, "PostgreSQL was down for 3 s: some request must have been answered 503"
    for answer in refused:
        assert answer.content_type == "application/json"
        assert answer.body["error"]["code"] in ("unavailable", "busy")
        assert answer.retry_after and int(answer.retry_after) > 0
    # Once PostgreSQL answers again, no request fails on a dead connection: pooled connections
    # are checked and replaced, not handed out. (On a loaded machine the pool's new connections
    # can take longer than the 1 s a request waits, which is answered "busy" and sent again:
    # a wait, not a failure.)
    between = [s for s in pbx.sent if back < s.started and s.finished < restarting]
    after = [s for s in pbx.sent if s.started > restarted]
    assert between and after
    assert [
        s
        for s in between + after
        if s.answer.status != 202 and s.answer.body["error"]["code"] != "busy"
    ] == []

    with psycopg.connect(postgres.url().replace("postgres://", "postgresql://")) as database:
        stored = {
            row[0] for row in database.execute("SELECT event_id FROM contacts_callevent").fetchall()
        }
        agent_state = database.execute(
            "SELECT state FROM console_agent a JOIN auth_user u ON u.id = a.user_id "
            "WHERE u.username = 'agent001'"
        ).fetchone()[0]
    assert set(pbx.acknowledged) <= stored  # a 202 means committed
    assert agent_state in ("available", "on_call")  # never left "on a call" for good
