import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# What a row written by plain SQL (a bulk loader) gets in the JSON columns added later.
EMPTY_JSON = models.Value({}, output_field=models.JSONField())


class Customer(models.Model):
    """The resolved person: one row however many source systems know them.

    The identity fields hold the survivorship result over the customer's source records (per field,
    the most recently updated non-empty value); `field_sources` says which record each came from.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer_number = models.CharField(
        _("customer number"), max_length=32, blank=True, db_index=True
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    name_kana = models.CharField(_("name (kana)"), max_length=200, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=8, blank=True)
    phones = models.JSONField(_("phones"), default=list, blank=True)
    emails = models.JSONField(_("e-mails"), default=list, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=8, blank=True)
    address = models.CharField(_("address"), max_length=400, blank=True)
    field_sources = models.JSONField(default=dict, blank=True)
    # Normalised forms for search in any width or script (prefix look-ups).
    search_name = models.CharField(max_length=200, blank=True, db_index=True)
    search_kana = models.CharField(max_length=200, blank=True, db_index=True)
    is_vulnerable = models.BooleanField(_("vulnerable customer"), default=False)
    do_not_call = models.BooleanField(_("do not call"), default=False)
    fraud_watch = models.BooleanField(_("fraud watch"), default=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="absorbed"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["created_at", "id"]
        permissions = [
            ("review_matches", _("Can review match candidates and link or keep records apart")),
            ("unmerge_customer", _("Can unmerge customers")),
        ]

    def __str__(self) -> str:
        return self.name or self.customer_number or str(self.id)


class SourceRecord(models.Model):
    """One record as a source system holds it, raw payload kept, linked to one customer."""

    system = models.CharField(_("system"), max_length=32)
    external_id = models.CharField(_("external id"), max_length=128)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="source_records")
    payload = models.JSONField(_("payload"))
    payload_hash = models.CharField(max_length=64)
    match_keys = models.JSONField(default=dict)
    record_updated_at = models.DateTimeField(null=True, blank=True)
    link_rule = models.CharField(_("link rule"), max_length=40, blank=True)
    link_score = models.FloatField(_("link score"), null=True, blank=True)
    # The match model version that made the link, and the weight of each comparison.
    link_model_version = models.PositiveIntegerField(null=True, blank=True)
    link_explanation = models.JSONField(default=dict, blank=True, db_default=EMPTY_JSON)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("source record")
        verbose_name_plural = _("source records")
        constraints = [
            models.UniqueConstraint(fields=["system", "external_id"], name="unique_source_record")
        ]

    def __str__(self) -> str:
        return f"{self.system}:{self.external_id}"


class BlockingKey(models.Model):
    """A short normalised key (phone, e-mail, name + birth date ...) of a source record; records
    that share one are compared by the match rules. Indexed so candidates come in one query."""

    key = models.CharField(max_length=200)
    source_record = models.ForeignKey(
        SourceRecord, on_delete=models.CASCADE, related_name="blocking_keys"
    )

    class Meta:
        indexes = [models.Index(fields=["key"], name="blocking_key")]

    def __str__(self) -> str:
        return self.key


class AccountKind(models.TextChoices):
    LOAN = "loan", _("Loan")
    CARD = "card", _("Card")
    DEPOSIT = "deposit", _("Deposit")


class Account(models.Model):
    """A product a customer holds, as a source system reports it. The full number is never
    stored: only a keyed hash (to recognise it again) and the last four digits."""

    # Indexed by unique_account_per_record, which starts with it.
    source_record = models.ForeignKey(
        SourceRecord, on_delete=models.CASCADE, related_name="accounts", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices)
    number_hash = models.CharField(max_length=64)
    last4 = models.CharField(max_length=4)
    status = models.CharField(_("status"), max_length=32, blank=True)
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=0, null=True)
    credit_limit = models.DecimalField(_("limit"), max_digits=14, decimal_places=0, null=True)
    next_due_date = models.DateField(_("next due date"), null=True, blank=True)
    next_due_amount = models.DecimalField(
        _("amount due next"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    days_past_due = models.PositiveIntegerField(_("days past due"), default=0)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["source_record", "number_hash"], name="unique_account_per_record"
            )
        ]
        indexes = [
            models.Index(fields=["number_hash"], name="account_number_hash"),
            # An ATM reports the card's last four digits with the holder's name.
            models.Index(fields=["last4", "kind"], name="account_last4_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        return f"****{self.last4}"


class DecisionKind(models.TextChoices):
    CREATED = "created", _("New customer")
    LINKED = "linked", _("Record linked")
    MERGED = "merged", _("Customers merged")
    UNMERGED = "unmerged", _("Merge undone")
    REVIEW_OPENED = "review_opened", _("Sent to review")
    STEWARD_LINKED = "steward_linked", _("Linked by a steward")
    STEWARD_KEPT_APART = "steward_kept_apart", _("Kept apart by a steward")


class MergeDecision(models.Model):
    """Every link, merge, unmerge and steward decision, who or what made it and why.

    A merge keeps in `undo` what it changed (records moved with their previous links, customers
    re-pointed, both customers' fields before), so that unmerge restores exactly what was there.
    """

    kind = models.CharField(max_length=24, choices=DecisionKind.choices)
    # Indexed by decision_customer_kind, which starts with it.
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="decisions", db_index=False
    )
    other_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_record = models.ForeignKey(
        SourceRecord, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    rule = models.CharField(max_length=40, blank=True)
    score = models.FloatField(null=True, blank=True)
    model_version = models.PositiveIntegerField(null=True, blank=True)
    explanation = models.JSONField(default=dict, blank=True, db_default=EMPTY_JSON)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_system = models.CharField(max_length=100, blank=True)
    reason = models.TextField(blank=True)
    undo = models.JSONField(default=dict, blank=True)
    undone_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="undoes"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("match decision")
        verbose_name_plural = _("match decisions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "kind"], name="decision_customer_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer_id}"


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    LINKED = "linked", _("Linked")
    KEPT_APART = "kept_apart", _("Kept apart")


class ReviewCandidate(models.Model):
    """A record that may belong to another customer, too uncertain to merge automatically."""

    source_record = models.ForeignKey(
        SourceRecord, on_delete=models.CASCADE, related_name="review_candidates"
    )
    candidate_customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(max_length=40)
    score = models.FloatField()
    model_version = models.PositiveIntegerField(null=True, blank=True)
    explanation = models.JSONField(default=dict, blank=True, db_default=EMPTY_JSON)
    status = models.CharField(
        max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.OPEN, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    # The fields (name, name_kana) the steward took from the record on linking; otherwise the
    # customer's agreed values stay (customers.survivorship).
    chosen_fields = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review candidate")
        verbose_name_plural = _("review candidates")
        ordering = ["-score", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_record", "candidate_customer"], name="unique_review_candidate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_record_id} ~ {self.candidate_customer_id} ({self.rule})"


class SourceSystem(models.Model):
    """A system that sends source records, and which of its records' `attributes` are
    identifiers (a member number, a contract number): an equal one is strong evidence that two
    records are one person, a different one a contradiction."""

    code = models.CharField(_("system"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    identifier_attributes = models.JSONField(
        _("identifier attributes"),
        default=list,
        blank=True,
        help_text=_("Keys of the records' attributes that identify a person, e.g. member_no."),
    )

    class Meta:
        verbose_name = _("source system")
        verbose_name_plural = _("source systems")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name or self.code


class MatchModel(models.Model):
    """A version of the matcher's weights (customers.fellegi_sunter.MatchWeights as JSON): who
    fitted it, when, on how many records. The newest decides new links; each link keeps the
    version that made it, and a new version leaves earlier links as they are."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    parameters = models.JSONField(_("weights"))
    record_count = models.PositiveIntegerField(_("records trained on"), default=0)
    pair_count = models.PositiveIntegerField(_("pairs compared"), default=0)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    trained_by_name = models.CharField(_("trained by"), max_length=150, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("trained at"), auto_now_add=True)

    class Meta:
        verbose_name = _("match model")
        verbose_name_plural = _("match models")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"


class CustomerDocument(models.Model):
    """The customer-360 as last built, kept so that a screen pop reads one row (see
    customers.documents for the rules that keep it equal to a fresh build). `body` is None
    while the document waits to be built again; `stamp` changes with every write that touches
    it, so a build that started before the write cannot be stored after it."""

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="document"
    )
    stamp = models.UUIDField(default=uuid.uuid4)
    body = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.customer_id} ({'built' if self.body is not None else 'stale'})"
