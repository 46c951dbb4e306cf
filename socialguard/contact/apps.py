from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "socialguard.contact"
    label = "contact"
