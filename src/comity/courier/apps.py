from django.apps import AppConfig


class CourierConfig(AppConfig):
    name = "comity.courier"
    label = "courier"
    verbose_name = "Exchange between authorities"

    def ready(self):
        from comity.courier import hooks  # noqa: F401  (connects the lifecycle signal)
