from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "socialguard.consent"
    label = "consent"
