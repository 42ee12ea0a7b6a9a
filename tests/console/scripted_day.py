"""A scripted day of calls on both desks, posted through the telephony API as a PBX would, in
time order. Every figure the wallboard and the reports show for it is worked out by hand in the
tests that use it; the story of each call is here.

Day D is Tuesday 2026-11-24 (Asia/Tokyo). Queues: loans (contact center, 20 s), repayment
(contact center, 30 s: set by the test), atm and cards (service center, 20 s).

c0  D-3 10:00  customer A, loans, agent001: answered after 5 s, 180 s talk, 30 s after-call work.
c1  09:00      A, loans, agent001: answered at 10 s (within 20), hold 09:02-09:03 (60 s), ended
               09:05:10, wrapped up 09:06:00 → talk 240, hold 60, ACW 50, handle 350. A repeat:
               A called 3 days before.
c2  09:10      unknown caller, loans, agent002: answered at 30 s (late), ended 09:14:30, wrapped
               up 09:15:00 → talk 240, ACW 30, handle 270.
c3  09:20      customer B, loans, rings agent001, hangs up at 40 s unanswered → abandoned.
c4  10:00      B, repayment, agent002: answered at 25 s (within 30), transferred to the atm queue
               at 10:04:25 (→ agent101), agent002 wraps up at 10:05:25 → talk 240, ACW 60,
               handle 300; a transfer to the other desk. A repeat: B called at 09:20.
    leg 1      atm, agent101: answered at 10 s, hold 10:06:00-10:06:30 (30 s), ended 10:09:35,
               wrapped up 10:10:35 → talk 270, hold 30, ACW 60, handle 360.
c5  10:05      unknown caller, cards: no service-center agent free (agent101 is on c4), waits,
               hangs up at 50 s → abandoned, no agent.
c8  11:00      unknown caller, loans, agent001: answered at 60 s (late), ended 11:03:00, wrapped
               up 11:03:20 → talk 120, ACW 20, handle 140.
c6  23:58      A, loans, agent001: answered at 12 s, ended 00:03:12 on D+1, wrapped up 00:04:00
               → talk 300, ACW 48, handle 348, counted on D at 23h. A repeat (c1 that morning).
c7  D+1 00:10  unknown caller, cards, agent101: answered at 5 s, 120 s talk, ACW 30, handle 150.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from customers.resolution import ingest_source_records
from tests.factories import make_agent

TOKYO = ZoneInfo("Asia/Tokyo")
D = date(2026, 11, 24)
NEXT_DAY = D + timedelta(days=1)
EARLIER_DAY = D - timedelta(days=3)
PHONE_A = "09011110001"
PHONE_B = "09022220002"
UNKNOWN = "0312340000"


def at(day: date, clock: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=TOKYO)


def _call(call_id, day, caller, queue, steps, agent=None):
    """steps: (clock, type, extra) tuples for one call."""
    events = []
    for clock, kind, extra in steps:
        moment = at(day, clock) if isinstance(clock, str) else clock
        event = {"call_id": call_id, "type": kind, "at": moment, **extra}
        if kind == "offered":
            event.update({"from": caller, "queue": queue})
            if agent:
                event["agent"] = agent
        events.append(event)
    return events


SCRIPT = sorted(
    [
        *_call(
            "c0",
            EARLIER_DAY,
            PHONE_A,
            "loans",
            [
                ("10:00:00", "offered", {}),
                ("10:00:05", "answered", {}),
                ("10:03:05", "ended", {}),
                ("10:03:35", "wrapup_done", {}),
            ],
            agent="agent001",
        ),
        *_call(
            "c1",
            D,
            PHONE_A,
            "loans",
            [
                ("09:00:00", "offered", {}),
                ("09:00:10", "answered", {}),
                ("09:02:00", "hold", {}),
                ("09:03:00", "unhold", {}),
                ("09:05:10", "ended", {}),
                ("09:06:00", "wrapup_done", {}),
            ],
            agent="agent001",
        ),
        *_call(
            "c2",
            D,
            UNKNOWN,
            "loans",
            [
                ("09:10:00", "offered", {}),
                ("09:10:30", "answered", {}),
                ("09:14:30", "ended", {}),
                ("09:15:00", "wrapup_done", {}),
            ],
            agent="agent002",
        ),
        *_call(
            "c3",
            D,
            PHONE_B,
            "loans",
            [("09:20:00", "offered", {}), ("09:20:40", "ended", {})],
            agent="agent001",
        ),
        *_call(
            "c4",
            D,
            PHONE_B,
            "repayment",
            [
                ("10:00:00", "offered", {}),
                ("10:00:25", "answered", {}),
                ("10:04:25", "transferred", {"target_queue": "atm"}),
                ("10:04:35", "answered", {}),
                ("10:05:25", "wrapup_done", {"agent": "agent002"}),
                ("10:06:00", "hold", {}),
                ("10:06:30", "unhold", {}),
                ("10:09:35", "ended", {}),
                ("10:10:35", "wrapup_done", {"agent": "agent101"}),
            ],
            agent="agent002",
        ),
        *_call(
            "c5",
            D,
            UNKNOWN,
            "cards",
            [("10:05:00", "offered", {}), ("10:05:50", "ended", {})],
        ),
        *_call(
            "c8",
            D,
            UNKNOWN,
            "loans",
            [
                ("11:00:00", "offered", {}),
                ("11:01:00", "answered", {}),
                ("11:03:00", "ended", {}),
                ("11:03:20", "wrapup_done", {}),
            ],
            agent="agent001",
        ),
        *_call(
            "c6",
            D,
            PHONE_A,
            "loans",
            [
                ("23:58:00", "offered", {}),
                ("23:58:12", "answered", {}),
                (at(NEXT_DAY, "00:03:12"), "ended", {}),
                (at(NEXT_DAY, "00:04:00"), "wrapup_done", {}),
            ],
            agent="agent001",
        ),
        *_call(
            "c7",
            NEXT_DAY,
            UNKNOWN,
            "cards",
            [
                ("00:10:00", "offered", {}),
                ("00:10:05", "answered", {}),
                ("00:12:05", "ended", {}),
                ("00:12:35", "wrapup_done", {}),
            ],
            agent="agent101",
        ),
    ],
    key=lambda event: event["at"],
)


def set_up_people() -> None:
    """Customers A and B known from the loan desk's records; three available agents."""
    ingest_source_records(
        system="loan_cc",
        records=[
            {"external_id": "L-A", "name": "山田 太郎", "phones": ["090-1111-0001"]},
            {"external_id": "L-B", "name": "佐藤 花子", "phones": ["090-2222-0002"]},
        ],
    )
    since = at(EARLIER_DAY, "08:00:00")
    make_agent("agent001", desk="contact_center", state="available", since=since)
    make_agent("agent002", desk="contact_center", state="available", since=since)
    make_agent("agent101", desk="service_center", state="available", since=since)


@dataclass
class Player:
    """Posts the script's events in time order, up to a moment."""

    cti: object
    posted: int = 0

    def play_until(self, moment: datetime) -> None:
        while self.posted < len(SCRIPT) and SCRIPT[self.posted]["at"] <= moment:
            event = SCRIPT[self.posted]
            body = {**event, "event_id": f"e{self.posted:03d}", "at": event["at"].isoformat()}
            response = self.cti.post("/api/v1/cti/events", body, format="json")
            assert response.status_code == 202, response.content
            self.posted += 1

    def event_id(self, call_id: str, kind: str) -> str:
        """The id the first such event of the call was posted with."""
        for index, event in enumerate(SCRIPT):
            if event["call_id"] == call_id and event["type"] == kind:
                return f"e{index:03d}"
        raise LookupError(f"{call_id} has no {kind} event")

    def play_all(self) -> None:
        self.play_until(datetime.max.replace(tzinfo=TOKYO))
