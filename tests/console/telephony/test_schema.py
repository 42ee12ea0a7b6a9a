"""The connectors' endpoints are in the OpenAPI document, with their own formats."""

from rest_framework.test import APIClient


def test_every_connector_endpoint_is_documented(db):
    paths = APIClient().get("/api/schema/", {"format": "json"}).json()["paths"]

    assert {
        "/api/v1/telephony/amazon-connect/events",
        "/api/v1/telephony/amazon-connect/contact-records",
        "/api/v1/telephony/twilio/taskrouter",
        "/api/v1/telephony/cti-push",
        "/api/v1/telephony/cti-push/{key}",
    } <= paths.keys()
    taskrouter = paths["/api/v1/telephony/twilio/taskrouter"]["post"]
    assert "application/x-www-form-urlencoded" in taskrouter["requestBody"]["content"]
    assert "204" in taskrouter["responses"]
