"""Write-then-commit for the evidence vault, the orphan sweep, and calendar-month dashboard buckets."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from socialguard import clock
from socialguard.casework import services, vault
from socialguard.casework.models import Case, Evidence
from socialguard.casework.views import calendar_months
from tests.casework.test_report import png_bytes
from tests.conftest import sign_in


@pytest.fixture(autouse=True)
def own_vault(settings, tmp_path):
    """A vault of this test's own: other tests' rolled-back uploads are orphans too."""
    settings.DATA_DIR = tmp_path


def vault_files() -> set[str]:
    return {p.name for p in vault.evidence_dir().iterdir()}


def an_upload(colour="red"):
    return services.Upload(
        content=png_bytes(colour),
        name="shot.png",
        captured_at=clock.now(),
        site_address="https://facebook.example/post/1",
    )


def fail_on(monkeypatch, action):
    real = services.audit_record

    def audit_record(**kwargs):
        if kwargs.get("action") == action:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(services, "audit_record", audit_record)


@pytest.mark.clause("SLT-3", "CB-6")
def test_it_removes_the_encrypted_file_when_the_report_rolls_back_after_it_was_written(
    monkeypatch, report
):
    vault.evidence_dir()
    before = vault_files()
    fail_on(monkeypatch, "case.reported")  # fails after the evidence file is written
    with pytest.raises(RuntimeError):
        report(upload=an_upload())
    assert vault_files() == before
    assert not Case.objects.exists() and not Evidence.objects.exists()


@pytest.mark.clause("SLT-3", "CB-6")
def test_it_removes_the_encrypted_file_when_adding_evidence_rolls_back(monkeypatch, school, report):
    case = report()
    before = vault_files()
    fail_on(monkeypatch, "evidence.uploaded")
    with pytest.raises(RuntimeError):
        services.evidence_add_file(case=case, user=school["dsl"], upload=an_upload())
    assert vault_files() == before and not Evidence.objects.exists()


@pytest.mark.clause("SLT-3", "SLT-5")
def test_it_sweeps_vault_files_no_committed_evidence_needs_and_keeps_the_rest(school, report):
    case = report()
    kept = services.evidence_add_file(case=case, user=school["dsl"], upload=an_upload("blue"))
    shredded = services.evidence_add_file(case=case, user=school["dsl"], upload=an_upload("green"))
    orphan = vault.encrypt_and_store(b"left behind by a process that died before commit")[
        "storage_name"
    ]
    services.evidence_flag_indecent(
        evidence=shredded, user=school["dsl"], physical_location="Locked cupboard"
    )
    leftover = vault.evidence_dir() / shredded.storage_name
    leftover.write_bytes(b"ciphertext that survived a failed unlink")
    unrelated = vault.evidence_dir() / "README"
    unrelated.write_text("not a vault file")

    now = datetime.now(UTC)
    assert services.vault_orphans_sweep(now) == 1  # the shred leftover goes at once
    assert (
        orphan in vault_files() and not leftover.exists()
    )  # an orphan may belong to an open transaction
    assert services.vault_orphans_sweep(now + services.ORPHAN_GRACE + timedelta(minutes=1)) == 1
    assert orphan not in vault_files() and kept.storage_name in vault_files() and unrelated.exists()
    assert services.evidence_read(evidence=kept, user=school["dsl"]) == png_bytes("blue")
    assert [row["status"] for row in services.evidence_verify_all()] == ["ok", "shredded"]


def test_it_runs_the_vault_sweep_with_the_background_tasks():
    from socialguard.casework import tasks
    from socialguard.web.schedule import SWEEPS

    assert tasks.casework_vault_orphans in SWEEPS


@pytest.mark.clause("PRIN-h")
def test_it_buckets_the_dashboard_trend_by_calendar_month():
    # 31-day steps back from 1 March skip February; calendar months never skip or repeat.
    months = calendar_months(datetime(2026, 3, 31, 12, tzinfo=UTC))
    assert months[-3:] == ["2026-01", "2026-02", "2026-03"]
    assert months[0] == "2025-04" and len(set(months)) == 12
    assert calendar_months(datetime(2026, 1, 15, tzinfo=UTC), 3) == [
        "2025-11",
        "2025-12",
        "2026-01",
    ]
    # school time (Europe/London): 23:30 UTC on 31 March 2026 is already 1 April
    assert calendar_months(datetime(2026, 3, 31, 23, 30, tzinfo=UTC), 1) == ["2026-04"]


@pytest.mark.clause("PRIN-h")
def test_it_counts_reports_in_the_calendar_month_they_were_made(client, school, report):
    for moment in (
        datetime(2026, 2, 1, 0, 30, tzinfo=UTC),
        datetime(2026, 2, 28, 18, tzinfo=UTC),
        datetime(2026, 3, 31, 23, 30, tzinfo=UTC),
        datetime(2025, 3, 31, 9, tzinfo=UTC),
    ):
        with clock.frozen(moment):
            report()
    sign_in(client, school["dsl"])
    with clock.frozen(datetime(2026, 4, 2, 9, tzinfo=UTC)):
        response = client.get(reverse("casework:dashboard"))
    bars = {bar["label"]: bar["value"] for bar in response.context["month_chart"]["bars"]}
    assert list(bars)[0] == "May 2025" and list(bars)[-1] == "Apr 2026" and len(bars) == 12
    assert (bars["Jan 2026"], bars["Feb 2026"], bars["Mar 2026"], bars["Apr 2026"]) == (0, 2, 0, 1)
    assert sum(bars.values()) == 3  # March 2025 is outside the last twelve months


@pytest.mark.clause("SLT-3")
def test_it_names_the_configured_upload_limit_when_refusing_a_file(
    client, school, report, settings
):
    assert [
        services.size_limit_text(n) for n in (25 * 1024 * 1024, 1536 * 1024, 500 * 1024, 10)
    ] == ["25 MB", "1.5 MB", "500 KB", "10 bytes"]
    settings.UPLOAD_MAX_BYTES = 100 * 1024
    with pytest.raises(vault.EvidenceRefused, match="larger than 100 KB"):
        services.evidence_add_file(
            case=report(),
            user=school["dsl"],
            upload=services.Upload(
                content=b"a" * (200 * 1024),
                name="big.txt",
                captured_at=clock.now(),
                site_address="https://x.example",
            ),
        )
    assert not Evidence.objects.exists() and not vault_files()
