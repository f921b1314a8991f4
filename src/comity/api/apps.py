from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "comity.api"
    label = "api"
    verbose_name = "HTTP API"
