"""SLT-5: no byte of an item that may be an indecent image of a child is ever kept."""

import io
import os
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from socialguard.casework import vault
from socialguard.casework.models import Case, Evidence, EvidenceKey
from socialguard.casework.permissions import can_view_case
from tests.casework.test_evidence import upload
from tests.casework.test_report import form_data, png_bytes
from tests.conftest import sign_in

MARKER = b"SLT5-MARKER-7f3c9a1e-DO-NOT-KEEP"


def big_item():
    # Over Django's 2.5 MB in-memory limit, so the default handlers would spool it to a temp file.
    return MARKER + os.urandom(3 * 1024 * 1024) + MARKER


def vault_files() -> set:
    return set((Path(settings.DATA_DIR) / "evidence").glob("*"))


def assert_no_trace(since: float):
    roots = {Path(settings.DATA_DIR), Path(tempfile.gettempdir())}
    for root in roots:
        for path in root.rglob("*"):
            try:
                if (
                    path.is_file()
                    and path.stat().st_mtime >= since - 1
                    and path.stat().st_size < 50_000_000
                ):
                    assert MARKER not in path.read_bytes(), f"marker found in {path}"
            except (PermissionError, FileNotFoundError):
                continue
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')  # every table of the database
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview | bytearray):
                        assert MARKER not in bytes(value), f"marker found in {table}"
                    elif isinstance(value, str):
                        assert MARKER.decode() not in value, f"marker found in {table}"


@pytest.mark.clause("SLT-5")
def test_it_keeps_no_byte_of_a_flagged_upload_on_disk_in_the_database_or_in_temp_files(
    client, school
):
    since, before = time.time(), vault_files()
    sign_in(client, school["teacher"])
    item = io.BytesIO(big_item())
    item.name = "image.png"
    response = client.post(
        reverse("casework:report"),
        form_data(
            indecent_image="yes",
            physical_location="Locked cupboard in the DSL's office",
            item_description="Photo on a pupil's phone",
            file=item,
            captured_at="2026-03-02T10:00",
        ),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.restricted and case.indecent_image
    held = Evidence.objects.get()
    assert (held.kind, held.storage_name, held.sha256) == ("physical_item", "", "")
    assert held.physical_location == "Locked cupboard in the DSL's office"
    police = case.actions.get(key="police_now")
    assert police.clause == "SLT-5" and police.due_at - police.created_at <= __import__(
        "datetime"
    ).timedelta(hours=1)
    assert {r.role for r in case.recipients.all()} <= {"headteacher", "dsl"}
    assert not can_view_case(school["deputy_dsl"], case) and not can_view_case(school["dpl"], case)
    assert can_view_case(school["dsl"], case) and can_view_case(school["headteacher"], case)
    assert vault_files() == before
    assert_no_trace(since)


@pytest.mark.clause("SLT-5")
def test_it_refuses_to_store_when_a_handler_flags_an_upload(client, school, report):
    since, before = time.time(), vault_files()
    case = report()
    sign_in(client, school["dsl"])
    response = upload(
        client,
        case,
        big_item(),
        name="x.png",
        may_be_indecent="yes",
        physical_location="Safe in the Head's office",
        held_by="Ms DSL",
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.restricted and case.actions.filter(key="police_now").exists()
    assert not EvidenceKey.objects.exists() and vault_files() == before
    assert_no_trace(since)


@pytest.mark.clause("SLT-5")
def test_it_refuses_an_upload_on_the_known_hash_list_the_same_way(client, school, report):
    content = png_bytes("green")
    path = vault.casework_config().known_hash_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(vault.sha256_hex(content) + "\n")
    try:
        case, before = report(), vault_files()
        sign_in(client, school["dsl"])
        response = upload(
            client, case, content, physical_location="Still on the reporting teacher's phone"
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.restricted and not EvidenceKey.objects.exists()
        assert Evidence.objects.get().refused_reason == "known_hash"
        assert vault_files() == before
    finally:
        path.unlink()


@pytest.mark.clause("SLT-5")
def test_it_crypto_shreds_an_item_flagged_after_it_was_stored(client, school, report):
    case = report()
    sign_in(client, school["dsl"])
    upload(client, case, png_bytes("yellow"))
    stored = Evidence.objects.get()
    file_path = Path(settings.DATA_DIR) / "evidence" / stored.storage_name
    assert file_path.exists()
    response = client.post(
        reverse("casework:evidence_flag", args=[case.reference, stored.reference]),
        {"physical_location": "Locked cupboard", "description": "Flagged on review"},
    )
    assert response.status_code == 302
    assert not file_path.exists() and not EvidenceKey.objects.filter(evidence=stored).exists()
    stored = Evidence.objects.get(pk=stored.pk)
    assert stored.sha256 and stored.custody.filter(action="shredded").exists()
    case.refresh_from_db()
    assert case.restricted and case.actions.filter(key="police_now").exists()
    download = client.get(
        reverse("casework:evidence_download", args=[case.reference, stored.reference])
    )
    assert download.status_code == 410 and "destroyed" in download.content.decode()
