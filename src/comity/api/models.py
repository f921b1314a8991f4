"""What the API keeps for itself: the answers to creates made with an idempotency key (comity.api.idempotency)."""

from __future__ import annotations

from django.db import models


class IdempotentCall(models.Model):
    """A write made with `Idempotency-Key`: the first answer, so that a retry gets it again instead of
    creating twice. Kept for 24 hours (comity.api.idempotency.KEEP). Holds no body of the call, only its
    SHA-256, and the answer the caller already received."""

    class State(models.TextChoices):
        RUNNING = "running", "running"
        DONE = "done", "done"

    principal = models.CharField(max_length=64, help_text="SHA-256 of the credential that made the call")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path, query and body")
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    status = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=200, blank=True)
    headers = models.JSONField(default=dict)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="api_idempotent_once")]
