"""The record of who saw which customer's data, when, and why; the alerts raised when someone
looks at too many customers outside their calls; and the lockouts of password guessers."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ViewAudit(models.Model):
    """Who was shown which customer's record, when, and from which contact or for what reason."""

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
    # The viewer's own call explains the showing (a screen pop, a search for their caller);
    # what is not, is what an unusual number of raises an alert.
    on_own_call = models.BooleanField(_("on the viewer's own call"), default=False)
    # Shown in a list (search results, a pop's candidates, an API listing), not opened.
    listed = models.BooleanField(_("in a list of results"), default=False)
    at = models.DateTimeField(_("opened at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("customer record opening")
        verbose_name_plural = _("customer record openings")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-at"], name="view_audit_customer"),
            models.Index(fields=["viewer", "at"], name="view_audit_viewer"),
        ]
        permissions = [
            ("view_audit_log", _("Can read who opened which customer record")),
            ("view_audit_summary", _("Can see how many customers each agent viewed")),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.at:%Y-%m-%d %H:%M}"


class ViewAlert(models.Model):
    """A person opened more customers within an hour, outside their own calls, than
    settings.AUDIT_ALERT_CUSTOMERS_PER_HOUR allows."""

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customers = models.PositiveIntegerField(_("customers in the hour"))
    limit = models.PositiveIntegerField(_("limit"))
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("customer viewing alert")
        verbose_name_plural = _("customer viewing alerts")
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"{self.viewer_id} {self.customers} {self.raised_at:%Y-%m-%d %H:%M}"


class SignInLockout(models.Model):
    """An account locked out at an address after too many wrong passwords (django-axes)."""

    username = models.CharField(_("user name"), max_length=255)
    address = models.CharField(_("address"), max_length=64, blank=True)
    at = models.DateTimeField(_("locked out at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("sign-in lockout")
        verbose_name_plural = _("sign-in lockouts")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.username} {self.address} {self.at:%Y-%m-%d %H:%M}"
