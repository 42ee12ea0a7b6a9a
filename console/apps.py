"""The console app: signals wired, and the schema's extensions registered, once the registry is
ready."""

from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = _("Console")

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from console.agents.presence import (
            signed_out_on_logout,
            signed_out_when_deactivated,
            signed_out_when_role_lost,
        )
        from console.audit.records import sign_in_locked_out
        from console.calls.screen import refresh_screens_after_merge
        from console.calls.tasks import build_documents_marked_stale
        from console.customer_records.api import audit_customers_shown
        from console.integrations import schema  # noqa: F401 (registers StrictRequestBody)
        from console.integrations.clients import forget_changed_client
        from console.integrations.models import ApiClient
        from console.integrations.webhook_emitting import announce_merge, announce_unmerge
        from console.roles import ensure_roles_after_migrate
        from customers.events import (
            customers_merged,
            customers_shown,
            customers_unmerged,
            documents_stale,
        )

        post_migrate.connect(ensure_roles_after_migrate, sender=self)
        for changed in (post_save, post_delete):
            changed.connect(
                forget_changed_client, sender=ApiClient, dispatch_uid="api-client-cache"
            )
        customers_merged.connect(announce_merge, dispatch_uid="console-webhooks-merge")
        customers_unmerged.connect(announce_unmerge, dispatch_uid="console-webhooks-unmerge")
        customers_merged.connect(refresh_screens_after_merge, dispatch_uid="screens-merge")
        customers_unmerged.connect(refresh_screens_after_merge, dispatch_uid="screens-unmerge")
        documents_stale.connect(build_documents_marked_stale, dispatch_uid="documents-stale")
        customers_shown.connect(audit_customers_shown, dispatch_uid="audit-customers-shown")
        user_locked_out.connect(sign_in_locked_out, dispatch_uid="audit-sign-in-lockout")
        user_model = get_user_model()
        user_logged_out.connect(signed_out_on_logout, dispatch_uid="agents-logout")
        post_save.connect(
            signed_out_when_deactivated, sender=user_model, dispatch_uid="agents-deactivated"
        )
        m2m_changed.connect(
            signed_out_when_role_lost,
            sender=user_model.groups.through,
            dispatch_uid="agents-role-lost",
        )
