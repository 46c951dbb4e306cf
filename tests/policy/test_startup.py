import os
import stat
import subprocess
import sys
from pathlib import Path


def _run(env_extra, *args):
    env = {**os.environ, **env_extra}
    env.pop("SOCIALGUARD_SECRET_KEY", None)
    env.pop("SOCIALGUARD_MASTER_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "socialguard.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_creates_the_keys_with_mode_0600_on_first_run(tmp_path):
    result = _run(
        {"SOCIALGUARD_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "socialguard.settings"},
        "check",
    )
    assert result.returncode == 0, result.stderr
    for name in ("secret.key", "master.key"):
        key = tmp_path / name
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert len(key.read_text().strip()) >= 40
    first = (tmp_path / "master.key").read_text()
    _run(
        {"SOCIALGUARD_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "socialguard.settings"},
        "check",
    )
    assert (tmp_path / "master.key").read_text() == first


def test_a_broken_pack_stops_commands_with_the_key_named(tmp_path):
    pack = Path(__file__).resolve().parents[2] / "socialguard/policy/packs/st-martins.toml"
    broken = tmp_path / "broken.toml"
    broken.write_text(
        pack.read_text(encoding="utf-8").replace("triage = 24", "triage = -1"), encoding="utf-8"
    )
    result = _run(
        {
            "SOCIALGUARD_DATA_DIR": str(tmp_path),
            "SOCIALGUARD_POLICY_PACK": str(broken),
            "DJANGO_SETTINGS_MODULE": "socialguard.settings",
        },
        "check",
    )
    assert result.returncode != 0
    assert "deadlines.triage: must be a positive number of hours" in result.stderr
    assert "Traceback" not in result.stderr
