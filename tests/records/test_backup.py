"""`socialguard backup` and `socialguard restore`: a real round trip between two data directories,
each command in a process of its own, on SQLite and on PostgreSQL."""

import json
import socket
import uuid
from pathlib import Path

import pytest

from tests.web.test_data_dir import socialguard

ADD_EVIDENCE = """
import io
from PIL import Image
from django.contrib.auth import get_user_model
from socialguard import clock
from socialguard.casework import services
from socialguard.casework.models import Case
buffer = io.BytesIO()
Image.new("RGB", (32, 32), "purple").save(buffer, "PNG")
case = Case.objects.order_by("id").first()
user = get_user_model().objects.filter(is_superuser=False).order_by("id").first()
services.evidence_add_file(case=case, user=user, upload=services.Upload(
    content=buffer.getvalue(), name="shot.png", captured_at=clock.now(),
    site_address="https://facebook.example/post/1"))
"""


def run(data_dir: Path, *args: str, **env) -> tuple[int, dict | str]:
    result = socialguard(data_dir, *args, umask=-1, **env)
    try:
        return result.returncode, json.loads(result.stdout)
    except ValueError:
        return result.returncode, result.stdout + result.stderr


def school_with_evidence(data_dir: Path, **env) -> None:
    for args in (
        ("migrate", "--noinput", "-v", "0"),
        ("load-demo",),
        ("shell", "-c", ADD_EVIDENCE),
    ):
        result = socialguard(data_dir, *args, umask=-1, **env)
        assert result.returncode == 0, result.stderr
    code, report = run(data_dir, "verify-evidence", "--format", "json", **env)
    assert code == 0 and report["checked"] >= 1, report
    assert run(data_dir, "audit-verify", **env)[0] == 0  # leaves a checkpoint to carry over


def round_trip(tmp_path: Path, source_env: dict, target_env: dict) -> None:
    source, target, dest = tmp_path / "school", tmp_path / "restored", tmp_path / "backup"
    school_with_evidence(source, **source_env)

    code, made = run(source, "backup", str(dest), "--format", "json", **source_env)
    assert code == 0, made
    assert sorted(p.name for p in (dest / "keys").iterdir()) == [
        "audit.key",
        "master.key",
        "secret.key",
    ]
    assert any(name.startswith("data/evidence/") for name in made["files"])
    assert "audit-checkpoints.log" in made["files"]

    code, restored = run(target, "restore", str(dest), "--format", "json", **target_env)
    assert code == 0, restored
    code, evidence = run(target, "verify-evidence", "--format", "json", **target_env)
    assert code == 0 and evidence["checked"] >= 1 and evidence["intact"], evidence
    code, audit = run(target, "audit-verify", "--format", "json", **target_env)
    assert code == 0 and audit["intact"] and audit["events"] > 0, audit
    assert (target / "master.key").read_text().strip() == (
        source / "master.key"
    ).read_text().strip()


@pytest.mark.clause("SLT-3")
def test_it_restores_a_sqlite_backup_that_passes_both_verifications(tmp_path):
    round_trip(tmp_path, {}, {})


def postgres_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def scratch_databases():
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not listening on 127.0.0.1:5432")
    import psycopg

    names = [f"sg_records_{uuid.uuid4().hex[:8]}_{side}" for side in ("a", "b")]
    admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
    for name in names:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield [f"postgresql://postgres@127.0.0.1:5432/{name}" for name in names]
    for name in names:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.mark.clause("SLT-3")
def test_it_restores_a_postgresql_backup_that_passes_both_verifications(
    tmp_path, scratch_databases
):
    source_url, target_url = scratch_databases
    round_trip(tmp_path, {"DATABASE_URL": source_url}, {"DATABASE_URL": target_url})


@pytest.fixture(scope="module")
def a_backup(tmp_path_factory):
    root = tmp_path_factory.mktemp("records-backup")
    school_with_evidence(root / "school")
    code, made = run(root / "school", "backup", str(root / "backup"), "--format", "json")
    assert code == 0, made
    return root / "backup"


def copy_of(backup: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(backup, tmp_path / "copy"))


def test_it_refuses_a_tampered_backup_and_writes_nothing(a_backup, tmp_path):
    backup = copy_of(a_backup, tmp_path)
    evidence = next((backup / "data" / "evidence").rglob("*"))
    while evidence.is_dir():
        evidence = next(evidence.iterdir())
    evidence.write_bytes(evidence.read_bytes()[:-1] + b"x")
    code, answer = run(tmp_path / "empty", "restore", str(backup), "--format", "json")
    assert code == 1 and "does not match its SHA-256" in answer["reason"]
    leftovers = {p.name for p in (tmp_path / "empty").iterdir()}
    assert leftovers <= {"secret.key", "master.key", "audit.key"}  # only a fresh start's keys


def test_it_refuses_to_restore_into_a_data_directory_that_is_not_empty(a_backup, tmp_path):
    target = tmp_path / "in-use"
    target.mkdir()
    (target / "evidence").mkdir()
    code, answer = run(target, "restore", str(a_backup), "--format", "json")
    assert code == 1 and str(target) in answer["reason"] and "not empty" in answer["reason"]


def test_it_refuses_a_destination_that_is_not_empty(tmp_path):
    dest = tmp_path / "full"
    dest.mkdir()
    (dest / "something").write_text("x")
    code, answer = run(tmp_path / "school", "backup", str(dest), "--format", "json")
    assert code == 1 and "not empty" in answer["reason"]
    assert [p.name for p in dest.iterdir()] == ["something"]


def test_it_leaves_the_keys_out_when_asked_and_restores_with_keys_kept_apart(a_backup, tmp_path):
    source = a_backup.parent / "school"
    dest = tmp_path / "no-keys"
    code, made = run(source, "backup", str(dest), "--without-keys", "--format", "json")
    assert code == 0 and not (dest / "keys").exists()
    assert not any(name.startswith("keys/") for name in made["files"])
    code, answer = run(tmp_path / "target", "restore", str(dest), "--format", "json")
    assert code == 1 and "--keys" in answer["reason"]
    code, answer = run(
        tmp_path / "target2",
        "restore",
        str(dest),
        "--keys",
        str(a_backup / "keys"),
        "--format",
        "json",
    )
    assert code == 0, answer
    assert run(tmp_path / "target2", "verify-evidence")[0] == 0
