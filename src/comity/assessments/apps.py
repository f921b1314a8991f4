from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "comity.assessments"
    label = "assessments"
    verbose_name = "Assessments"
