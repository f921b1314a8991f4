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

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["case_id", "time"]), models.Index(fields=["actor", "time"])]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M} {self.event_type} by {self.actor_label or 'system'}"
