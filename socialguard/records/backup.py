"""Backup and restore of a whole SocialGuard data directory.

A backup is a folder: `database/` (an SQLite online-backup copy, or a `pg_dump` custom-format
file), `data/` (evidence, photos and every other file of the data directory), the audit
checkpoint log, `keys/` (the three keys, kept in their own folder so they can be stored apart)
and `manifest.json` with the SHA-256 of every file. It is written beside DEST and renamed into
place, so a half-written backup never looks like a finished one.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connection

from socialguard import clock

KEY_FILES = {"secret.key": "SECRET_KEY", "master.key": "MASTER_KEY", "audit.key": "AUDIT_KEY"}
CHECKPOINTS = "audit-checkpoints.log"
# Rebuilt by `collectstatic`: not part of the school's records.
SKIPPED_FOLDERS = {"static"}
FORMAT = 1


class BackupError(Exception):
    """A refusal, in words for the person running the command."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"]).resolve()


def _pg_url() -> str:
    db = settings.DATABASES["default"]
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    user = db.get("USER") or ""
    return f"postgresql://{user}@{host}:{port}/{db['NAME']}"


def _pg_env() -> dict:
    env = dict(os.environ)
    if settings.DATABASES["default"].get("PASSWORD"):
        env["PGPASSWORD"] = settings.DATABASES["default"]["PASSWORD"]
    return env


def _database_files() -> set[Path]:
    if _is_postgres():
        return set()
    db = _sqlite_path()
    return {db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}-journal")}


def _data_files(data_dir: Path) -> list[Path]:
    skip = _database_files() | {data_dir / name for name in (*KEY_FILES, CHECKPOINTS)}
    found = []
    for folder, dirnames, filenames in os.walk(data_dir, followlinks=False):
        here = Path(folder)
        if here == data_dir:
            dirnames[:] = [d for d in dirnames if d not in SKIPPED_FOLDERS]
        for name in filenames:
            path = here / name
            if path not in skip and not path.is_symlink() and not name.endswith(".tmp"):
                found.append(path)
    return sorted(found)


def _dest_usable(dest: Path) -> None:
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"DEST {dest} already exists and is not empty: give a new folder")
    data_dir = Path(settings.DATA_DIR).resolve()
    if dest.resolve().is_relative_to(data_dir):
        raise BackupError(f"DEST {dest} is inside the data directory {data_dir}: choose another")


def _write_database(stage: Path) -> str:
    folder = stage / "database"
    folder.mkdir()
    if _is_postgres():
        target = folder / "socialguard.pgdump"
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _pg_url()],
            env=_pg_env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return "postgresql"
    source = sqlite3.connect(_sqlite_path())
    copy = sqlite3.connect(folder / "socialguard.sqlite3")
    try:
        with copy:
            source.backup(copy)  # a consistent snapshot while SocialGuard keeps running
    finally:
        copy.close()
        source.close()
    return "sqlite"


def backup_create(*, dest: Path, with_keys: bool = True) -> dict:
    """Write a backup of the data directory to `dest`; returns the manifest."""
    dest = Path(dest)
    _dest_usable(dest)
    data_dir = Path(settings.DATA_DIR).resolve()
    dest.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{dest.name}.partial-", dir=dest.parent))
    try:
        # The checkpoints before the database: a checkpoint must never count events the copied
        # database does not have, or the restored trail would look cut short.
        if (data_dir / CHECKPOINTS).exists():
            shutil.copy2(data_dir / CHECKPOINTS, stage / CHECKPOINTS)
        database = _write_database(stage)
        for path in _data_files(data_dir):
            target = stage / "data" / path.relative_to(data_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        if with_keys:
            (stage / "keys").mkdir()
            for name, setting in KEY_FILES.items():
                (stage / "keys" / name).write_text(getattr(settings, setting) + "\n")
        manifest = {
            "format": FORMAT,
            "created": clock.now().isoformat(),
            "database": database,
            "keys_included": with_keys,
            "files": {
                str(p.relative_to(stage)): _sha256(p)
                for p in sorted(stage.rglob("*"))
                if p.is_file()
            },
        }
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if dest.exists():
            dest.rmdir()
        os.replace(stage, dest)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return manifest
