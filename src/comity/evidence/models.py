"""The evidence register: items (physical exhibits and digital files), their chain of custody,
the users' signing keys, and disclosures of evidence to other authorities or the defence.

Written only through comity.evidence.actions. Custody events are append-only: each carries the
hash of the one before it, the actor's Ed25519 signature and an RFC 3161 token, so a changed or
deleted record shows in the verification report.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class EvidenceKind(models.TextChoices):
    PHYSICAL = "physical", "Physical exhibit"
    DIGITAL = "digital", "Digital file"


class CustodyKind(models.TextChoices):
    COLLECTED = "collected", "Collected"
    SEALED = "sealed", "Sealed"
    TRANSFERRED = "transferred", "Transferred (handed over)"
    RECEIVED = "received", "Received"
    EXAMINED = "examined", "Examined"
    COPIED = "copied", "Copied"
    RETURNED = "returned", "Returned"
    DISPOSED = "disposed", "Disposed"


class EvidenceItem(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="evidence_items")
    exhibit_number = models.CharField(max_length=30, unique=True)
    kind = models.CharField(max_length=10, choices=EvidenceKind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    seal_numbers = models.CharField(max_length=300, blank=True)
    location = models.CharField(max_length=300, blank=True, help_text="Where a physical exhibit is kept")
    # Source: which request produced it and which foreign authority provided it.
    source_request = models.ForeignKey("cases.CooperationRequest", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="evidence_items")
    providing_state = models.CharField(max_length=2, blank=True)
    providing_authority = models.CharField(max_length=200, blank=True)
    date_obtained = models.DateField()
    legal_basis = models.CharField(max_length=300, blank=True)
    # Use limitations attached by the providing State.
    speciality = models.BooleanField(default=False, help_text="Usable only for the offences of the request")
    purpose_limitation = models.CharField(max_length=500, blank=True)
    onward_disclosure_needs_consent = models.BooleanField(default=False)
    consent_reference = models.CharField(max_length=300, blank=True,
                                         help_text="The providing State's consent to onward disclosure, once given")
    # Digital files: stored encrypted (crypto.py CEV1) under a random name.
    filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    sha512 = models.CharField(max_length=128, blank=True)
    storage_name = models.CharField(max_length=100, blank=True)
    wrapped_key = models.BinaryField(null=True, blank=True)
    # The key of the HMAC over the descriptive fields that the audit log keeps (evidence.registered,
    # evidence.consent_recorded: `descriptive_hmac`): random per item, wrapped by the master key like a
    # data key (so a rotation re-wraps it), erased on disposal so the logged HMAC can never be tested
    # against a guessed text afterwards.
    descriptive_key = models.BinaryField(null=True, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField()

    class Meta:
        ordering = ["exhibit_number"]

    def __str__(self) -> str:
        return f"{self.exhibit_number}: {self.title}"

    @property
    def hashes(self) -> dict[str, str]:
        return {k: v for k, v in (("sha256", self.sha256), ("sha512", self.sha512)) if v}

    @property
    def use_limitations(self) -> dict:
        return {"speciality": self.speciality, "purpose_limitation": self.purpose_limitation,
                "onward_disclosure_needs_consent": self.onward_disclosure_needs_consent,
                "consent_reference": self.consent_reference, "providing_state": self.providing_state}


class UserSigningKey(models.Model):
    """A user's Ed25519 key. The private key is wrapped by the master key (see signing.py for why)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signing_keys")
    public_key = models.BinaryField()
    fingerprint = models.CharField(max_length=32, unique=True)
    wrapped_private_key = models.BinaryField()
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user"], condition=models.Q(retired_at__isnull=True),
                                               name="one_active_signing_key_per_user")]


class CustodyEvent(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="custody_events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=CustodyKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")
    from_party = models.CharField(max_length=200, blank=True, help_text="An outside holder, e.g. a foreign authority")
    to_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    to_party = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(help_text="When it happened")
    place = models.CharField(max_length=300)
    reason = models.CharField(max_length=1000)
    recorded_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64, help_text="record_hash of the previous event of this item")
    record_hash = models.CharField(max_length=64, help_text="SHA-256 of the signed payload and the signature")
    signing_key = models.ForeignKey(UserSigningKey, on_delete=models.PROTECT, related_name="+")
    signature = models.BinaryField()
    timestamp_token = models.BinaryField()

    class Meta:
        ordering = ["item", "seq"]
        constraints = [models.UniqueConstraint(fields=["item", "seq"], name="one_custody_event_per_item_and_seq")]


class Disclosure(models.Model):
    class RecipientKind(models.TextChoices):
        AUTHORITY = "authority", "Another authority"
        DEFENCE = "defence", "The defence"
        COURT = "court", "A court"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="disclosures")
    recipient = models.CharField(max_length=300)
    recipient_kind = models.CharField(max_length=20, choices=RecipientKind.choices)
    recipient_state = models.CharField(max_length=2, blank=True)
    purpose = models.CharField(max_length=1000)
    items = models.ManyToManyField(EvidenceItem, related_name="disclosures")
    fields = models.JSONField(default=list, help_text="The fields disclosed (minimisation)")
    manifest = models.JSONField(default=dict)
    package_name = models.CharField(max_length=100)
    package_sha256 = models.CharField(max_length=64)
    package_size = models.BigIntegerField()
    wrapped_key = models.BinaryField(help_text="The package key, wrapped by the master key")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
