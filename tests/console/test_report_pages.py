"""The supervisor pages: who may open them, the CSV giving exactly the page's figures, clear 400s
for bad input, rolling days up again on request, and the service-level thresholds."""

import csv
import io
import json
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.test import Client

from console.supervision.models import RolledUpDay
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
    assert in_csv[1][:8] == ["2026-11-24 09:00", "loans", "3", "2", "1", "33.3", "33.3", "5:10"]
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
    aht = next(row for row in on_page if row[0] == "AHT")
    assert aht == ["AHT", "3:30", "4:55", "+1:25"]  # 210 s and 1768 / 6 = 294.7 s


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


def test_there_is_no_roll_up_button_any_more(supervisor_web):
    page = supervisor_web.get("/reports/")

    assert b"roll-up" not in page.content
    assert supervisor_web.post("/reports/roll-up", {"start": D, "end": D}).status_code == 404
    assert not RolledUpDay.objects.exists()


def test_dates_are_picked_from_a_calendar_and_quick_ranges_keep_the_grouping(supervisor_web):
    page = supervisor_web.get("/reports/?group=queue&period=hour", HTTP_ACCEPT_LANGUAGE="en")

    html = page.content.decode()
    assert 'type="date" name="start"' in html
    ranges = page.context["quick_ranges"]
    assert [str(entry["label"]) for entry in ranges][:3] == ["Today", "Yesterday", "This week"]
    assert all("group=queue&period=hour" in entry["query"] for entry in ranges)


def test_a_go_live_date_compares_as_many_days_before_and_after(supervisor_web):
    page = supervisor_web.get("/reports/compare/?go_live=2026-11-24&days=3&desk=contact_center")

    sides = page.context["comparison"]
    assert (sides.before.start, sides.before.end) == (EARLIER_DAY, D - timedelta(days=1))
    assert (sides.after.start, sides.after.end) == (D, D + timedelta(days=2))
    assert sides.before.desk == sides.after.desk == "contact_center"


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
