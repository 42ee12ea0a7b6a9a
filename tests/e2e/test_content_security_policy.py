"""Every page is served with a Content-Security-Policy that runs only the console's own static
scripts and styles, and the pages work under it: Chromium reports no violation on any of them,
the admin's included."""

import pytest
from playwright.sync_api import expect

from customers.models import SourceRecord
from customers.resolution import ingest_source_records
from tests.customers import people
from tests.factories import UserFactory, make_agent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Collects every violation the page reports, before any of its own scripts runs.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}`);
});
"""


def violations(page) -> list[str]:
    return page.evaluate("window.cspViolations")


def test_the_main_pages_report_no_csp_violation(logged_in_page, daphne_server, browser_errors):
    ingest_source_records(system="loan_cc", records=[people.TARO_LOAN])
    customer = SourceRecord.objects.get().customer
    make_agent("agent001")
    UserFactory(username="super001", role="supervisor")
    UserFactory(username="steward001", role="steward")
    UserFactory(username="admin001", role="admin")
    pages = {
        "agent001": [
            "/console/",
            "/customers/",
            f"/customers/{customer.pk}/",
            f"/customers/{customer.pk}/?reason=check",
        ],
        "super001": ["/wallboard/", "/reports/", "/reports/compare/"],
        "steward001": ["/review/", "/"],
        "admin001": ["/audit/customer-views/", "/admin/", "/admin/console/webhookdelivery/"],
    }

    for username, paths in pages.items():
        page = logged_in_page(username, paths[0])
        page.add_init_script(RECORD_VIOLATIONS)
        for path in paths:
            response = page.goto(f"{daphne_server.url}{path}")
            assert "script-src 'self'" in response.headers["content-security-policy"]
            page.wait_for_load_state("networkidle")
            assert violations(page) == [], path
        # The language menu's script still works, from its static file (the admin has none).
        page.goto(f"{daphne_server.url}{paths[0]}")
        page.select_option("#language", "en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert violations(page) == []

    assert browser_errors.errors == []
