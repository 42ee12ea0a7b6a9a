"""The mappings in the admin: which console queue and agent a platform's ids stand for, and the
kept Amazon Connect contact records (read only)."""

from django.contrib import admin

from console.telephony.models import ConnectContactRecord, PlatformAgent, PlatformQueue


@admin.register(PlatformQueue)
class PlatformQueueAdmin(admin.ModelAdmin):
    list_display = ["platform", "external_id", "queue"]
    list_filter = ["platform"]
    search_fields = ["external_id", "queue__name"]


@admin.register(PlatformAgent)
class PlatformAgentAdmin(admin.ModelAdmin):
    list_display = ["platform", "external_id", "agent"]
    list_filter = ["platform"]
    search_fields = ["external_id", "agent__user__username"]


@admin.register(ConnectContactRecord)
class ConnectContactRecordAdmin(admin.ModelAdmin):
    list_display = ["contact_id", "initial_contact_id", "last_updated_at", "number_of_holds"]
    search_fields = ["contact_id", "initial_contact_id"]
    readonly_fields = [
        "contact_id",
        "initial_contact_id",
        "last_updated_at",
        "number_of_holds",
        "hold_seconds",
        "record",
        "received_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # records come from Connect
