"""The data directory holds the keys, the database, evidence and photos of pupils: nobody but the
account SocialGuard runs as may read it. A umask makes everything written from start-up private,
and start-up tightens what an older version (or a copy from a backup) left open.

Imports nothing from Django, so the entry points can call it before anything else runs.
"""

import os
import stat
import tempfile
from pathlib import Path

PRIVATE_UMASK = 0o077
# Group and other permission bits: none of them may be set on anything in the data directory.
OPEN_BITS = 0o077


def private_umask() -> None:
    """New files 0600 and new folders 0700, whichever code writes them (SQLite, Pillow, …)."""
    os.umask(PRIVATE_UMASK)


# Folders other software and other accounts use too: set as the data directory by mistake, they
# are reported by `check --deploy`, never walked and tightened.
SYSTEM_FOLDERS = ("/etc", "/home", "/opt", "/srv", "/tmp", "/usr", "/var", "/var/lib", "/var/tmp")


def is_shared_folder(data_dir: Path) -> bool:
    """A folder that is plainly not SocialGuard's alone."""
    resolved = Path(data_dir).resolve()
    shared = {Path(resolved.anchor), Path.home(), Path(tempfile.gettempdir())}
    shared |= {Path(folder) for folder in SYSTEM_FOLDERS}
    return resolved in {folder.resolve() for folder in shared}


def _walk(data_dir: Path):
    """The data directory and everything in it, without following symbolic links."""
    yield data_dir
    for folder, dirnames, filenames in os.walk(data_dir, followlinks=False):
        for name in (*dirnames, *filenames):
            yield Path(folder) / name


def _open_mode(path: Path) -> int | None:
    """The group/other bits set on `path`, or None for a link or a path that has gone."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        return None
    return stat.S_IMODE(info.st_mode)


def data_dir_open_paths(data_dir: Path) -> list[Path]:
    """Everything in the data directory that other accounts on the machine could read or enter."""
    data_dir = Path(data_dir)
    if os.name == "nt" or not data_dir.is_dir():
        return []
    found = []
    for path in _walk(data_dir):
        mode = _open_mode(path)
        if mode is not None and mode & OPEN_BITS:
            found.append(path)
    return found


def data_dir_tighten(data_dir: Path) -> list[Path]:
    """Take the group/other bits off the data directory and everything in it (folders become
    0700, files 0600). Returns what could not be changed (it belongs to another account, or the
    file system has no modes); a shared folder such as a home folder is left alone entirely."""
    data_dir = Path(data_dir)
    if os.name == "nt" or not data_dir.is_dir():
        return []
    if is_shared_folder(data_dir):
        return data_dir_open_paths(data_dir)
    stuck = []
    for path in _walk(data_dir):
        mode = _open_mode(path)
        if mode is None or not mode & OPEN_BITS:
            continue
        try:
            os.chmod(path, mode & ~OPEN_BITS)
        except OSError:
            stuck.append(path)
    return stuck
