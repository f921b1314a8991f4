from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "comity.cases"
    label = "cases"
    verbose_name = "Cases and requests"

    def ready(self):
        from django.db.models.signals import post_save

        # Disposal of a case's personal data (comity.oversight) also erases what this app keeps beside the
        # content it deletes: revisions of corrected and removed parties, notes and tasks, and stated reasons.
        # The receiver runs inside the disposal's transaction.
        post_save.connect(_erase_on_disposal, sender="oversight.CaseDisposal", dispatch_uid="cases-erase-history")


def _erase_on_disposal(sender, instance, created, **kwargs):
    if created and instance.case_id:
        from comity.cases.actions import erase_case_history

        erase_case_history(instance.case_id)
