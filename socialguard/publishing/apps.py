from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "socialguard.publishing"
    label = "publishing"
