"""The tamper suite: an attacker who owns the database (but not the audit key or the data
directory) edits, deletes, inserts, reorders, cuts the tail, renumbers, recomputes the chain or
truncates the table; `audit-verify` names every problem, with event ids and reasons."""

import hashlib
import hmac
import json

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from socialguard.audit.checkpoints import checkpoint_path, checkpoint_write
from socialguard.audit.models import AuditEvent
from socialguard.audit.services import (
    GENESIS,
    HASH_HMAC,
    HASH_SHA256,
    audit_record,
    audit_verify,
    canonical,
    key_id,
)
from socialguard.audit.triggers import (
    append_only_sql,
    drop_append_only_sql,
    drop_no_truncate_sql,
    no_truncate_sql,
)
from socialguard.web.schedule import run_sweeps

pytestmark = [pytest.mark.django_db, pytest.mark.clause("SLT-3")]
TABLE = "audit_auditevent"


def _events(n=6):
    return [
        audit_record(action=f"test.{i}", object_type="test", object_id=str(i), detail={"i": i})
        for i in range(1, n + 1)
    ]


def _tamper(*sqls, params=None):
    """What an attacker with database access does: lift the triggers, change rows, put them back."""
    with connection.cursor() as cursor:
        for statement in drop_append_only_sql(connection.vendor, TABLE):
            cursor.execute(statement)
        for sql in sqls:
            cursor.execute(sql, params or [])
        for statement in append_only_sql(connection.vendor, TABLE):
            cursor.execute(statement)


def _problems() -> dict[int | None, list[str]]:
    found: dict[int | None, list[str]] = {}
    for problem in audit_verify().problems:
        found.setdefault(problem.event_id, []).append(problem.reason)
    return found


def _cli_json(capsys) -> tuple[int, dict]:
    try:
        call_command("audit-verify", "--format", "json")
        code = 0
    except SystemExit as exit_info:
        code = exit_info.code
    return code, json.loads(capsys.readouterr().out)


def _rechain(seal, *, version: int, kid: str, edit: dict | None = None):
    """Recompute every hash with the product's own canonical(), as the attacker would."""
    previous = GENESIS
    updates = []
    for event in AuditEvent.objects.order_by("id"):
        label = (edit or {}).get(event.id, event.actor_label)
        payload = canonical(
            sequence=event.id,
            created_at=event.created_at.isoformat(timespec="microseconds"),
            actor_id=event.actor_id,
            actor_label=label,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            detail=event.detail,
            request_id=event.request_id,
            previous_hash=previous,
            hash_version=version,
            key_id=kid,
        )
        digest = seal(payload)
        updates.append((event.id, label, previous, digest))
        previous = digest
    with connection.cursor() as cursor:
        for statement in drop_append_only_sql(connection.vendor, TABLE):
            cursor.execute(statement)
        for event_id, label, prev, digest in updates:
            cursor.execute(
                f"UPDATE {TABLE} SET actor_label = %s, previous_hash = %s, hash = %s, "
                "hash_version = %s, key_id = %s WHERE id = %s",
                [label, prev, digest, version, kid, event_id],
            )
        for statement in append_only_sql(connection.vendor, TABLE):
            cursor.execute(statement)


def _renumber_from(first: int):
    """Close a gap: every event from `first` on moves down by one."""
    _tamper(
        f"UPDATE {TABLE} SET id = -id WHERE id > {first}",
        f"UPDATE {TABLE} SET id = -id - 1 WHERE id < 0",
    )


def test_it_is_intact_and_anchored_by_the_sweep(checkpoint_file):
    _events()
    run_sweeps()
    lines = checkpoint_file.read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    # other apps' sweeps (loaded by other tests) may add events of their own before the checkpoint
    total = AuditEvent.objects.count()
    assert total >= 6
    assert (record["events"], record["head_id"], record["by"]) == (total, total, "sweep")
    assert oct(checkpoint_file.stat().st_mode & 0o777) == "0o600"
    report = audit_verify()
    assert report.intact and report.checkpoints == 1


def test_it_names_an_edited_event(capsys):
    _events()
    _tamper(f"UPDATE {TABLE} SET action = 'forged' WHERE id = 3")
    assert list(_problems()) == [3]
    assert "does not match its seal" in _problems()[3][0]
    code, report = _cli_json(capsys)
    assert code == 1 and report["intact"] is False and report["events"] == 6
    assert report["problems"][0]["event_id"] == 3


def test_it_names_a_deleted_event():
    _events()
    _tamper(f"DELETE FROM {TABLE} WHERE id = 2")
    problems = _problems()
    assert list(problems) == [2]
    assert "event #2 is missing" in problems[2][0]


def test_it_names_inserted_events_at_the_end_and_in_the_middle():
    _events()
    _tamper(
        f"INSERT INTO {TABLE} (id, created_at, actor_id, actor_label, action, object_type, "
        "object_id, detail, request_id, previous_hash, hash, hash_version, key_id) VALUES "
        f"(7, '2026-01-01 00:00:00', NULL, 'intruder', 'forged', '', '', '{{}}', '', "
        f"'{'0' * 64}', '{'f' * 64}', 2, '{key_id()}')"
    )
    problems = _problems()
    assert list(problems) == [7]
    assert any("previous-hash" in r for r in problems[7])
    assert any("does not match its seal" in r for r in problems[7])


def test_it_names_every_event_pushed_along_by_an_insertion_in_the_middle():
    _events()
    _tamper(
        f"UPDATE {TABLE} SET id = -id WHERE id >= 3",
        f"UPDATE {TABLE} SET id = -id + 1 WHERE id < 0",
        f"INSERT INTO {TABLE} (id, created_at, actor_id, actor_label, action, object_type, "
        "object_id, detail, request_id, previous_hash, hash, hash_version, key_id) VALUES "
        f"(3, '2026-01-01 00:00:00', NULL, 'intruder', 'forged', '', '', '{{}}', '', "
        f"'{'0' * 64}', '{'e' * 64}', 2, '{key_id()}')",
    )
    problems = _problems()
    assert sorted(problems) == [3, 4, 5, 6, 7]


def test_it_names_both_events_when_two_are_swapped():
    _events()
    _tamper(
        f"UPDATE {TABLE} SET id = -1 WHERE id = 2",
        f"UPDATE {TABLE} SET id = 2 WHERE id = 3",
        f"UPDATE {TABLE} SET id = 3 WHERE id = -1",
    )
    problems = _problems()
    assert 2 in problems and 3 in problems
    assert all("does not match its seal" in " ".join(problems[i]) for i in (2, 3))


def test_it_finds_a_cut_tail_through_the_checkpoints(capsys):
    _events()
    checkpoint_write(by="sweep")
    _tamper(f"DELETE FROM {TABLE} WHERE id > 4")
    problems = _problems()
    assert list(problems) == [5]
    assert "events #5–#6 are missing" in problems[5][0]
    assert "checkpoint" in problems[5][0]
    code, report = _cli_json(capsys)
    assert code == 1 and report["events"] == 4
    assert [p["event_id"] for p in report["problems"]] == [5]


def test_it_finds_a_cut_tail_even_after_new_events_took_its_place():
    _events()
    checkpoint_write(by="sweep")
    _tamper(f"DELETE FROM {TABLE} WHERE id > 4")
    _events(2)  # the product carries on: new #5 and #6, chained to #4
    problems = _problems()
    assert list(problems) == [6]
    assert "differs from the checkpoint" in problems[6][0]


def test_it_finds_a_delete_and_renumber():
    _events()
    checkpoint_write(by="sweep")
    _tamper(f"DELETE FROM {TABLE} WHERE id = 3")
    _renumber_from(3)
    problems = _problems()
    assert 3 in problems and "previous-hash" in " ".join(problems[3])
    assert {4, 5} <= set(problems)  # renumbered: their seals cover their number
    assert any("event #6 is missing: the checkpoint" in r for r in problems[6])


def test_it_finds_a_delete_and_renumber_recomputed_without_the_key():
    _events()
    checkpoint_write(by="sweep")
    _tamper(f"DELETE FROM {TABLE} WHERE id = 3")
    _renumber_from(3)
    _rechain(lambda p: hashlib.sha256(p).hexdigest(), version=HASH_SHA256, kid="")
    problems = _problems()
    assert sorted(problems) == [1, 2, 3, 4, 5, 6]
    assert all("unkeyed" in problems[i][0] for i in range(1, 6))
    assert any("missing" in r and "checkpoint" in r for r in problems[6])


def test_it_finds_the_whole_chain_recomputed_with_canonical_and_no_key(capsys):
    _events()
    _rechain(
        lambda p: hashlib.sha256(p).hexdigest(),
        version=HASH_SHA256,
        kid="",
        edit={2: "somebody-else"},
    )
    problems = _problems()
    assert sorted(problems) == [1, 2, 3, 4, 5, 6]
    assert all("unkeyed" in reasons[0] for reasons in problems.values())
    code, report = _cli_json(capsys)
    assert code == 1 and len(report["problems"]) == 6


def test_it_finds_the_whole_chain_recomputed_with_a_wrong_key():
    _events()
    wrong = b"the attacker's own key"
    _rechain(
        lambda p: hmac.new(wrong, p, hashlib.sha256).hexdigest(),
        version=HASH_HMAC,
        kid=key_id(),  # pretending to be ours: the key id is readable in the database
        edit={2: "somebody-else"},
    )
    problems = _problems()
    assert sorted(problems) == [1, 2, 3, 4, 5, 6]
    assert all("does not match its seal" in r[0] for r in problems.values())

    _rechain(
        lambda p: hmac.new(wrong, p, hashlib.sha256).hexdigest(),
        version=HASH_HMAC,
        kid=key_id(wrong),
    )
    problems = _problems()
    assert all("another audit key" in r[0] for r in problems.values())


def test_it_finds_a_rechained_chain_through_the_checkpoints_even_with_the_key(settings):
    """Defence in depth: with the key stolen but not the checkpoint file, a rewrite still shows."""
    _events()
    checkpoint_write(by="sweep")
    key = settings.AUDIT_KEY.encode()
    _rechain(
        lambda p: hmac.new(key, p, hashlib.sha256).hexdigest(),
        version=HASH_HMAC,
        kid=key_id(),
        edit={2: "somebody-else"},
    )
    problems = _problems()
    assert list(problems) == [6]
    assert "differs from the checkpoint" in problems[6][0]


def test_it_finds_an_edited_or_shortened_checkpoint_file():
    _events(2)
    checkpoint_write(by="sweep")
    _events(1)
    checkpoint_write(by="sweep")
    _events(1)
    checkpoint_write(by="sweep")
    path = checkpoint_path()
    lines = path.read_text().splitlines()
    assert len(lines) == 3
    edited = json.loads(lines[2])
    edited["head_id"] = 3
    path.write_text("\n".join([lines[0], lines[2]]) + "\n" + json.dumps(edited) + "\n")
    reasons = [p.reason for p in audit_verify().problems]
    assert any("does not follow the line before it" in r for r in reasons)
    assert any("does not match its signature" in r for r in reasons)


def test_it_lists_every_problem_in_plain_words(capsys):
    _events()
    checkpoint_write(by="sweep")
    _tamper(
        f"UPDATE {TABLE} SET action = 'forged' WHERE id = 2",
        f"DELETE FROM {TABLE} WHERE id = 4",
        f"DELETE FROM {TABLE} WHERE id = 6",
    )
    with pytest.raises(SystemExit) as exit_info:
        call_command("audit-verify")
    out = capsys.readouterr().out
    assert exit_info.value.code == 1
    assert "3 problems" in out
    assert "- event #2: its content does not match its seal" in out
    assert "- event #4: event #4 is missing (deleted)" in out
    assert "- event #6: event #6 is missing: the checkpoint of " in out


def test_the_audit_page_lists_every_problem(client, signed_in):
    signed_in("headteacher")
    _events()
    checkpoint_write(by="sweep")
    _tamper(
        f"UPDATE {TABLE} SET action = 'forged' WHERE id = 2",
        f"DELETE FROM {TABLE} WHERE id = 4",
    )
    page = client.get("/audit/", {"verify": "1"}).content.decode()
    assert "The chain is broken: 2 problems" in page
    assert "Entry #2: its content does not match its seal" in page
    assert "Entry #4: event #4 is missing (deleted)" in page


@pytest.mark.postgres
def test_it_refuses_and_detects_truncate_on_postgresql(capsys):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE triggers are PostgreSQL's")
    _events()
    checkpoint_write(by="sweep")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {TABLE}")
    assert AuditEvent.objects.count() == 6

    # An attacker who owns the database drops the trigger first: the checkpoints still tell.
    with connection.cursor() as cursor:
        for statement in drop_no_truncate_sql(connection.vendor, TABLE):
            cursor.execute(statement)
        cursor.execute(f"TRUNCATE {TABLE}")
        for statement in no_truncate_sql(connection.vendor, TABLE):
            cursor.execute(statement)
    code, report = _cli_json(capsys)
    assert code == 1 and report["events"] == 0
    assert report["problems"][0]["event_id"] == 1
    assert "events #1–#6 are missing" in report["problems"][0]["reason"]
