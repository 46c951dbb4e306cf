"""`socialguard check --deploy`, and the warnings a production server prints at start: each
appears while the problem is there and goes when it is fixed."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from socialguard.web.checks import warn_at_start
from socialguard.web.demo import DEMO_ACCOUNTS
from tests.web.test_data_dir import socialguard as run_cli

ROOT = Path(__file__).resolve().parents[2]
SMTP = "django.core.mail.backends.smtp.EmailBackend"
FILES = "socialguard.web.mail.FileEmailBackend"


def deploy_ids() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True)}


@pytest.fixture
def private_data_dir(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir(mode=0o700)
    (data_dir / "socialguard.sqlite3").touch(mode=0o600)
    return data_dir


@pytest.fixture
def ready(private_data_dir):
    """Everything fixed: what a school's server looks like when nothing needs saying."""
    with override_settings(
        PRODUCTION=True, EMAIL_BACKEND=SMTP, DATA_DIR=private_data_dir
    ) as overridden:
        yield overridden


def socialguard(data_dir: Path, *args: str, **env_extra) -> subprocess.CompletedProcess:
    return run_cli(data_dir, *args, umask=-1, **env_extra)


@pytest.mark.django_db
def test_it_says_nothing_when_everything_is_fixed(ready):
    assert not {i for i in deploy_ids() if i.startswith("socialguard.")}
    stream = io.StringIO()
    warn_at_start(stream)
    assert stream.getvalue() == ""


@pytest.mark.django_db
def test_it_warns_while_demo_accounts_can_sign_in(ready, make_user):
    external_id, username = next(iter(DEMO_ACCOUNTS.items()))
    user = make_user("staff", username=username, external_id=external_id)
    assert "socialguard.W001" in deploy_ids()
    stream = io.StringIO()
    warn_at_start(stream)
    assert f"socialguard.W001): The demo school's accounts are in this database ({username})" in (
        stream.getvalue()
    )

    user.is_active = False
    user.save()
    assert "socialguard.W001" not in deploy_ids()


@pytest.mark.django_db
def test_it_does_not_take_a_school_account_with_a_demo_username_for_the_demo(ready, make_user):
    # A real member of staff may well sign in as "green" or "khan": only the demo's person counts.
    for username in DEMO_ACCOUNTS.values():
        make_user("staff", username=username)
    assert "socialguard.W001" not in deploy_ids()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("backend", "where"),
    [
        (FILES, "written to files in"),
        ("django.core.mail.backends.console.EmailBackend", "printed into the server log"),
        ("django.core.mail.backends.locmem.EmailBackend", "kept in memory"),
    ],
)
def test_it_warns_while_emails_are_not_sent(ready, backend, where):
    with override_settings(EMAIL_BACKEND=backend):
        messages = [m for m in run_checks(include_deployment_checks=True) if m.id.endswith("W002")]
        assert len(messages) == 1 and where in messages[0].msg
        assert "EMAIL_URL" in messages[0].hint
    assert "socialguard.W002" not in deploy_ids()


@pytest.mark.django_db
def test_it_warns_while_the_data_directory_is_open_to_others(ready, private_data_dir):
    database = private_data_dir / "socialguard.sqlite3"
    database.chmod(0o644)
    messages = [m for m in run_checks(include_deployment_checks=True) if m.id.endswith("W003")]
    assert len(messages) == 1 and str(database) in messages[0].msg
    assert f"chmod -R go-rwx {private_data_dir}" in messages[0].hint
    stream = io.StringIO()
    warn_at_start(stream)
    assert "socialguard.W003" in stream.getvalue()

    database.chmod(0o600)
    assert "socialguard.W003" not in deploy_ids()


@pytest.mark.django_db
def test_it_warns_about_a_data_directory_that_is_a_home_folder(ready, tmp_path, monkeypatch):
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    with override_settings(DATA_DIR=tmp_path):
        messages = [m for m in run_checks(include_deployment_checks=True) if m.id.endswith("W003")]
    assert len(messages) == 1 and "a folder of its own" in messages[0].hint


@pytest.mark.django_db
def test_it_prints_no_start_warnings_without_production(ready, make_user):
    external_id, username = next(iter(DEMO_ACCOUNTS.items()))
    make_user("staff", username=username, external_id=external_id)
    with override_settings(PRODUCTION=False, EMAIL_BACKEND=FILES):
        stream = io.StringIO()
        warn_at_start(stream)
        assert stream.getvalue() == ""
        assert {"socialguard.W001", "socialguard.W002", "socialguard.W004"} <= deploy_ids()


def test_check_deploy_through_the_cli_says_production_is_off_once(tmp_path):
    data_dir = tmp_path / "var"
    result = socialguard(data_dir, "check", "--deploy")
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "socialguard.W002" in output and "socialguard.W004" in output
    # SOCIALGUARD_PRODUCTION=1 sets these: one line (W004) says so instead of Django's four.
    for django_id in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert django_id not in output

    fixed = socialguard(
        data_dir, "check", "--deploy", SOCIALGUARD_PRODUCTION="1", EMAIL_URL="smtp://localhost:25"
    )
    assert fixed.returncode == 0, fixed.stderr
    assert "System check identified no issues" in fixed.stdout


def test_the_wsgi_application_warns_at_start_in_production(tmp_path):
    data_dir = tmp_path / "var"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOCIALGUARD_", "DJANGO_", "EMAIL_"))
    }
    env.update(SOCIALGUARD_DATA_DIR=str(data_dir), SOCIALGUARD_PRODUCTION="1")
    start = [sys.executable, "-c", "import socialguard.wsgi"]
    result = subprocess.run(start, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "SocialGuard warning (socialguard.W002): Emails are not sent" in result.stderr

    env["EMAIL_URL"] = "smtp://localhost:25"
    result = subprocess.run(start, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "SocialGuard warning" not in result.stderr
