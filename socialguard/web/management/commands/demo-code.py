from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo account (demo keys only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        from socialguard.web.demo import demo_totp_key

        key = demo_totp_key(options["username"])
        device = TOTPDevice.objects.filter(
            user__username=options["username"], key=key, confirmed=True
        ).first()
        if device is None:
            raise CommandError(
                f"{options['username']!r} has no demo two-factor key (only demo accounts do)"
            )
        code = totp(
            device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift
        )
        self.stdout.write(f"{code:0{device.digits}d}")
