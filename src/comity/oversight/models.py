"""Oversight records: redress matters, retention undertakings and disposal tombstones, protected
persons with a sealed identity and the four-eyes requests to unseal it.

Every row here is written by a function in `comity.oversight.actions`, which also writes the audit
event. The audit log itself (comity.audit) is what the oversight console searches.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from comity.cases.models import Case, CooperationRequest


class RedressKind(models.TextChoices):
    ACCESS = "access", "Access to the data held"
    CORRECTION = "correction", "Correction of the data"
    DELETION = "deletion", "Deletion of the data"


class Regime(models.TextChoices):
    CCF = "INTERPOL-CCF", "INTERPOL: Commission for the Control of INTERPOL's Files"
    LED = "EU-LED", "EU Law Enforcement Directive (2016/680)"
    NATIONAL = "national", "National data-protection law"


class RequesterCapacity(models.TextChoices):
    COUNSEL = "counsel", "Counsel for the person"
    DPO = "dpo", "Data-protection officer / supervisory authority"
    PERSON = "person", "The person themself"


class RedressMatter(models.Model):
    """A request by (or for) a person to access, correct or delete the data held about them."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DECIDED = "decided", "Decided"

    class Decision(models.TextChoices):
        GRANTED = "granted", "Granted"
        PARTLY_GRANTED = "partly_granted", "Partly granted"
        REFUSED = "refused", "Refused"

    reference = models.CharField(max_length=30, unique=True)
    requester_name = models.CharField(max_length=200)
    requester_capacity = models.CharField(max_length=10, choices=RequesterCapacity.choices)
    person_described = models.TextField(help_text="Who the request is about, as the requester describes them")
    kind = models.CharField(max_length=12, choices=RedressKind.choices)
    regime = models.CharField(max_length=20, choices=Regime.choices)
    received = models.DateField()
    details = models.TextField(blank=True)
    cases = models.ManyToManyField(Case, blank=True, related_name="redress_matters")
    due = models.DateField(db_index=True)
    due_citation = models.CharField(max_length=400)
    due_verified = models.BooleanField(default=False)
    extended_due = models.DateField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due", "id"]

    @property
    def effective_due(self):
        return self.extended_due or self.due

    @property
    def decided_in_time(self) -> bool | None:
        return None if self.decided_on is None else self.decided_on <= self.effective_due


class RetentionUndertaking(models.Model):
    """An undertaking given about a case's data: to use it only for stated proceedings, to dispose of
    it after the proceedings, or by a date the providing State set. It can shorten the retention."""

    class Kind(models.TextChoices):
        USE_LIMITATION = "use_limitation", "Use limited to the stated proceedings"
        AFTER_PROCEEDINGS = "after_proceedings", "Dispose of the data within a period after the proceedings"
        BY_DATE = "by_date", "Dispose of the data by a date"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="retention_undertakings")
    request = models.ForeignKey(CooperationRequest, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="retention_undertakings")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    months_after_proceedings = models.PositiveIntegerField(null=True, blank=True)
    dispose_by = models.DateField(null=True, blank=True)
    text = models.TextField(help_text="The undertaking as given, and where (letter, request form, treaty article)")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class CaseDisposal(models.Model):
    """The tombstone a disposed case leaves: no personal data, only what shows that it existed and
    was disposed of, why, by whom, and how much was deleted."""

    # SET_NULL: the tombstone outlives the case row if that is ever removed.
    case = models.OneToOneField(Case, null=True, on_delete=models.SET_NULL, related_name="disposal")
    case_reference = models.CharField(max_length=30, unique=True)
    case_opened_at = models.DateTimeField()
    proceedings_ended = models.DateField(null=True, blank=True)
    retention_due = models.DateField(null=True, blank=True)
    disposed_at = models.DateTimeField()
    disposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    counts = models.JSONField(default=dict)
    requests = models.JSONField(default=list, help_text="Reference, kind, direction and States of each request")
    providing_states = models.JSONField(default=list)
    audit_seq = models.BigIntegerField(null=True, blank=True, help_text="Position of the disposal event in the log")

    class Meta:
        ordering = ["-disposed_at", "-id"]


def _seal_id() -> str:
    return uuid.uuid4().hex


class ProtectedPerson(models.Model):
    """A witness or informant known in the case by a pseudonym; the true identity is sealed
    (AES-GCM, see comity.oversight.seal) and opened only through an approved unsealing request."""

    class Role(models.TextChoices):
        WITNESS = "witness", "Protected witness"
        INFORMANT = "informant", "Informant"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="protected_persons")
    pseudonym = models.CharField(max_length=100)
    role = models.CharField(max_length=12, choices=Role.choices)
    seal_id = models.CharField(max_length=32, unique=True, default=_seal_id, editable=False)
    sealed_identity = models.TextField(help_text="Ciphertext; never the identity in clear")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pseudonym", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "pseudonym"], name="one_pseudonym_per_case")]


class UnsealingRequest(models.Model):
    """Four eyes: one person asks, with a purpose; a different supervisor approves or refuses; the
    requester may then view the identity once, within a limited time."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved (may be viewed once)"
        REFUSED = "refused", "Refused"
        VIEWED = "viewed", "Viewed"

    protected_person = models.ForeignKey(ProtectedPerson, on_delete=models.CASCADE, related_name="unsealing_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    purpose = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    view_until = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
