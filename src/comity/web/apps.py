from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "comity.web"
    label = "web"
    verbose_name = "Web interface"
