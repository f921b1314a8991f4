from django.apps import AppConfig


class BuilderConfig(AppConfig):
    name = "comity.builder"
    label = "builder"
    verbose_name = "Request builder"
