from django.conf import settings
from django.db import models


class AssessmentSnapshot(models.Model):
    """An assessment as it stood on the day: the facts, the result and the rule-set version, so it can
    be reproduced later. Never edited; a new assessment is a new snapshot."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="assessments")
    request = models.ForeignKey("cases.CooperationRequest", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="assessments")
    kind = models.CharField(max_length=20)
    facts = models.JSONField()
    result = models.JSONField()
    outcome = models.CharField(max_length=30)
    rules_version = models.CharField(max_length=80)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    memo_pdf = models.ForeignKey("cases.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    memo_docx = models.ForeignKey("cases.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
