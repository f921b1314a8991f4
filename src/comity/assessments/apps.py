from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "comity.assessments"
    label = "assessments"
    verbose_name = "Assessments"

    def ready(self):
        from django.db.models.signals import post_save

        # Disposal of a case deletes its saved assessments: their facts name the person.
        post_save.connect(_erase_on_disposal, sender="oversight.CaseDisposal", dispatch_uid="assessments-erase")


def _erase_on_disposal(sender, instance, created, **kwargs):
    if created and instance.case_id:
        from comity.assessments.models import AssessmentSnapshot

        instance.counts["assessments"] = AssessmentSnapshot.objects.filter(case_id=instance.case_id).delete()[0]
