from django.apps import AppConfig


class DeclarationsConfig(AppConfig):
    name = "socialguard.declarations"
    label = "declarations"
