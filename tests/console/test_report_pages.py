"""The supervisor pages: who may open them, the CSV giving exactly the page's figures, clear 400s
for bad input, rolling days up again on request, and the service-level thresholds."""

import csv
import io
import json
from html.parser import HTMLParser

import pytest
from django.test import Client

from console.celery import app as celery_app
from console.supervision.models import DailyContactRollup, RolledUpDay
from console.supervision.tasks import roll_up_days_task
from contacts.models import Queue
from contacts.queues import set_service_level_thresholds
from tests.console.scripted_day import EARLIER_DAY, NEXT_DAY, D, Player, set_up_people
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["/wallboard/", "/reports/", "/reports/contacts.csv", "/reports/compare/"]


class TableCells(HTMLParser):
    """The text of each cell of one table (by id), row by row: header, body and footer."""

    def __init__(self, table_id: str):
        super().__init__()
        self.table_id, self.depth, self.rows, self.cell = table_id, 0, [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if self.depth and tag in ("td", "th"):
            self.rows[-1].append(self.cell.strip())
            self.cell = None
        elif tag == "table":
            self.depth = 0

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def table(html: str, table_id: str) -> list[list[str]]:
    parser = TableCells(table_id)
    parser.feed(html)
    return parser.rows


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


def signed_in(role: str) -> Client:
    web = Client()
    web.force_login(UserFactory(username=f"{role}-1", role=role))
    return web


@pytest.fixture
def supervisor_web(db) -> Client:
    return signed_in("supervisor")


@pytest.fixture
def played_day(client_with_scopes):
    set_service_level_thresholds(thresholds={"repayment": 30})
    set_up_people()
    Player(cti=client_with_scopes("cti")).play_all()
    roll_up_days_task.apply(
        kwargs={"days": [d.isoformat() for d in (EARLIER_DAY, D, NEXT_DAY)]}
    ).get()


@pytest.mark.parametrize("path", PAGES)
def test_people_who_are_not_supervisors_may_not_open_the_pages(db, path):
    assert Client().get(path).status_code == 302  # to the login page
    assert signed_in("agent").get(path).status_code == 403
    assert signed_in("steward").get(path).status_code == 403


@pytest.mark.parametrize("role", ["supervisor", "admin"])
@pytest.mark.parametrize("path", PAGES)
def test_supervisors_and_admins_open_the_pages(db, role, path):
    assert signed_in(role).get(path).status_code == 200


def test_the_csv_has_exactly_the_figures_of_the_page(played_day, supervisor_web):
    query = f"?start={D}&end={NEXT_DAY}&group=queue&period=hour"

    page = supervisor_web.get(f"/reports/{query}", HTTP_ACCEPT_LANGUAGE="en")
    download = supervisor_web.get(f"/reports/contacts.csv{query}", HTTP_ACCEPT_LANGUAGE="en")

    on_page = table(page.content.decode(), "report-table")
    in_csv = csv_rows(download)
    assert download["Content-Type"].startswith("text/csv")
    # The page adds a total row at the foot; every other row is the same, cell for cell.
    assert in_csv == on_page[:-1]
    assert len(in_csv) == 1 + 7  # the heading, six hours × queues of D and c7 on D+1
    assert in_csv[1][:8] == ["2026-11-24 09:00", "loans", "3", "2", "1", "33.3", "33.3", "310"]
    assert on_page[-1][1:3] == ["Total", "9"]


def test_the_comparison_csv_has_the_figures_of_the_page(played_day, supervisor_web):
    query = (
        f"?before_start={EARLIER_DAY}&before_end={EARLIER_DAY}&before_desk="
        f"&after_start={D}&after_end={D}&after_desk="
    )

    page = supervisor_web.get(f"/reports/compare/{query}", HTTP_ACCEPT_LANGUAGE="en")
    download = supervisor_web.get(f"/reports/compare.csv{query}", HTTP_ACCEPT_LANGUAGE="en")

    on_page = table(page.content.decode(), "comparison-table")
    assert csv_rows(download) == on_page
    aht = next(row for row in on_page if row[0] == "AHT (s)")
    assert aht == ["AHT (s)", "210", str(round(1768 / 6)), f"+{round(1768 / 6 - 210)}"]


def test_the_page_embeds_the_trend_its_charts_draw(played_day, supervisor_web):
    page = supervisor_web.get(f"/reports/?start={EARLIER_DAY}&end={NEXT_DAY}&group=all")

    trend = page.context["chart"]["trend"]
    assert [point["period"] for point in trend] == ["2026-11-21", "2026-11-24", "2026-11-25"]
    assert trend[0]["aht_seconds"] == 210
    assert b'id="chart-data"' in page.content
    assert b"vendor/chart.js/chart.umd.min.js" in page.content


@pytest.mark.parametrize(
    "query",
    [
        "?start=2026-11-30&end=2026-11-01",  # backwards
        "?start=2026-13-01&end=2026-11-30",  # no such date
        "?start=yesterday",
        "?start=2020-01-01&end=2026-11-30",  # longer than three years
        "?start=2026-10-01&end=2026-11-30&period=hour",  # hour by hour over two months
        "?group=customer",
        "?period=minute",
        "?desk=head_office",
    ],
)
def test_bad_report_input_is_a_clear_400(supervisor_web, query):
    page = supervisor_web.get(f"/reports/{query}")
    download = supervisor_web.get(f"/reports/contacts.csv{query}")

    assert page.status_code == 400
    assert b'role="alert"' in page.content
    assert download.status_code == 400
    assert download.content


@pytest.mark.parametrize(
    "query",
    ["?before_start=2026-11-30&before_end=2026-11-01", "?after_desk=nope", "?after_end=x"],
)
def test_bad_comparison_input_is_a_clear_400(supervisor_web, query):
    assert supervisor_web.get(f"/reports/compare/{query}").status_code == 400
    assert supervisor_web.get(f"/reports/compare.csv{query}").status_code == 400


def test_a_page_number_out_of_range_shows_the_last_page(supervisor_web):
    assert supervisor_web.get("/reports/?page=999").status_code == 200
    assert supervisor_web.get("/reports/?page=abc").status_code == 200


def test_days_never_rolled_up_are_named_and_can_be_rolled_up_on_request(
    client_with_scopes, supervisor_web, django_capture_on_commit_callbacks
):
    set_up_people()
    Player(cti=client_with_scopes("cti")).play_all()
    query = f"start={D}&end={D}&group=desk&period=day"
    before = supervisor_web.get(f"/reports/?{query}")
    assert before.context["report"].days_not_rolled_up == [D]
    assert b'id="not-rolled-up"' in before.content

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            answer = supervisor_web.post("/reports/roll-up", {"start": D, "end": D, "query": query})
    finally:
        celery_app.conf.task_always_eager = eager

    assert answer.status_code == 302
    assert answer["Location"] == f"/reports/?{query}&desk="
    assert RolledUpDay.objects.get(day=D).contacts == 8
    after = supervisor_web.get(f"/reports/?{query}")
    assert after.context["report"].days_not_rolled_up == []
    assert after.context["report"].total.contacts == 8


def test_rolling_up_too_many_days_at_once_is_refused(supervisor_web):
    answer = supervisor_web.post(
        "/reports/roll-up",
        {"start": "2025-01-01", "end": "2026-11-01", "query": "start=x\r\nSet-Cookie: a=b"},
    )

    assert answer.status_code == 302
    assert answer["Location"] == "/reports/"
    assert not DailyContactRollup.objects.exists()
    assert not RolledUpDay.objects.exists()


def test_the_wallboard_page_starts_from_the_current_figures(supervisor_web):
    page = supervisor_web.get("/wallboard/")

    embedded = page.content.decode().split('id="wallboard-state" type="application/json">')[1]
    state = json.loads(embedded.split("</script>")[0])
    assert state["type"] == "stats"
    assert {queue["name"] for queue in state["queues"]} == set(
        Queue.objects.values_list("name", flat=True)
    )
    assert b"js/wallboard.js" in page.content


def test_supervisors_set_each_queues_service_level_threshold(supervisor_web):
    answer = supervisor_web.post("/wallboard/service-levels/", {"loans": "15", "atm": "40"})

    assert answer.status_code == 302
    thresholds = dict(Queue.objects.values_list("name", "service_level_seconds"))
    assert (thresholds["loans"], thresholds["atm"], thresholds["cards"]) == (15, 40, 20)


@pytest.mark.parametrize("value", ["0", "-5", "abc", "100000", "1.5"])
def test_a_threshold_out_of_range_is_refused_and_nothing_changes(supervisor_web, value):
    answer = supervisor_web.post("/wallboard/service-levels/", {"loans": "15", "atm": value})

    assert answer.status_code == 400
    assert set(Queue.objects.values_list("service_level_seconds", flat=True)) == {20}


def test_agents_may_not_set_thresholds(db):
    assert signed_in("agent").post("/wallboard/service-levels/", {"loans": "5"}).status_code == 403
    assert Queue.objects.get(name="loans").service_level_seconds == 20
