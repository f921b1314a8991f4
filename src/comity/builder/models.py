"""Drafts of requests, their saved versions, the documents generated from them, and translations.

One Draft per cooperation request. Its content is JSON (the fields of data/fields.yaml plus `persons`);
every save keeps the previous content as a DraftVersion. Generated files are comity.cases Documents
(hash, audit) with a version number here; each translation the request must be sent in is tracked.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from comity.cases.models import CooperationRequest, Document

LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]


class Draft(models.Model):
    request = models.OneToOneField(CooperationRequest, on_delete=models.CASCADE, related_name="builder_draft")
    measure = models.CharField(max_length=40)
    language = models.CharField(max_length=2, choices=LANGUAGES, default="en")
    content = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1)
    required_languages = models.JSONField(default=list, help_text="Languages the request must be sent in")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Draft of {self.request.reference} v{self.version}"


class DraftVersion(models.Model):
    """The content of a draft as saved at one version (append-only)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    content = models.JSONField()
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["draft", "version"], name="one_draft_version_number")]


class GeneratedDocument(models.Model):
    class Purpose(models.TextChoices):
        REQUEST = "request", "Request"
        FURTHER_INFORMATION = "rfi", "Request for further information"

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (DOCX)"

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="generated")
    document = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.REQUEST)
    format = models.CharField(max_length=4, choices=Format.choices)
    language = models.CharField(max_length=2, choices=LANGUAGES)
    version = models.PositiveIntegerField()
    draft_version = models.PositiveIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["draft", "purpose", "format", "language", "version"],
                                               name="one_generated_version")]


class Translation(models.Model):
    class Status(models.TextChoices):
        NEEDED = "needed", "Needed"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        CERTIFIED = "certified", "Certified"

    DONE_STATUSES = ("done", "certified")

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=12, help_text="ISO 639-1 code, e.g. de")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEEDED)
    translator = models.CharField(max_length=200, blank=True)
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language"]
        constraints = [models.UniqueConstraint(fields=["draft", "language"], name="one_translation_per_language")]
