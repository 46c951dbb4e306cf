from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "socialguard.records"
    label = "records"
