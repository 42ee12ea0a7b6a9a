from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from console.api_clients import revoke_api_clients
from console.models import ApiClient


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
