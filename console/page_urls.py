"""Pages for people: the agent console, customers, match review."""

from django.urls import path, re_path

from console import agent_pages, customer_pages, supervisor_pages

urlpatterns = [
    path("console/", agent_pages.agent_console, name="agent-console"),
    re_path(
        r"^console/contacts/(?P<contact_id>[0-9a-f-]{36})/"
        r"(?P<action>answer|hold|hang-up|transfer|wrap-up|note|pick)$",
        agent_pages.contact_action,
        name="agent-contact-action",
    ),
    path("customers/", customer_pages.customer_search, name="customer-search"),
    path("customers/<uuid:customer_id>/", customer_pages.customer_detail, name="customer-detail"),
    path(
        "customers/<uuid:customer_id>/merges/<int:decision_id>/unmerge",
        customer_pages.customer_unmerge,
        name="customer-unmerge",
    ),
    path("audit/customer-views/", customer_pages.customer_view_audit, name="customer-view-audit"),
    path(
        "customers/<uuid:customer_id>/cases/<uuid:case_id>",
        customer_pages.customer_case_update,
        name="customer-case-update",
    ),
    path("review/", customer_pages.steward_review, name="steward-review"),
    path(
        "incidents/unresolved/",
        customer_pages.unresolved_incident_list,
        name="unresolved-incidents",
    ),
    path(
        "incidents/<uuid:case_id>/customer",
        customer_pages.unresolved_incident_assign,
        name="unresolved-incident-assign",
    ),
    path("review/<int:candidate_id>/", customer_pages.steward_decide, name="steward-decide"),
    path("wallboard/", supervisor_pages.wallboard, name="wallboard"),
    path("wallboard/service-levels/", supervisor_pages.service_levels, name="service-levels"),
    path("reports/", supervisor_pages.contact_reports, name="contact-reports"),
    path("reports/contacts.csv", supervisor_pages.contact_reports_csv, name="contact-reports-csv"),
    path("reports/roll-up", supervisor_pages.roll_up_again, name="contact-reports-roll-up"),
    path("reports/compare/", supervisor_pages.comparison, name="comparison"),
    path("reports/compare.csv", supervisor_pages.comparison_csv, name="comparison-csv"),
]
