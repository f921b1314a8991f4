from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "comity.oversight"
    label = "oversight"
    verbose_name = "Oversight"
