"""Survey answers as figures: a signed one-use link, and the satisfaction report beside AHT for a
scripted week whose figures are worked out by hand below.

Week of Monday 2026-11-23 (Asia/Tokyo). Each survey follows one call:

s1  Tue  contact center, loans, agent001, repayment_plan  talk 300 + ACW 60 = 360  answered 5
s2  Wed  contact center, loans, agent002, loan_applied    talk 120 + ACW 30 = 150  answered 3
s3  Thu  contact center, loans, agent001, loan_applied    talk 240 + ACW 60 = 300  not answered
s4  Fri  service center, atm, agent101, card_reissue      talk 200 + ACW 40 = 240  answered 4,
         then the link used again with 1: still 4
s5  Sun  service center, atm, agent101, card_reissue      talk 100 + ACW 20 = 120  answered 2
s6  Mon 11-30 (the next week)                                                     answered 1: out

By desk: contact center 3 sent, 2 answered (67 %), satisfaction (5 + 3) / 2 = 4.0,
AHT (360 + 150 + 300) / 3 = 270 s; service center 2, 2 (100 %), (4 + 2) / 2 = 3.0, (240 + 120) / 2
= 180 s; total 5, 4 (80 %), 14 / 4 = 3.5, 1170 / 5 = 234 s.
By agent: agent001 2, 1, 5.0, (360 + 300) / 2 = 330 s; agent002 1, 1, 3.0, 150 s; agent101 2, 2,
3.0, 180 s. By wrap-up code: repayment plan 1, 1, 5.0, 360 s; loan applied 2, 1, 3.0, 225 s; card
reissue 2, 2, 3.0, 180 s.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from console.follow_ups.models import FollowUp, FollowUpRule, MessageTemplate, Survey, Trigger
from console.follow_ups.surveys import survey_token
from console.supervision.satisfaction import satisfaction_report
from contacts.models import Channel, Contact, ContactState, Desk, Queue, WrapUpCode
from customers.models import Customer
from tests.factories import make_agent

TOKYO = ZoneInfo("Asia/Tokyo")
MONDAY = date(2026, 11, 23)
WEEK_END = MONDAY + timedelta(days=6)

SCRIPT = [
    # day offset, queue, agent, wrap-up code, talk, ACW, answers
    (1, "loans", "agent001", "repayment_plan", 300, 60, [5]),
    (2, "loans", "agent002", "loan_applied", 120, 30, [3]),
    (3, "loans", "agent001", "loan_applied", 240, 60, []),
    (4, "atm", "agent101", "card_reissue", 200, 40, [4, 1]),
    (6, "atm", "agent101", "card_reissue", 100, 20, [2]),
    (7, "loans", "agent002", "loan_applied", 60, 10, [1]),
]


def at(day_offset: int, clock: time) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day_offset), clock, tzinfo=TOKYO)


@pytest.fixture
def week(db, client):
    """The script's calls, their surveys, and the answers posted through the survey page."""
    agents = {
        "agent001": make_agent("agent001").user,
        "agent002": make_agent("agent002").user,
        "agent101": make_agent("agent101", desk="service_center").user,
    }
    customer = Customer.objects.create(name="山田 太郎")
    template = MessageTemplate.objects.create(
        code="survey", is_survey=True, subject_ja="s", body_ja="b", subject_en="s", body_en="b"
    )
    rule = FollowUpRule.objects.create(
        desk=Desk.CONTACT_CENTER, trigger=Trigger.WRAPPED_UP, template=template, channel="email"
    )
    for number, (day, queue_name, agent, code, talk, after, answers) in enumerate(SCRIPT):
        queue = Queue.objects.get(name=queue_name)
        answered = at(day, time(10, 0, 10))
        ended = answered + timedelta(seconds=talk)
        contact = Contact.objects.create(
            channel=Channel.PHONE,
            source="pbx",
            call_id=f"call-{number}",
            queue=queue,
            desk=queue.desk,
            customer=customer,
            agent=agents[agent],
            state=ContactState.WRAPPED_UP,
            offered_at=at(day, time(10)),
            answered_at=answered,
            ended_at=ended,
            wrapped_up_at=ended + timedelta(seconds=after),
            wrap_up_code=WrapUpCode.objects.get(desk=queue.desk, code=code),
        )
        follow_up = FollowUp.objects.create(
            rule=rule,
            planned_for=f"contact:{contact.pk}",
            customer=customer,
            contact=contact,
            due_at=contact.wrapped_up_at,
            status="sent",
        )
        Survey.objects.create(follow_up=follow_up, offered_at=at(day, time(12)))
        for score in answers:
            client.post(f"/survey/{survey_token(follow_up)}/", {"score": score, "comment": "ok"})


def figures_by(group: str) -> dict:
    with translation.override("en"):
        report = satisfaction_report(start=MONDAY, end=WEEK_END, group=group)
    return {
        row.label: (
            row.offered,
            row.answered,
            round(row.response_rate, 3),
            row.satisfaction,
            row.aht_seconds,
        )
        for row in [*report.rows, report.total]
    }


@pytest.mark.django_db
def test_the_report_by_desk_equals_the_hand_worked_week(week):
    assert figures_by("desk") == {
        "Contact center": (3, 2, 0.667, 4.0, 270.0),
        "Service center": (2, 2, 1.0, 3.0, 180.0),
        "Total": (5, 4, 0.8, 3.5, 234.0),
    }


@pytest.mark.django_db
def test_the_report_by_agent_queue_and_wrap_up_code_equals_the_hand_worked_week(week):
    by = figures_by
    assert by("agent") == {
        "agent001": (2, 1, 0.5, 5.0, 330.0),
        "agent002": (1, 1, 1.0, 3.0, 150.0),
        "agent101": (2, 2, 1.0, 3.0, 180.0),
        "Total": (5, 4, 0.8, 3.5, 234.0),
    }
    queues = by("queue")
    # Queues and codes by their names in the report's language (English here).
    assert queues["Loan applications"] == (3, 2, 0.667, 4.0, 270.0)
    assert queues["ATM trouble"] == (2, 2, 1.0, 3.0, 180.0)
    codes = by("wrap_up")
    assert codes["Repayment plan agreed"] == (1, 1, 1.0, 5.0, 360.0)
    assert codes["Application taken"] == (2, 1, 0.5, 3.0, 225.0)
    assert codes["Card reissued"] == (2, 2, 1.0, 3.0, 180.0)


@pytest.mark.django_db
def test_a_survey_link_used_twice_counts_once(week, client):
    survey = Survey.objects.get(follow_up__contact__call_id="call-3")
    link = f"/survey/{survey_token(survey.follow_up)}/"

    again = client.post(link, {"score": 1})

    survey.refresh_from_db()
    assert survey.score == 4
    assert "survey-answered" in again.content.decode()
    assert Survey.objects.filter(answered_at__isnull=False).count() == 5


@pytest.mark.django_db
def test_a_forged_or_unknown_link_answers_nothing(week, client):
    assert client.get("/survey/not-a-token/").status_code == 404
    token = survey_token(Survey.objects.get(follow_up__contact__call_id="call-2").follow_up)
    assert client.post(f"/survey/{token[:-2]}xx/", {"score": 5}).status_code == 404
    assert client.post(f"/survey/{token}/", {"score": 9}).status_code == 400
    assert not Survey.objects.filter(
        follow_up__contact__call_id="call-2", score__isnull=False
    ).exists()


@pytest.mark.django_db
def test_supervisors_read_the_report_page_beside_handle_time(week, client, supervisor, agent):
    client.force_login(agent)
    assert client.get("/reports/satisfaction/").status_code == 403
    client.force_login(supervisor)

    page = client.get(
        "/reports/satisfaction/", {"start": MONDAY, "end": WEEK_END, "group": "desk"}
    ).content.decode()

    assert "4:30" in page and "4.00" in page and "67%" in page  # AHT 270 s as m:ss
