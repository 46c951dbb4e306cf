"""The data directory (keys, database, evidence, photos of pupils) is 0700 and everything in it
0600 after a real start, whatever the umask SocialGuard was started with."""

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.test import override_settings
from PIL import Image

from socialguard.web.datadir import data_dir_open_paths, data_dir_tighten

ROOT = Path(__file__).resolve().parents[2]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def open_to_others(data_dir: Path) -> list[str]:
    """Everything other accounts could read or enter, found independently of the product."""
    found = []
    for folder, dirnames, filenames in os.walk(data_dir):
        for name in ["", *dirnames, *filenames]:
            path = Path(folder) / name
            if not path.is_symlink() and mode(path) & 0o077:
                found.append(f"{path} {oct(mode(path))}")
    return found


def socialguard(
    data_dir: Path, *args: str, umask: int = 0o022, **env_extra
) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh process on `data_dir`; by default started the way a careless service
    manager would (umask 022: new files readable by everyone). `umask=-1` keeps the caller's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SOCIALGUARD_", "DJANGO_", "EMAIL_", "DATABASE_URL"))
    }
    env.update(SOCIALGUARD_DATA_DIR=str(data_dir), **env_extra)
    return subprocess.run(
        [sys.executable, "-m", "socialguard.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        umask=umask,
    )


@pytest.fixture
def loose_umask():
    """The test process starts with a world-readable umask; restored afterwards."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "orange").save(buffer, "PNG")
    return buffer.getvalue()


def test_it_keeps_a_new_data_directory_private_after_migrate(tmp_path):
    data_dir = tmp_path / "var"
    result = socialguard(data_dir, "migrate", "--noinput", "-v", "0")
    assert result.returncode == 0, result.stderr
    assert mode(data_dir) == 0o700
    for name in ("secret.key", "master.key", "socialguard.sqlite3"):
        assert mode(data_dir / name) == 0o600, name
    assert open_to_others(data_dir) == []


def test_it_tightens_files_and_folders_left_open_when_it_starts(tmp_path):
    data_dir = tmp_path / "var"
    assert socialguard(data_dir, "migrate", "--noinput", "-v", "0").returncode == 0
    left_open = {
        "socialguard.sqlite3": 0o644,
        "socialguard.sqlite3-wal": 0o666,
        "evidence/4f1c": 0o644,
        "publishing/drafts/9ab0": 0o644,
        "consent/reference/77de": 0o640,
        "static/socialguard/app.css": 0o644,
        "mail/20260302-100000-000000-aa.eml": 0o644,
    }
    for name, loose in left_open.items():
        path = data_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
        path.chmod(loose)
        path.parent.chmod(0o755)
    data_dir.chmod(0o755)

    result = socialguard(data_dir, "check")

    assert result.returncode == 0, result.stderr
    assert open_to_others(data_dir) == []
    assert mode(data_dir) == mode(data_dir / "evidence") == 0o700
    assert all(mode(data_dir / name) == 0o600 for name in left_open)


def test_it_collects_static_files_private_too(tmp_path):
    # STATIC_ROOT is inside the data directory, and storage chmods what it writes whatever the
    # umask; WhiteNoise reads the files as the server's own account, so 0600 serves.
    data_dir = tmp_path / "var"
    result = socialguard(data_dir, "collectstatic", "--noinput", "-v", "0")
    assert result.returncode == 0, result.stderr
    assert mode(data_dir / "static" / "socialguard" / "app.js") == 0o600
    assert open_to_others(data_dir) == []


@pytest.mark.django_db
def test_it_writes_evidence_drafts_and_consent_photos_private_after_start(tmp_path, loose_umask):
    from socialguard.casework import vault
    from socialguard.consent.crypto import photo_store
    from socialguard.publishing.media import image_store

    data_dir = tmp_path / "var"
    data_dir.mkdir(mode=0o755)
    with override_settings(DATA_DIR=data_dir, EMAIL_FILE_PATH=data_dir / "mail"):
        apps.get_app_config("web").ready()  # what every entry point runs at start
        stored = vault.encrypt_and_store(png())
        draft = image_store(png(), folder="drafts")
        photo = photo_store(png(), "reference")

    assert (data_dir / "evidence" / stored["storage_name"]).is_file()
    assert (data_dir / "publishing" / draft.stored_name).is_file()
    assert (data_dir / "consent" / "reference" / photo).is_file()
    assert open_to_others(data_dir) == []


def test_it_does_not_follow_a_link_out_of_the_data_directory(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    outside = tmp_path / "someone-elses.txt"
    outside.write_text("not ours")
    outside.chmod(0o644)
    (data_dir / "link").symlink_to(outside)

    assert data_dir_tighten(data_dir) == []

    assert mode(outside) == 0o644
    assert data_dir_open_paths(data_dir) == []


def test_it_leaves_a_home_folder_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path))
    notes = tmp_path / "notes.txt"
    notes.write_text("the technician's own file")
    notes.chmod(0o644)

    assert data_dir_tighten(tmp_path) == [notes]

    assert mode(notes) == 0o644
