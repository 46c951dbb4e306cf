from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "socialguard.casework"
    label = "casework"

    def ready(self):
        from . import permissions  # noqa: F401  (registers capabilities and need-to-know rules)
