import signal
import subprocess
import sys
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve SocialGuard (waitress) with the background worker and the deadline sweep running."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--sweep-seconds", type=int, default=60)
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the background worker"
        )

    def handle(self, *args, **options):
        from waitress import serve

        from socialguard.web.tasks import sweep_deadlines

        call_command("collectstatic", interactive=False, verbosity=0)
        # imported after collectstatic, which creates the STATIC_ROOT WhiteNoise reads at start-up;
        # with SOCIALGUARD_PRODUCTION=1 importing it prints the production warnings (web/checks.py)
        from socialguard.wsgi import application

        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen(
                [sys.executable, "-m", "socialguard.cli", "db_worker", "--interval", "1"]
            )
        stop = threading.Event()

        def scheduler():
            while not stop.is_set():
                try:
                    sweep_deadlines.enqueue()
                except Exception as exc:  # the database may be briefly busy: try again next round
                    self.stderr.write(f"could not queue the deadline sweep: {type(exc).__name__}")
                stop.wait(options["sweep_seconds"])

        threading.Thread(target=scheduler, daemon=True, name="deadline-sweep").start()

        def shutdown(*_):
            stop.set()
            if worker is not None:
                worker.terminate()
            sys.exit(0)

        signal.signal(signal.SIGTERM, shutdown)
        self.stdout.write(
            f"SocialGuard is running on http://{options['host']}:{options['port']}/ (Ctrl+C to stop)"
        )
        try:
            serve(
                application,
                host=options["host"],
                port=options["port"],
                threads=8,
                ident="SocialGuard",
            )
        finally:
            stop.set()
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
