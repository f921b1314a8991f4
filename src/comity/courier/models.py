"""What the exchange keeps: the directory, the trust list, messages in and out, their attachments and
evidence, and the refusals the operator reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models

COOPERATION_KINDS = ("mla", "extradition", "notice", "transfer", "asset_recovery")


class DirectoryEntry(models.Model):
    """A competent authority: which requests it receives, in which languages, by which channel."""

    class Kind(models.TextChoices):
        CENTRAL_AUTHORITY = "central_authority", "Central authority"
        PROSECUTOR = "prosecutor", "Prosecutor's office"
        COURT = "court", "Court"
        POLICE = "police", "Police (INTERPOL National Central Bureau)"
        MINISTRY = "ministry", "Ministry"

    class Channel(models.TextChoices):
        COMITY = "comity", "Comity exchange (signed and encrypted)"
        ECODEX = "ecodex", "e-CODEX / e-Evidence Digital Exchange"
        DIPLOMATIC = "diplomatic", "Diplomatic channel"
        POST = "post", "Post"
        EMAIL = "email", "E-mail"
        INTERPOL = "interpol", "INTERPOL I-24/7"

    state = models.CharField(max_length=2, db_index=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    cooperation = models.JSONField(default=list, help_text="kinds of request it receives (mla, extradition, ...)")
    measures = models.JSONField(default=list, blank=True, help_text="measures it handles, where it is specific")
    languages = models.JSONField(default=list, help_text="languages it accepts (ISO 639-1)")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    address = models.TextField(blank=True)
    email = models.CharField(max_length=200, blank=True)
    peer = models.ForeignKey("Peer", null=True, blank=True, on_delete=models.SET_NULL, related_name="entries")
    source = models.CharField(max_length=500, blank=True, help_text="where the entry comes from (profile, URL)")
    seeded = models.BooleanField(default=False, help_text="made from the country profiles, not yet edited")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["state", "name"]

    def __str__(self) -> str:
        return f"{self.state}: {self.name}"


class Route(models.Model):
    """Which unit of this authority receives incoming requests of a kind."""

    kind = models.CharField(max_length=20, unique=True)
    unit = models.ForeignKey("accounts.Unit", on_delete=models.PROTECT, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)


class Peer(models.Model):
    """An instance on the trust list: its identity (every key it has had, with validity), confirmed by a person
    who compared the fingerprint out of band."""

    class Status(models.TextChoices):
        PENDING = "pending", "Imported, fingerprint not yet confirmed"
        TRUSTED = "trusted", "Trusted"
        REVOKED = "revoked", "Revoked"

    authority = models.CharField(max_length=70, unique=True)
    state = models.CharField(max_length=2)
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=30)
    endpoint = models.CharField(max_length=300)
    tls_pin = models.CharField(max_length=64)
    identity = models.JSONField(help_text="the identity document, keys of every rotation kept")
    identity_file = models.TextField(help_text="the latest signed identity file")
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation = models.CharField(max_length=300, blank=True, help_text="how the fingerprint was compared")
    revoked_at = models.DateTimeField(null=True, blank=True)
    our_key = models.CharField(max_length=64, blank=True,
                               help_text="the kid of our signing key this peer knows (after our rotation, until it "
                                         "receives our new identity, we sign with the old one)")

    class Meta:
        ordering = ["state", "authority"]

    def __str__(self) -> str:
        return f"{self.name} ({self.authority})"


class Conversation(models.Model):
    """A request as both instances know it: the requesting authority's conversation id, our request."""

    conversation = models.CharField(max_length=100)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="conversations")
    request = models.OneToOneField("cases.CooperationRequest", on_delete=models.CASCADE,
                                   related_name="conversation")
    their_reference = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["peer", "conversation"], name="courier_conversation_once")]


class Message(models.Model):
    class Direction(models.TextChoices):
        OUT = "out", "Sent"
        IN = "in", "Received"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to be sent"
        RETRYING = "retrying", "Not delivered yet; will retry"
        DELIVERED = "delivered", "Delivered"
        REFUSED = "refused", "Refused by the recipient"
        FAILED = "failed", "Not delivered: every retry failed"
        RECEIVED = "received", "Received, not yet opened"
        RETRIEVED = "retrieved", "Received and opened"

    direction = models.CharField(max_length=3, choices=Direction.choices)
    mid = models.CharField(max_length=36)
    conversation = models.ForeignKey(Conversation, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="messages")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="messages")
    type = models.CharField(max_length=30)
    in_reply_to = models.CharField(max_length=36, blank=True)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the encrypted content (the JWE)")
    payload = models.JSONField(help_text="the message as sent or received (personal data: erased with the case)")
    jwe = models.TextField(blank=True, help_text="outbox: the sealed content, signed anew at each attempt")
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.CharField(max_length=300, blank=True, help_text="a reason code and what went wrong")
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    retrieved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["direction", "mid"], name="courier_message_once")]

    @property
    def delivery(self):
        return self.evidence.filter(type__in=("DELIVERY", "NON_DELIVERY")).order_by("-at").first()


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    index = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=255)
    media_type = models.CharField(max_length=100)
    size = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    chunk_size = models.PositiveIntegerField()
    document = models.ForeignKey("cases.Document", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", help_text="outbox: the document sent; inbox: where it landed")
    evidence_item = models.ForeignKey("evidence.EvidenceItem", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")

    class Meta:
        ordering = ["message", "index"]
        constraints = [models.UniqueConstraint(fields=["message", "index"], name="courier_attachment_once")]


class Evidence(models.Model):
    """Signed evidence of a step (e-CODEX's evidence types): kept with the message, verifiable for ever."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="evidence")
    type = models.CharField(max_length=25)
    issuer = models.CharField(max_length=70)
    at = models.DateTimeField()
    reason = models.CharField(max_length=30, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    token = models.TextField(help_text="the signed evidence (compact JWS)")

    class Meta:
        ordering = ["at", "pk"]


class Rejection(models.Model):
    """A message or chunk this instance refused: for the operator, with the reason; no content."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    claimed_sender = models.CharField(max_length=70, blank=True)
    mid = models.CharField(max_length=36, blank=True)
    what = models.CharField(max_length=10, help_text="message or chunk")
    reason = models.CharField(max_length=30)
    detail = models.CharField(max_length=500, blank=True)
    digest = models.CharField(max_length=64, blank=True, help_text="SHA-256 of what was received")
    remote = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
