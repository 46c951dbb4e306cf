from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    name = "socialguard.casework"
    label = "casework"
