from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "socialguard.publishing"
    label = "publishing"

    def ready(self):
        # Capabilities must exist before any view, API route or CLI command asks for them.
        from . import permissions  # noqa: F401
