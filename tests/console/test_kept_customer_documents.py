"""The kept customer-360 document (customers.documents) stays equal to the 360 built from scratch
whatever writes come, in whatever order: a property test over random sequences of every kind of
write that changes what the 360 shows, with reads in between (a read stores the document the
next write then changes in place or marks stale). Plus the rule that keeps a build begun before
a write from being stored after it."""

import contextlib
import uuid
from datetime import UTC, datetime, timedelta

from django.test import SimpleTestCase
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from console.calls.events import handle_call_event
from console.calls.screen import build_documents, build_stale_documents, customer_360
from console.service_desk.cases import AtmIncidentInput, report_atm_incident, update_case_status
from console.touchpoints.interactions import InteractionInput, record_interactions
from contacts.call_events import CallEventInput
from contacts.call_outcomes import name_the_caller, set_wrap_up
from contacts.cases import CaseError
from contacts.customer_documents import with_entry
from contacts.identity_checks import record_identity_check
from contacts.models import Case, CaseStatus, Contact
from customers.documents import keep_document, mark_stale, stored_document
from customers.merging import MergeError, merge_customers, unmerge_customers
from customers.models import Customer, CustomerDocument
from customers.queries import current_customer
from customers.references import CustomerReference
from customers.resolution import ingest_source_records
from tests.factories import make_agent

CUSTOMERS = 3
CALLS = 4
CALL_EVENTS = ["offered", "answered", "hold", "unhold", "transferred", "ended", "wrapup_done"]

customer = st.integers(0, CUSTOMERS - 1)
call = st.integers(0, CALLS - 1)
writes = st.one_of(
    st.tuples(st.just("call_event"), call, st.sampled_from(CALL_EVENTS), st.integers(0, 40)),
    st.tuples(st.just("record_update"), customer, st.integers(0, 40), st.booleans()),
    st.tuples(st.just("record_linked"), customer),
    st.tuples(st.just("merge"), customer, customer),
    st.tuples(st.just("unmerge")),
    st.tuples(
        st.just("atm_incident"),
        customer,
        st.sampled_from(["card_retained", "cash_not_dispensed", "device_error"]),
        st.sampled_from([1, 10]),
    ),
    st.tuples(
        st.just("case_status"),
        st.integers(0, 3),
        st.sampled_from([CaseStatus.IN_PROGRESS, CaseStatus.RESOLVED, CaseStatus.CLOSED]),
    ),
    st.tuples(
        st.just("touchpoints"), customer, st.integers(1, 9), st.sampled_from([0, 1, 3, 10, 20])
    ),
    st.tuples(st.just("wrap_up"), call, st.sampled_from(["information", ""])),
    st.tuples(st.just("identity_check"), call),
    st.tuples(st.just("pick_caller"), call, customer),
    st.tuples(st.just("look"), customer, st.booleans()),
)


class Center:
    """Three customers, one agent, up to four calls, and what the writes made so far."""

    def __init__(self) -> None:
        self.tag = uuid.uuid4().hex[:8]
        self.now = timezone.now()
        self.agent = make_agent(f"agent-{self.tag}", state="available").user
        self.customer_ids = [self._ingest("loan_cc", i, days_past_due=0) for i in range(CUSTOMERS)]
        self.events = 0
        self.sent = 0
        self.merges = []

    def phone(self, i: int) -> str:
        return f"090{int(self.tag[:6], 16) % 10_000:04d}{i:04d}"

    def _ingest(self, system: str, i: int, *, days_past_due: int, renamed: bool = False):
        record = {
            "external_id": f"{self.tag}-{i}",
            "customer_number": f"C{self.tag}{i}",
            "name": f"山田 {'次郎' if renamed else '太郎'}{self.tag}{i}",
            "birth_date": f"198{i}-04-01",
            "phones": [self.phone(i)],
            "accounts": [
                {
                    "kind": "loan",
                    "number": f"1111{i}{self.tag[:4]}",
                    "status": "active",
                    "days_past_due": days_past_due,
                }
            ],
        }
        return ingest_source_records(system=system, records=[record]).results[0].customer_id

    def legs(self, call_no: int) -> list[Contact]:
        return list(
            Contact.objects.select_related("queue", "agent", "wrap_up_code")
            .filter(source="pbx", call_id=f"{self.tag}-call-{call_no}")
            .order_by("leg")
        )

    def write(self, step: tuple) -> None:
        kind, *args = step
        getattr(self, kind)(*args)

    def call_event(self, call_no: int, type_: str, minute: int) -> None:
        self.events += 1
        at = self.now - timedelta(hours=call_no + 1) + timedelta(minutes=minute)
        handle_call_event(
            source="pbx",
            event=CallEventInput(
                event_id=f"{self.tag}-{self.events}",
                call_id=f"{self.tag}-call-{call_no}",
                type=type_,
                at=at,
                caller_number=self.phone(call_no % CUSTOMERS),
                queue="loans",
                agent=self.agent.username if type_ in ("offered", "wrapup_done") else "",
                target_queue="atm" if type_ == "transferred" else "",
            ),
            platform_routes=True,
        )

    def record_update(self, i: int, days_past_due: int, renamed: bool) -> None:
        self._ingest("loan_cc", i, days_past_due=days_past_due, renamed=renamed)

    def record_linked(self, i: int) -> None:
        self._ingest("web", i, days_past_due=0)

    def merge(self, i: int, j: int) -> None:
        absorbed, survivor = (
            current_customer(self.customer_ids[i]),
            current_customer(self.customer_ids[j]),
        )
        if absorbed.pk != survivor.pk:
            self.merges.append(merge_customers(survivor=survivor, absorbed=absorbed, rule="test"))

    def unmerge(self) -> None:
        if self.merges:
            # A merge whose survivor was merged again since waits for that one to be undone.
            with contextlib.suppress(MergeError):
                unmerge_customers(decision=self.merges.pop(), decided_by=self.agent, reason="t")

    def atm_incident(self, i: int, kind: str, days_ago: int) -> None:
        self.events += 1
        report_atm_incident(
            source="atm_net",
            incident=AtmIncidentInput(
                incident_id=f"{self.tag}-{self.events}",
                type=kind,
                atm_id="ATM-0042",
                occurred_at=self.now - timedelta(days=days_ago),
                customer=CustomerReference(customer_number=f"C{self.tag}{i}"),
            ),
        )

    def case_status(self, case_no: int, status: str) -> None:
        cases = list(Case.objects.filter(source="atm_net").order_by("opened_at", "id"))
        if case_no < len(cases):
            with contextlib.suppress(CaseError):  # a closed case stays closed
                update_case_status(case_id=cases[case_no].pk, status=status)

    def touchpoints(self, i: int, count: int, days_ago: int) -> None:
        sent = []
        for _ in range(count):
            self.sent += 1
            sent.append(
                InteractionInput(
                    source="member_app",
                    external_id=f"{self.tag}-{self.sent}",
                    channel="app",
                    direction="inbound",
                    occurred_at=self.now
                    - timedelta(days=days_ago, minutes=self.sent, microseconds=i),
                    subject="増枠の申込",
                    customer=CustomerReference(customer_number=f"C{self.tag}{i}"),
                )
            )
        record_interactions(interactions=sent)

    def wrap_up(self, call_no: int, code: str) -> None:
        for leg in self.legs(call_no)[-1:]:
            set_wrap_up(contact=leg, wrap_up_code=code, disposition=f"done {code}")

    def identity_check(self, call_no: int) -> None:
        for leg in self.legs(call_no)[-1:]:
            record_identity_check(
                contact=leg, result="skipped", confirmed=[], reason="急ぎ", checked_by=self.agent
            )

    def pick_caller(self, call_no: int, i: int) -> None:
        for leg in self.legs(call_no)[-1:]:
            name_the_caller(
                contact=leg, customer=current_customer(self.customer_ids[i]), picked_by=self.agent
            )

    def look(self, i: int, excluding: bool) -> None:
        self.assert_kept_equals_fresh(i, excluding=excluding)

    def assert_kept_equals_fresh(self, i: int, *, excluding: bool) -> None:
        shown = {
            "customer_id": self.customer_ids[i],
            "excluding_call": ("pbx", f"{self.tag}-call-{i}") if excluding else None,
        }
        kept = customer_360(**shown)
        fresh = customer_360(**shown, from_scratch=True)
        assert kept == fresh


class KeptDocumentTests(TestCase):
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(st.tuples(writes, st.booleans()), min_size=1, max_size=20))
    def test_the_kept_document_equals_a_fresh_build_after_any_writes(self, steps):
        """Each write is followed or not by a look at every customer (which stores their
        documents): writes then meet documents built, stale and never built."""
        center = Center()
        for step, look in steps:
            center.write(step)
            for i in range(CUSTOMERS) if look else ():
                center.assert_kept_equals_fresh(i, excluding=bool(i % 2))
        for i in range(CUSTOMERS):
            for excluding in (False, True):
                center.assert_kept_equals_fresh(i, excluding=excluding)

    def test_documents_built_many_at_once_equal_fresh_builds(self):
        center = Center()
        center.touchpoints(0, 9, 1)
        center.touchpoints(0, 9, 10)
        center.touchpoints(1, 3, 1)
        center.call_event(2, "offered", 0)
        center.atm_incident(1, "card_retained", 1)
        center.merge(1, 0)
        mark_stale(customer_ids=center.customer_ids)

        built = build_stale_documents(customer_ids=center.customer_ids)

        assert built == 2  # the absorbed customer's 360 is its survivor's
        for i in range(CUSTOMERS):
            assert stored_document(center.customer_ids[i]).body is not None
            center.assert_kept_equals_fresh(i, excluding=True)


class DocumentPartTests(SimpleTestCase):
    """A part changed in place keeps exactly the newest entries, or asks to be built again."""

    @staticmethod
    def entry(minute: int, name: str) -> dict:
        at = (datetime(2026, 12, 1, tzinfo=UTC) + timedelta(minutes=minute)).isoformat()
        return {"key": [at, at, name], "name": name}

    def names(self, part) -> list[str]:
        return [entry["name"] for entry in part["entries"]]

    def test_a_newer_contact_goes_in_first_and_the_oldest_falls_off(self):
        part = {"entries": [self.entry(3, "c"), self.entry(2, "b")], "complete": True}

        part = with_entry(part, self.entry(4, "d"), kept=2)

        assert self.names(part) == ["d", "c"]
        assert not part["complete"]

    def test_a_contact_moved_below_what_an_incomplete_part_kept_asks_for_a_build(self):
        part = {"entries": [self.entry(3, "c"), self.entry(2, "b")], "complete": False}

        assert with_entry(part, self.entry(1, "c"), kept=2) is None
        assert with_entry(part, self.entry(1, "a"), kept=2) is part  # never kept: stays out
        assert self.names(with_entry(part, self.entry(2, "c"), kept=2)) == ["c", "b"]

    def test_a_complete_part_takes_any_change(self):
        part = {"entries": [self.entry(3, "c"), self.entry(2, "b")], "complete": True}

        assert self.names(with_entry(part, self.entry(1, "c"), kept=3)) == ["b", "c"]


class StaleBuildTests(TestCase):
    def test_a_build_begun_before_a_write_is_not_stored_after_it(self):
        customer_id = Center().customer_ids[0]
        before = stored_document(customer_id)
        built = build_documents([customer_id])[customer_id]

        mark_stale(customer_ids=[customer_id])  # a write commits while the build ran

        assert not keep_document(customer_id=customer_id, stamp=before.stamp, body=built)
        assert CustomerDocument.objects.get(pk=customer_id).body is None

    def test_a_build_from_the_current_stamp_is_stored_and_read_back(self):
        customer_id = Center().customer_ids[0]
        mark_stale(customer_ids=[customer_id])
        read = stored_document(customer_id)

        shown = customer_360(customer_id=customer_id)

        assert CustomerDocument.objects.get(pk=customer_id).stamp == read.stamp
        assert stored_document(customer_id).body is not None
        assert customer_360(customer_id=customer_id) == shown

    def test_an_absorbed_id_reads_the_survivors_document_and_stores_none_of_its_own(self):
        center = Center()
        absorbed, survivor = (Customer.objects.get(pk=pk) for pk in center.customer_ids[:2])
        customer_360(customer_id=absorbed.pk)
        merge_customers(survivor=survivor, absorbed=absorbed, rule="test")

        shown = customer_360(customer_id=absorbed.pk)

        assert shown["id"] == str(survivor.pk)
        assert shown["merged_from"] == str(absorbed.pk)
        assert CustomerDocument.objects.get(pk=absorbed.pk).body is None
        assert CustomerDocument.objects.get(pk=survivor.pk).body is not None
