from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "comity.cases"
    label = "cases"
    verbose_name = "Cases and requests"
