from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "socialguard.consent"
    label = "consent"

    def ready(self):
        # The consent CSV runner must be registered wherever imports run (web and worker).
        from . import permissions, services  # noqa: F401
