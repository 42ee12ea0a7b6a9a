"""Nobody pages through every customer: people and `read` keys must search or name the customer
(a clear 400 says how); listing everyone is the `export` scope's, for systems. Every listing,
filtered or not, writes who saw which customers to the access log."""

import pytest
from django.core.management import call_command
from django.test import Client

from console.audit.models import ViewAudit
from console.integrations.clients import create_api_client
from console.integrations.models import ApiClient, ApiScope
from customers.models import Customer
from customers.resolution import ingest_source_records

pytestmark = pytest.mark.django_db

CUSTOMERS = "/api/v1/customers/"
RECORDS = "/api/v1/source-records/"


@pytest.fixture
def three_customers() -> list[Customer]:
    ingest_source_records(
        system="loan_cc",
        records=[
            {"external_id": f"L{n}", "name": f"山田 {name}", "phones": [f"090-1111-000{n}"]}
            for n, name in enumerate(["太郎", "花子", "次郎"])
        ],
    )
    return sorted(Customer.objects.all(), key=lambda customer: customer.phones)


@pytest.fixture
def signed_in_agent(agent) -> Client:
    web = Client()
    web.force_login(agent)
    return web


def assert_filter_required(response, *filters: str) -> None:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "filter_required"
    assert "export" in error["message"]
    assert sorted(error["fields"]) == sorted(filters)


def test_a_person_cannot_list_every_customer_through_the_api(signed_in_agent, three_customers):
    assert_filter_required(signed_in_agent.get(CUSTOMERS), "phone", "q")
    assert_filter_required(signed_in_agent.get(CUSTOMERS, {"q": "  "}), "phone", "q")
    assert_filter_required(signed_in_agent.get(RECORDS, {"system": "loan_cc"}), "customer")
    assert not ViewAudit.objects.exists()


def test_a_read_key_cannot_list_every_customer_or_record(client_with_scopes, three_customers):
    reader = client_with_scopes("read")

    assert_filter_required(reader.get(CUSTOMERS), "phone", "q")
    assert_filter_required(reader.get(CUSTOMERS, {"page_size": 200}), "phone", "q")
    assert_filter_required(reader.get(RECORDS, {"system": "loan_cc"}), "customer")
    assert_filter_required(reader.get(RECORDS), "customer")
    assert not ViewAudit.objects.exists()


def test_an_export_key_lists_everyone_and_each_customer_listed_is_audited(
    client_with_scopes, three_customers
):
    exporter = client_with_scopes("export")

    customers = exporter.get(CUSTOMERS)
    records = exporter.get(RECORDS, {"system": "loan_cc"})

    assert customers.status_code == records.status_code == 200
    assert {item["id"] for item in customers.json()["results"]} == {
        str(customer.pk) for customer in three_customers
    }
    assert len(records.json()["results"]) == 3
    client = ApiClient.objects.get()
    entries = ViewAudit.objects.filter(client=client)
    assert entries.count() == 6
    assert set(entries.values_list("reason", flat=True)) == {
        "api export",
        "api export system=loan_cc",
    }
    assert all(entry.listed and entry.viewer is None for entry in entries)


def test_an_export_key_does_not_open_the_customer_360(client_with_scopes, three_customers):
    response = client_with_scopes("export").get(f"{CUSTOMERS}{three_customers[0].pk}/")

    assert response.status_code == 403


def test_a_filtered_listing_is_audited_with_the_query(
    client_with_scopes, signed_in_agent, agent, three_customers
):
    by_key = client_with_scopes("read").get(CUSTOMERS, {"q": "山田"})
    by_person = signed_in_agent.get(CUSTOMERS, {"phone": "09011110001"})

    assert len(by_key.json()["results"]) == 3
    assert [item["name"] for item in by_person.json()["results"]] == ["山田 花子"]
    assert ViewAudit.objects.filter(client__isnull=False, reason="api search: 山田").count() == 3
    (mine,) = ViewAudit.objects.filter(viewer=agent)
    assert (mine.customer, mine.reason, mine.listed) == (
        three_customers[1],
        "api search: 09011110001",
        True,
    )


def test_a_customers_records_and_one_record_are_audited(signed_in_agent, agent, three_customers):
    taro = three_customers[0]

    listed = signed_in_agent.get(RECORDS, {"customer": str(taro.pk)})
    one = signed_in_agent.get(f"{RECORDS}loan_cc/L0/")

    assert [record["external_id"] for record in listed.json()["results"]] == ["L0"]
    assert one.status_code == 200
    reasons = list(
        ViewAudit.objects.filter(viewer=agent, customer=taro)
        .order_by("at", "id")
        .values_list("reason", "listed")
    )
    assert reasons == [
        (f"api source records: customer={taro.pk}", True),
        ("api source record: loan_cc L0", False),
    ]


def test_the_export_scope_is_known_to_keys_the_admin_and_the_schema(capsys):
    assert "export" in ApiScope.values
    call_command("create_api_client", "warehouse", "--scopes", "export")
    assert ApiClient.objects.get(name="warehouse").scopes == ["export"]
    with pytest.raises(ValueError, match="unknown scopes"):
        create_api_client(name="typo", scopes=["exports"])

    schema = Client().get("/api/schema/?format=json").json()
    assert "`export`" in schema["components"]["securitySchemes"]["bearerAuth"]["description"]
    listing = schema["paths"][CUSTOMERS]["get"]
    assert "export" in listing["description"]


def test_an_admin_grants_only_known_scopes(admin_user):
    client = create_api_client(name="warehouse", scopes=["read"]).client
    web = Client()
    web.force_login(admin_user)
    url = f"/admin/console/apiclient/{client.pk}/change/"

    refused = web.post(url, {"name": "warehouse", "scopes": ["read", "everything"]})
    granted = web.post(url, {"name": "warehouse", "scopes": ["read", "export"]})

    assert refused.status_code == 200  # the form again, with its error
    assert granted.status_code == 302
    client.refresh_from_db()
    assert sorted(client.scopes) == ["export", "read"]
