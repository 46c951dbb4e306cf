"""Restore a backup made by `socialguard backup` into an empty data directory.

Every file is checked against the manifest before anything is written: a tampered or
incomplete backup is refused and the data directory is left as it was.
"""

import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection

from .backup import (
    CHECKPOINTS,
    FORMAT,
    KEY_FILES,
    BackupError,
    _is_postgres,
    _pg_env,
    _pg_url,
    _sha256,
    _sqlite_path,
)


def _manifest(src: Path) -> dict:
    try:
        manifest = json.loads((src / "manifest.json").read_text())
    except FileNotFoundError:
        raise BackupError(f"{src} has no manifest.json: it is not a SocialGuard backup") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{src / 'manifest.json'} cannot be read: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{src / 'manifest.json'} is not a format {FORMAT} backup manifest")
    return manifest


def _check_files(src: Path, manifest: dict, keys_dir: Path | None) -> dict[str, Path]:
    """Each file of the backup and where it is, after checking its hash; refuses on any doubt."""
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise BackupError("manifest.json lists no files")
    found = {}
    for name, expected in files.items():
        relative = Path(name)
        if relative.is_absolute() or ".." in relative.parts:
            raise BackupError(f"manifest.json names a file outside the backup: {name}")
        path = src / relative
        if relative.parts[0] == "keys" and keys_dir is not None:
            path = keys_dir / relative.name
        if not path.is_file():
            raise BackupError(f"{path} is missing from the backup")
        if _sha256(path) != expected:
            raise BackupError(f"{path} does not match its SHA-256 in manifest.json (tampered?)")
        found[name] = path
    if not manifest.get("keys_included"):
        if keys_dir is None:
            raise BackupError("this backup was made --without-keys: give the keys with --keys DIR")
        for key in KEY_FILES:
            if not (keys_dir / key).is_file():
                raise BackupError(f"{keys_dir / key} is missing (--keys)")
            found[f"keys/{key}"] = keys_dir / key
    database = "database/socialguard." + ("pgdump" if _is_postgres() else "sqlite3")
    if database not in found:
        kind = manifest.get("database")
        raise BackupError(f"this backup holds a {kind} database; DATABASE_URL points elsewhere")
    return found


def _database_is_empty() -> bool:
    if _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            return cursor.fetchone()[0] == 0
    path = _sqlite_path()
    if not path.exists():
        return True
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def _check_empty(data_dir: Path) -> None:
    # Starting any command writes fresh keys into a new data directory: those alone may be replaced.
    allowed = set(KEY_FILES) | {f"{Path(k).stem}.tmp" for k in KEY_FILES}
    if not _is_postgres():
        db = _sqlite_path()
        allowed |= {db.name, f"{db.name}-wal", f"{db.name}-shm"}
    present = sorted(p.name for p in data_dir.iterdir()) if data_dir.is_dir() else []
    other = [name for name in present if name not in allowed]
    if other or not _database_is_empty():
        what = ", ".join(other[:5]) or "the database has tables"
        raise BackupError(
            f"the data directory {data_dir} is not empty ({what}): restore only into an empty one"
        )


def _restore_database(path: Path) -> None:
    connection.close()
    if _is_postgres():
        result = subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_pg_url()}", str(path)],
            env=_pg_env(),
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        return
    target = _sqlite_path()
    for leftover in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        leftover.unlink(missing_ok=True)
    source, copy = sqlite3.connect(path), sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy)
    finally:
        copy.close()
        source.close()


def backup_restore(*, src: Path, keys_dir: Path | None = None) -> dict:
    """Check the backup in `src`, then restore it into the (empty) data directory."""
    src, data_dir = Path(src), Path(settings.DATA_DIR).resolve()
    manifest = _manifest(src)
    found = _check_files(src, manifest, Path(keys_dir) if keys_dir else None)
    _check_empty(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, path in found.items():
        relative = Path(name)
        if relative.parts[0] == "keys":
            target = data_dir / relative.name
        elif relative.parts[0] == "data":
            target = data_dir.joinpath(*relative.parts[1:])
        elif name == CHECKPOINTS:
            target = data_dir / CHECKPOINTS
        else:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    database = next(p for n, p in found.items() if n.startswith("database/"))
    _restore_database(database)
    return {"restored": str(data_dir), "files": len(found), "database": manifest["database"]}
