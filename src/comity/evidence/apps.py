from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "comity.evidence"
    label = "evidence"
    verbose_name = "Evidence"

    def ready(self):
        from comity.evidence import keys  # noqa: F401  (registers the master-key system check)
