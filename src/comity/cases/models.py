"""Cases, the requests inside them, and what a case holds (parties, documents, notes, tasks, deadlines).

A case groups one or more requests about the same matter. Who sees a case is decided by its
memberships (compartments); see `Case.objects.visible_to`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from comity.cases.ftm import SCHEMA_LABELS
from comity.cases.lifecycle import lifecycle
from comity.cases.storage import EncryptedFileSystemStorage


class RequestKind(models.TextChoices):
    MLA = "mla", "Mutual legal assistance"
    EXTRADITION = "extradition", "Extradition"
    TRANSFER = "transfer", "Transfer of sentenced persons"
    ASSET_RECOVERY = "asset_recovery", "Asset freezing, confiscation and return"
    NOTICE = "notice", "INTERPOL notice"


class Direction(models.TextChoices):
    OUTGOING = "outgoing", "Outgoing (we request)"
    INCOMING = "incoming", "Incoming (we are requested)"


class NoticeAction(models.TextChoices):
    PUBLICATION = "publication", "Request publication of a notice"
    CCF_CHALLENGE = "ccf_challenge", "Challenge before the CCF"


class Urgency(models.TextChoices):
    NORMAL = "normal", "Normal"
    URGENT = "urgent", "Urgent"
    VERY_URGENT = "very_urgent", "Very urgent (person in custody or evidence at risk)"


class CaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Cases the user is an active member of. Oversight access to other cases goes through a
        stated purpose (see comity.cases.access), never through this queryset."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__revoked_at__isnull=True)

    def listed_for(self, user):
        """The case list: the user's own cases and, for a supervisor, every case of their unit (which they
        may join, with a stated reason, but not read before). Each row says whether the user is a member."""
        if not user.is_authenticated:
            return self.none()
        mine = CaseMembership.objects.filter(case=models.OuterRef("pk"), user=user, revoked_at__isnull=True)
        scope = Q(pk__in=CaseMembership.objects.filter(user=user, revoked_at__isnull=True).values("case_id"))
        if user.is_supervisor and user.unit_id:
            scope |= Q(unit_id=user.unit_id)
        return self.filter(scope).annotate(is_member=models.Exists(mine))


class Case(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=30, unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    unit = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
                             help_text="The creator's unit when the case was opened")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


class CaseMembership(models.Model):
    """Membership of a case's compartment; never deleted. Granted by a supervisor, by the case's creator to
    a colleague of their unit, or taken by a supervisor (or a decider asked for approval) of the case's
    unit who joins it with a stated reason."""

    class Basis(models.TextChoices):
        CREATOR = "creator", "opened the case"
        GRANTED = "granted", "granted by a supervisor"
        INVITED = "invited", "invited by the case's creator"
        JOINED = "joined", "joined as supervisor of the unit"
        APPROVAL = "approval", "joined to decide on an approval"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.GRANTED)
    reason = models.TextField(blank=True, help_text="The reason stated when joining (erased on disposal)")
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], condition=Q(revoked_at__isnull=True),
                                    name="one_active_membership_per_user_and_case"),
        ]
        indexes = [models.Index(fields=["user", "revoked_at"])]


class CooperationRequest(models.Model):
    """One request for cooperation, incoming or outgoing, moving along its kind's lifecycle."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="requests")
    reference = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=20, choices=RequestKind.choices, db_index=True)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    notice_action = models.CharField(max_length=20, choices=NoticeAction.choices, blank=True)
    subject = models.CharField(max_length=300)
    requesting_state = models.CharField(max_length=2, db_index=True)
    requested_state = models.CharField(max_length=2, db_index=True)
    requesting_authority = models.CharField(max_length=200, blank=True)
    requested_authority = models.CharField(max_length=200, blank=True)
    urgency = models.CharField(max_length=12, choices=Urgency.choices, default=Urgency.NORMAL)
    urgency_reason = models.CharField(max_length=500, blank=True)
    legal_basis = models.CharField(max_length=300, blank=True, help_text="Free text until the computable law links it")
    legal_basis_instrument = models.CharField(max_length=60, blank=True,
                                              help_text="Instrument id, e.g. CETS-024, EU-EAW, EU-EIO")
    status = models.CharField(max_length=40, db_index=True)
    received_on = models.DateField(null=True, blank=True,
                                   help_text="The day an incoming request arrived through the exchange (its DELIVERY "
                                             "evidence): clocks that run from receipt start that day")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_kind_display()})"

    @property
    def lifecycle(self):
        return lifecycle(self.kind)

    @property
    def status_label(self) -> str:
        return self.lifecycle.state_label(self.status)

    @property
    def is_terminal(self) -> bool:
        return self.status in self.lifecycle.terminal


class RequestLink(models.Model):
    class Relation(models.TextChoices):
        BUILDS_ON = "builds_on", "builds on the evidence of"
        FOLLOWS_UP = "follows_up", "follows up"
        RELATED = "related", "is related to"

    from_request = models.ForeignKey(CooperationRequest, on_delete=models.CASCADE, related_name="links_out")
    to_request = models.ForeignKey(CooperationRequest, on_delete=models.CASCADE, related_name="links_in")
    relation = models.CharField(max_length=20, choices=Relation.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["from_request", "to_request"], name="one_link_per_pair")]


class Transition(models.Model):
    """A step a request took along its lifecycle: who, when, from what to what, and why."""

    request = models.ForeignKey(CooperationRequest, on_delete=models.CASCADE, related_name="transitions")
    name = models.CharField(max_length=60)
    from_status = models.CharField(max_length=40)
    to_status = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    effective_date = models.DateField(help_text="The day the event happened; clocks run from it")
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]


class Deadline(models.Model):
    """A legal clock (or an internal follow-up) started by a transition."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MET = "met", "Met"
        CLOSED = "closed", "Closed (request ended)"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="deadlines")
    request = models.ForeignKey(CooperationRequest, on_delete=models.CASCADE, related_name="deadlines")
    code = models.CharField(max_length=60)
    label = models.CharField(max_length=200)
    due = models.DateField(db_index=True)
    citation = models.CharField(max_length=200)
    legal = models.BooleanField(default=True)
    started_by = models.ForeignKey(Transition, on_delete=models.CASCADE, related_name="deadlines")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due", "id"]


class Entity(models.Model):
    """A party or thing in a case, as a FollowTheMoney entity."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entities")
    ftm_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    schema = models.CharField(max_length=30)
    caption = models.CharField(max_length=300)
    properties = models.JSONField(default=dict)
    role = models.CharField(max_length=100, blank=True, help_text="Role in the case, e.g. suspect, witness, account holder")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    corrected_at = models.DateTimeField(null=True, blank=True, help_text="Last correction (see Revision)")

    class Meta:
        ordering = ["schema", "caption"]
        verbose_name_plural = "entities"

    @property
    def schema_label(self) -> str:
        return SCHEMA_LABELS.get(self.schema, self.schema)

    def to_ftm(self) -> dict:
        return {"id": f"comity-{self.ftm_id}", "schema": self.schema, "caption": self.caption,
                "properties": self.properties}


def document_path(instance: Document, filename: str) -> str:
    # Stored under a random name: the user's filename is kept in the database only.
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    request = models.ForeignKey(CooperationRequest, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="documents")
    title = models.CharField(max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    file = models.FileField(upload_to=document_path, storage=EncryptedFileSystemStorage())  # encrypted at rest
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]


class Note(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    request = models.ForeignKey(CooperationRequest, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    corrected_at = models.DateTimeField(null=True, blank=True, help_text="Last correction (see Revision)")

    class Meta:
        ordering = ["-created_at", "-id"]


class CaseStateChange(models.Model):
    """A case closed or reopened, with the reason given. Closing ends the proceedings, which starts the
    retention period (comity.oversight); the reason is free text, so it lives here (erased on disposal)
    and the audit event only says that one was given."""

    class Action(models.TextChoices):
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="state_changes")
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]


class ApprovalRequest(models.Model):
    """A caseworker's request that the deciders (prosecutors, supervisors) of the case's unit approve an
    outgoing request: an item in their "Awaiting your decision" queue until one of them decides."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting a decision"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned for changes"
        CANCELLED = "cancelled", "No longer needed"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approval_requests")
    request = models.ForeignKey(CooperationRequest, on_delete=models.CASCADE, related_name="approval_requests")
    unit = models.ForeignKey("accounts.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField()
    message = models.TextField(blank=True, help_text="What the asker wants the decider to know (erased on disposal)")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request"], condition=Q(status="pending"),
                                               name="one_pending_approval_per_request")]


class Revision(models.Model):
    """The previous values of a party, note or task that was corrected or removed. They are personal data,
    so they live here (erased with the case's other personal data on disposal) and the audit event
    carries only the field names and a SHA-256 of the previous values."""

    class Target(models.TextChoices):
        ENTITY = "entity", "Party or entity"
        NOTE = "note", "Note"
        TASK = "task", "Task"

    class Action(models.TextChoices):
        CORRECTED = "corrected", "Corrected"
        REMOVED = "removed", "Removed"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="revisions")
    target = models.CharField(max_length=10, choices=Target.choices)
    target_id = models.PositiveBigIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    previous = models.JSONField(help_text="The values before the change")
    changed = models.JSONField(default=list, help_text="The fields that changed")
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["case", "target", "target_id"])]


class Task(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    request = models.ForeignKey(CooperationRequest, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="tasks")
    title = models.CharField(max_length=200)
    due = models.DateField(null=True, blank=True, db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="tasks")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    corrected_at = models.DateTimeField(null=True, blank=True, help_text="Last correction (see Revision)")

    class Meta:
        ordering = ["due", "id"]
