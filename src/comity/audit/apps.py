from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "comity.audit"
    label = "audit"
    verbose_name = "Audit"

    def ready(self):
        from django.db.models.signals import post_save

        from comity.audit import checks  # noqa: F401  (registers the ledger-key location check)

        # Disposal of a case erases the free text kept beside its audit events (stated purposes, search
        # words); the log keeps their commitments and still verifies.
        post_save.connect(_erase_on_disposal, sender="oversight.CaseDisposal", dispatch_uid="audit-erase-texts")


def _erase_on_disposal(sender, instance, created, **kwargs):
    if created and instance.case_id:
        from comity.audit import erase_case_texts

        erase_case_texts(instance.case_id)
