from django.apps import AppConfig
from django.core import checks


class PolicyConfig(AppConfig):
    name = "socialguard.policy"
    label = "policy"
    verbose_name = "Policy"

    def ready(self) -> None:
        checks.register(check_policy_pack)


def check_policy_pack(app_configs=None, **kwargs):
    """Every management command (migrate, serve, load-demo…) refuses a broken pack up front,
    naming each key at fault, instead of failing later on a page."""
    from .pack import PackError, get_pack

    try:
        get_pack()
    except PackError as exc:
        return [
            checks.Error(problem, obj=exc.args[0].splitlines()[0], id="socialguard.E001")
            for problem in exc.problems
        ]
    return []
