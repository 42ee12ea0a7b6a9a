"""The record of who opened which customer's data, when, and why."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ViewAudit(models.Model):
    """Who opened which customer's record, when, and from which contact or for what reason."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="view_audits"
    )
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    client = models.ForeignKey(
        "console.ApiClient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    at = models.DateTimeField(_("opened at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("customer record opening")
        verbose_name_plural = _("customer record openings")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="view_audit_customer")]
        permissions = [("view_audit_log", _("Can read who opened which customer record"))]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.at:%Y-%m-%d %H:%M}"
