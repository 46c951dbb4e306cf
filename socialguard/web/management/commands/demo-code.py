import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Print the current two-factor code of a demo account (made by load-demo; its key is "
        "random per install and stored encrypted)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, **options):
        from socialguard.web.demo import demo_device

        username = options["username"]
        device = demo_device(username)
        if device is None:
            raise CommandError(
                f"{username!r} has no demo two-factor key (only demo accounts made by load-demo do)"
            )
        code = device.current_code()
        if options["format"] == "json":
            self.stdout.write(json.dumps({"username": username, "code": code}))
        else:
            self.stdout.write(code)
