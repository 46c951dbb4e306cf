#!/usr/bin/env python3
"""SocialGuard's two set-up commands, for a machine with only Python 3.11 and pip.

    python3 scripts/dev.py run    # install into .venv, migrate, load the demo school, serve on :8000
    python3 scripts/dev.py test   # install test dependencies into .venv, run the whole suite

Both are safe to run again: the install step is skipped when pyproject.toml has not changed.
Extra arguments after `test` go to pytest.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"


def _run(*args, **kwargs):
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.run([str(a) for a in args], check=True, cwd=ROOT, **kwargs)


def install(extras: str) -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"SocialGuard needs Python 3.11 (this is {sys.version.split()[0]}).")
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".socialguard-installed-{extras}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return
    _run(
        PYTHON,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "-e",
        f".[{extras}]",
    )
    stamp.write_text(digest)


def run() -> None:
    install("postgres")
    socialguard = BIN / "socialguard"
    _run(socialguard, "migrate", "--noinput", "-v", "0")
    _run(socialguard, "load-demo")
    data_dir = (ROOT / (os.environ.get("SOCIALGUARD_DATA_DIR") or "var")).resolve()
    print(f"Emails the demo sends are files in {data_dir / 'mail'} (one .eml each).", flush=True)
    os.execv(str(socialguard), [str(socialguard), "serve"])


def test(pytest_args: list[str]) -> int:
    install("test")
    env = dict(os.environ)
    return subprocess.call([str(PYTHON), "-m", "pytest", *pytest_args], cwd=ROOT, env=env)


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "run":
        run()
    elif command == "test":
        sys.exit(test(sys.argv[2:]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
