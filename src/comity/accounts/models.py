"""Users, their role, and personal access tokens for the API."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    SUPERVISOR = "supervisor", "Supervisor (central authority)"
    CASEWORKER = "caseworker", "Caseworker (central authority)"
    PROSECUTOR = "prosecutor", "Prosecutor / investigator"
    DEFENCE = "defence", "Defence counsel"
    OVERSIGHT = "oversight", "Oversight body / data-protection officer"


class Unit(models.Model):
    """An organisational unit: a ministry's central authority, a prosecution office, a police cooperation
    desk. Each user belongs to at most one; a case belongs to its creator's unit, and the unit's
    supervisors may see its case list and join its cases (audited, with a stated reason)."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


DECIDER_ROLES = ("prosecutor", "supervisor", "admin")


class User(AbstractUser):
    """A person who signs in. The role decides what they may do; case membership decides what they see."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CASEWORKER)
    organisation = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 of the user's authority")
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="members")

    @property
    def is_supervisor(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    @property
    def is_decider(self) -> bool:
        """Prosecutors and supervisors (and administrators) take the decisions of a lifecycle: approve,
        submit, refuse, withdraw."""
        return self.role in DECIDER_ROLES

    @property
    def is_oversight(self) -> bool:
        return self.role == Role.OVERSIGHT

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class TokenScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Read and write"


def hash_token(raw: str) -> str:
    """Tokens are stored as SHA-256: they are long random strings, so a slow hash adds nothing."""
    return hashlib.sha256(raw.encode()).hexdigest()


class PersonalAccessToken(models.Model):
    """An API token. Only its hash is stored; it acts with its user's rights, narrowed by its scope."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, shown so a user can tell tokens apart")
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class EnrolmentCode(models.Model):
    """A one-time code an administrator issues (or the operator, from the command line) so that an account
    may set up its second factor. The password alone never enrols a second factor: whoever learnt it
    would otherwise register their own authenticator app and own the account. Only the code's hash is
    stored; it expires, works once, and stops working after a few wrong tries."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolment_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"enrolment code for {self.user.username}"
