"""Every URL of the product: pages for people, the REST API, its schema and docs."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from console import views
from console.calls import api as calls_api
from console.calls import pages as call_pages
from console.customer_records import api as customer_records_api
from console.customer_records import pages as customer_pages
from console.follow_ups import pages as follow_up_pages
from console.service_desk import api as service_desk_api
from console.supervision import pages as supervision_pages
from console.supervision import satisfaction_pages
from console.telephony import api as telephony_api
from console.telephony import join_pages
from console.touchpoints import api as touchpoints_api
from console.touchpoints import pages as touchpoint_pages

handler404 = "console.views.page_not_found"
handler500 = "console.views.server_error"

api_v1 = [
    path("", include("customers.urls")),
    path(
        "customers/<uuid:customer_id>/",
        customer_records_api.CustomerDetailApi.as_view(),
        name="api-customer",
    ),
    path("cti/events", calls_api.CallEventApi.as_view(), name="api-cti-events"),
    path(
        "telephony/amazon-connect/events",
        telephony_api.ConnectContactEventApi.as_view(),
        name="api-telephony-connect-events",
    ),
    path(
        "telephony/amazon-connect/contact-records",
        telephony_api.ConnectContactRecordApi.as_view(),
        name="api-telephony-connect-records",
    ),
    path(
        "telephony/twilio/taskrouter",
        telephony_api.TaskRouterEventApi.as_view(),
        name="api-telephony-taskrouter",
    ),
    path("telephony/cti-push", telephony_api.CtiPushApi.as_view(), name="api-telephony-cti-push"),
    path("telephony/cti-push/<str:key>", telephony_api.CtiPushWithKeyApi.as_view()),
    path("atm/incidents", service_desk_api.AtmIncidentApi.as_view(), name="api-atm-incidents"),
    path("tickets", service_desk_api.TicketCreateApi.as_view(), name="api-tickets"),
    path("tickets/<uuid:case_id>", service_desk_api.TicketDetailApi.as_view(), name="api-ticket"),
    path("tickets/<uuid:case_id>/status", service_desk_api.TicketStatusApi.as_view()),
    path("tickets/<uuid:case_id>/comments", service_desk_api.TicketCommentApi.as_view()),
    path("tickets/<uuid:case_id>/close", service_desk_api.TicketCloseApi.as_view()),
    path("webhooks", service_desk_api.WebhookListCreateApi.as_view(), name="api-webhooks"),
    path("webhooks/<int:subscription_id>", service_desk_api.WebhookDeleteApi.as_view()),
    path("interactions", touchpoints_api.InteractionCreateApi.as_view(), name="api-interactions"),
    path(
        "interactions/batch",
        touchpoints_api.InteractionBatchApi.as_view(),
        name="api-interactions-batch",
    ),
    path("line/webhook", touchpoints_api.LineWebhookApi.as_view(), name="api-line-webhook"),
]

# One URL per agent action on a contact (`agent-contact-<action>`), each answering JSON.
agent_actions = [
    path(
        f"console/contacts/<uuid:contact_id>/{action}",
        view,
        name=f"agent-contact-{action}",
    )
    for action, view in call_pages.CONTACT_ACTIONS.items()
]

pages = [
    path("console/", call_pages.agent_console, name="agent-console"),
    path("console/shift/", call_pages.shift_contacts, name="agent-shift-contacts"),
    path("console/directory/", call_pages.directory, name="agent-transfer-directory"),
    *agent_actions,
    path("customers/", customer_pages.customer_search, name="customer-search"),
    path("customers/<uuid:customer_id>/", customer_pages.customer_detail, name="customer-detail"),
    path(
        "customers/<uuid:customer_id>/merges/<int:decision_id>/unmerge",
        customer_pages.customer_unmerge,
        name="customer-unmerge",
    ),
    path("audit/customer-views/", customer_pages.customer_view_audit, name="customer-view-audit"),
    path(
        "audit/customer-views.csv",
        customer_pages.customer_view_audit_csv,
        name="customer-view-audit-csv",
    ),
    path(
        "customers/<uuid:customer_id>/cases/<uuid:case_id>",
        customer_pages.customer_case_update,
        name="customer-case-update",
    ),
    path(
        "audit/customer-views/by-agent/",
        supervision_pages.customer_views_by_agent,
        name="customer-views-by-agent",
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
    path(
        "touchpoints/unresolved/",
        touchpoint_pages.unresolved_touchpoint_list,
        name="unresolved-touchpoints",
    ),
    path(
        "touchpoints/<uuid:contact_id>/customer",
        touchpoint_pages.unresolved_touchpoint_assign,
        name="unresolved-touchpoint-assign",
    ),
    path("review/<int:candidate_id>/", customer_pages.steward_decide, name="steward-decide"),
    path("survey/<str:token>/", follow_up_pages.survey, name="survey"),
    path("wallboard/", supervision_pages.wallboard, name="wallboard"),
    path("wallboard/service-levels/", supervision_pages.service_levels, name="service-levels"),
    path("wallboard/seats/", supervision_pages.seat_map, name="seat-map"),
    path("wallboard/seats/join", join_pages.join_call, name="join-call"),
    path("wallboard/seats/joins/<int:join_id>/end", join_pages.leave_call, name="leave-call"),
    path("reports/", supervision_pages.contact_reports, name="contact-reports"),
    path("reports/contacts.csv", supervision_pages.contact_reports_csv, name="contact-reports-csv"),
    path("reports/compare/", supervision_pages.comparison, name="comparison"),
    path("reports/satisfaction/", satisfaction_pages.satisfaction, name="satisfaction-report"),
    path("reports/compare.csv", supervision_pages.comparison_csv, name="comparison-csv"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    *pages,
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "api/redoc/",
        # Redoc draws a "powered by" badge from cdn.redoc.ly; this page's own policy refuses
        # every image but ours, so no outside host hears of a reader. Redoc's styles are inline.
        csp(
            {
                "default-src": [SELF],
                "script-src": [SELF, "blob:"],
                "worker-src": [SELF, "blob:"],
                "style-src": [SELF, UNSAFE_INLINE],
                "img-src": [SELF, "data:"],
                "font-src": [SELF, "data:"],
            }
        )(SpectacularRedocView.as_view(url_name="api-schema")),
        name="api-redoc",
    ),
]
