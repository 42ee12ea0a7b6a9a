from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from console.calls import admin as calls_admin  # noqa: F401  (registers the desk policies)
from console.integrations.clients import revoke_api_clients
from console.integrations.models import (
    ApiClient,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from console.telephony import admin as telephony_admin  # noqa: F401  (registers the mappings)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "key_prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "key_prefix"]
    readonly_fields = ["key_prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        # Keys are shown once, so clients are made with `manage.py create_api_client`.
        return False

    @admin.action(description=_("Revoke the selected clients' keys"))
    def revoke(self, request, queryset):
        count = revoke_api_clients(clients=queryset)
        self.message_user(
            request, _("%(count)d key(s) revoked.") % {"count": count}, messages.SUCCESS
        )


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "status_code", "error", "duration_ms"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event_type",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event_type"]
    readonly_fields = [
        "subscription",
        "event_id",
        "event_type",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    ]
    inlines = [WebhookAttemptInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["url", "client", "event_types", "is_active", "created_at"]
    list_filter = ["is_active"]
    # The secret is not shown: the API showed it once, when the subscription was made; anyone
    # reading it here could sign deliveries the receiver would trust.
    readonly_fields = ["client", "created_at"]

    def has_add_permission(self, request) -> bool:
        return False  # made through the API, which shows the secret once
