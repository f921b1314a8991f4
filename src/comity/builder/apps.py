"""Request builder: drafts checked against the legal basis, generated as PDF and DOCX, translations."""
from django.apps import AppConfig


class BuilderConfig(AppConfig):
    name = "comity.builder"
    label = "builder"
    verbose_name = "Request builder"

    def ready(self):
        from comity.builder import system_checks  # noqa: F401  (registers the start-up checks)
        from comity.builder.actions import translations_pending
        from comity.cases.guards import register_guard

        register_guard("translations_done")(translations_pending)
