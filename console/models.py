import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiScope(models.TextChoices):
    CTI = "cti", _("Telephony events")
    INGEST = "ingest", _("Source-record ingestion")
    ATM = "atm", _("ATM incidents")
    READ = "read", _("Read customers and records")


class ApiClient(models.Model):
    """An integration client (telephony, ATM, service or source system) with a bearer key.

    Only the SHA-256 of the key is stored: keys are long random strings, so a fast hash is enough
    and lets a request find its client with one indexed lookup.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("key prefix"), max_length=12, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
