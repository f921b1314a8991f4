from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    name = "comity.evidence"
    label = "evidence"
    verbose_name = "Evidence"

    def ready(self):
        from django.db.models.signals import post_save

        from comity.evidence import keys  # noqa: F401  (registers the master-key system check)

        # Disposal of a case (comity.oversight) erases what this app keeps about its evidence: the
        # descriptive text of items, custody events and disclosures, and the encrypted files. Runs in
        # the disposal's transaction; files go after it commits.
        post_save.connect(_erase_on_disposal, sender="oversight.CaseDisposal", dispatch_uid="evidence-erase")


def _erase_on_disposal(sender, instance, created, **kwargs):
    if created and instance.case_id:
        from comity.evidence.actions import erase_case_evidence

        instance.counts.update(erase_case_evidence(instance.case_id))
