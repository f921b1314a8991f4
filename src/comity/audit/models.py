"""The audit trail: every state change and every read of personal data, in one append-only table.

Rows are written only by `comity.audit.record` (called inside actions) and never updated or deleted
by the application. The oversight issue turns this table into the leaves of a Merkle log, which is
why every write goes through one function.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    class Category(models.TextChoices):
        CHANGE = "change", "State change"
        ACCESS = "access", "Access to personal data"
        SECURITY = "security", "Security"

    time = models.DateTimeField(db_index=True)
    category = models.CharField(max_length=10, choices=Category.choices, default=Category.CHANGE)
    event_type = models.CharField(max_length=60, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(max_length=150, blank=True, help_text="Username at the time, kept if the account goes")
    # A plain integer, not a foreign key: the record of a case outlives the case's disposal.
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    old_values = models.JSONField(null=True, blank=True)
    new_values = models.JSONField(null=True, blank=True)
    purpose = models.CharField(max_length=500, blank=True)
    via = models.CharField(max_length=10, blank=True, help_text="web, api or cli")
    # Position in the Merkle log (the leaf index) and the leaf hash of the event's canonical bytes.
    seq = models.BigIntegerField(unique=True, null=True)
    leaf_hash = models.CharField(max_length=64, blank=True)
    # The log entry itself: the canonical JSON the leaf hash covers, stored verbatim as a transparency
    # log stores its entries. The columns above are an index of it for searching; `comity audit verify`
    # checks both the entries against the signed tree heads and the columns against the entries.
    leaf = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["case_id", "time"]), models.Index(fields=["actor", "time"])]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.event_type} by {self.actor_label or 'system'}"

    @property
    def purpose_text(self) -> str:
        """The stated purpose as the user wrote it, while it is kept; "(erased)" once disposal has
        removed it; the column itself holds only a commitment (older events hold the text)."""
        if not self.purpose:
            return ""
        if not self.purpose.startswith("sha256:"):
            return self.purpose  # written before the log stopped holding free text (see docs/operations.md)
        texts = getattr(self, "_prefetched_objects_cache", {}).get("texts")
        found = [t for t in texts if t.field == "purpose"] if texts is not None else \
            list(self.texts.filter(field="purpose"))
        return found[0].text if found else "(erased on disposal)"


class LedgerState(models.Model):
    """The one row holding the Merkle log's incremental state (a compact range). Locked by every
    append, so appends are serialised and the log has no gaps or forks."""

    size = models.BigIntegerField(default=0)
    compact = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)


class LedgerSubtree(models.Model):
    """Roots of complete, aligned subtrees of 2**level leaves (level >= 8), written as they complete.
    They never change (the log is append-only) and keep proofs to a few hundred reads."""

    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="one_root_per_subtree")]


class TreeHead(models.Model):
    """A signed tree head: size, root hash and time, signed with the instance's Ed25519 key."""

    size = models.BigIntegerField(db_index=True)
    root_hash = models.CharField(max_length=64)
    timestamp = models.CharField(max_length=40)
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-size", "-id"]

    def to_signed(self):
        from comity.ledger import SignedTreeHead

        return SignedTreeHead.from_dict(self.as_dict())

    def as_dict(self) -> dict:
        return {"size": self.size, "root_hash": self.root_hash, "timestamp": self.timestamp,
                "key_id": self.key_id, "signature": self.signature}


class AuditText(models.Model):
    """Free text tied to an audit event (the purpose stated for reading personal data, the words of a
    console search). Kept here, not in the append-only log, so disposal can erase it: the log holds
    only the salted commitment `comity.audit.schema.commitment(salt, text)`."""

    event = models.ForeignKey(AuditEvent, on_delete=models.CASCADE, related_name="texts")
    case_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    field = models.CharField(max_length=30)
    text = models.TextField()
    salt = models.BinaryField(max_length=16)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "field"], name="one_text_per_event_field")]
