from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from console import api, service_api, views

handler404 = "console.views.page_not_found"
handler500 = "console.views.server_error"

api_v1 = [
    path("", include("customers.urls")),
    path("customers/<uuid:customer_id>/", api.CustomerDetailApi.as_view(), name="api-customer"),
    path("cti/events", api.CallEventApi.as_view(), name="api-cti-events"),
    path("atm/incidents", service_api.AtmIncidentApi.as_view(), name="api-atm-incidents"),
    path("tickets", service_api.TicketCreateApi.as_view(), name="api-tickets"),
    path("tickets/<uuid:case_id>", service_api.TicketDetailApi.as_view(), name="api-ticket"),
    path("tickets/<uuid:case_id>/status", service_api.TicketStatusApi.as_view()),
    path("tickets/<uuid:case_id>/comments", service_api.TicketCommentApi.as_view()),
    path("tickets/<uuid:case_id>/close", service_api.TicketCloseApi.as_view()),
    path("webhooks", service_api.WebhookListCreateApi.as_view(), name="api-webhooks"),
    path("webhooks/<int:subscription_id>", service_api.WebhookDeleteApi.as_view()),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("console.page_urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
