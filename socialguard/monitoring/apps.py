from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "socialguard.monitoring"
    label = "monitoring"
    verbose_name = "Lawful monitoring"
    default_auto_field = "django.db.models.BigAutoField"
