"""Nothing personal in the server log: emails go to private files in the data directory, and a
logged exception names its request by id and URL name, with its frames but not its message."""

import email
import io
import logging
import os
import smtplib
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.mail import EmailMessage, send_mail
from django.test import override_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PERSONAL = ("Amy", "amy.jones@parents.example.org", "PUP-001", "year-7-bullying")


def swap_stream(handler: logging.Handler, stream):
    """Point a handler at `stream`, returning the old one. Not `setStream`: that flushes the old
    stream first, which may be an earlier test's captured stderr, closed since."""
    original, handler.stream = handler.stream, stream
    return original


def server_log_handlers(logger_name: str) -> list[logging.Handler]:
    """The handlers settings.LOGGING attaches on the way up from a logger (not pytest's own)."""
    handlers, logger = [], logging.getLogger(logger_name)
    while logger is not None:
        handlers += [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]
        logger = logger.parent if logger.propagate else None
    return handlers


@pytest.fixture
def server_log():
    """What the server's log handlers write while the test runs."""
    outputs = {}
    handlers = {
        h for name in ("django.request", "socialguard.casework") for h in server_log_handlers(name)
    }
    assert handlers, "settings.LOGGING attaches no handler"
    for handler in handlers:
        stream = io.StringIO()
        outputs[handler] = (stream, swap_stream(handler, stream))
    yield lambda: "".join(stream.getvalue() for stream, _ in outputs.values())
    for handler, (_, original) in outputs.items():
        swap_stream(handler, original)


@pytest.mark.urls("tests.web.log_urls")
@pytest.mark.parametrize("debug", [False, True])
def test_it_logs_a_crash_without_the_path_query_or_message(client, server_log, settings, debug):
    settings.DEBUG = debug
    client.raise_request_exception = False
    response = client.get("/log-test/PUP-001/crash/?search=Amy+Jones&note=year-7-bullying")
    assert response.status_code == 500

    log = server_log()
    assert "Internal Server Error" in log
    assert f"request={response['X-Request-ID']}" in log and "url=log_test_crash" in log
    # The frames are kept: where it failed is what a developer needs.
    assert "tests/web/log_urls.py" in log and ", in crash" in log
    assert "ValueError (message not logged" in log
    for text in PERSONAL:
        assert text not in log


@pytest.mark.urls("tests.web.log_urls")
def test_it_keeps_the_path_out_of_any_logger_during_a_request(client, server_log):
    response = client.get("/log-test/PUP-001/logged/?note=year-7-bullying")
    assert response.status_code == 200

    log = server_log()
    assert "API error on GET [log_test_logged]" in log
    assert f"request={response['X-Request-ID']}" in log and "KeyError (message not logged" in log
    for text in PERSONAL:
        assert text not in log


def test_it_keeps_the_addresses_of_a_failed_email_out_of_the_log(server_log):
    logger = logging.getLogger("socialguard.casework")
    try:
        try:
            raise smtplib.SMTPRecipientsRefused(
                {"amy.jones@parents.example.org": (550, b"5.1.1 <amy.jones@parents.example.org>")}
            )
        except smtplib.SMTPRecipientsRefused as exc:
            raise RuntimeError(f"could not email {exc.recipients}") from exc
    except RuntimeError:
        logger.exception("email to amy.jones@parents.example.org failed")

    log = server_log()
    assert "smtplib.SMTPRecipientsRefused (message not logged" in log
    assert "RuntimeError (message not logged" in log and "direct cause" in log
    assert "email to [email address] failed" in log
    assert "amy.jones" not in log


def test_it_writes_each_email_to_its_own_private_file(tmp_path):
    mail_dir = tmp_path / "mail"
    with override_settings(
        EMAIL_BACKEND="socialguard.web.mail.FileEmailBackend", EMAIL_FILE_PATH=mail_dir
    ):
        send_mail("New concern", "A concern about Amy.", None, ["dsl@school.example.org"])
        sent = EmailMessage("Reminder", "Triage is due.", to=["head@school.example.org"]).send()
        assert sent == 1
        assert EmailMessage("Nobody", "No recipient.").send() == 0

    files = sorted(mail_dir.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]  # no partial file left behind
    assert stat.S_IMODE(mail_dir.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    messages = [email.message_from_bytes(f.read_bytes()) for f in files]
    assert [m["Subject"] for m in messages] == ["New concern", "Reminder"]
    assert messages[0]["To"] == "dsl@school.example.org"


def test_it_writes_emails_to_the_data_directory_by_default_not_the_console(tmp_path):
    data_dir = tmp_path / "var"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOCIALGUARD_", "DJANGO_", "EMAIL_"))
    }
    env["SOCIALGUARD_DATA_DIR"] = str(data_dir)
    code = (
        "from django.core.mail import send_mail; "
        "send_mail('New concern', 'About Amy Jones', None, ['amy.jones@parents.example.org'])"
    )
    result = subprocess.run(
        [sys.executable, "-m", "socialguard.cli", "shell", "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        umask=0o022,
    )
    assert result.returncode == 0, result.stderr
    assert "amy.jones" not in result.stdout + result.stderr
    (written,) = (data_dir / "mail").glob("*.eml")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert b"To: amy.jones@parents.example.org" in written.read_bytes()


@pytest.mark.django_db
def test_it_keeps_the_username_and_address_of_a_lockout_out_of_the_log(client, make_user):
    make_user("staff", username="r.green")
    handlers = {h for h in server_log_handlers("axes.handlers.database")}
    streams = {h: io.StringIO() for h in handlers}
    originals = {h: swap_stream(h, streams[h]) for h in handlers}
    try:
        for _ in range(6):
            client.post(
                reverse("login"),
                {"username": "r.green", "password": "wrong-password"},
                REMOTE_ADDR="10.0.0.7",
            )
    finally:
        for handler, original in originals.items():
            swap_stream(handler, original)
    log = "".join(s.getvalue() for s in streams.values())
    assert "AXES: Locking out [withheld]" in log
    assert "r.green" not in log and "10.0.0.7" not in log
