from django.apps import AppConfig
from django.conf import settings


class WebConfig(AppConfig):
    name = "socialguard.web"
    label = "web"
    verbose_name = "Web shell"

    def ready(self):
        from socialguard.web import checks  # noqa: F401 (registers the deploy checks)
        from socialguard.web.datadir import data_dir_tighten, private_umask

        # Every Django entry point comes through here before it writes anything: `socialguard`,
        # wsgi/asgi, `python -m django`, the test runner.
        private_umask()
        data_dir_tighten(settings.DATA_DIR)
