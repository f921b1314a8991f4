from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "comity.evidence"
    label = "evidence"
    verbose_name = "Evidence"
