from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "socialguard.policy"
    label = "policy"
    verbose_name = "Policy"
