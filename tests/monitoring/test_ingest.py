"""Ingest (MON-1): every source parses, hostile input is malformed, files are never counted twice."""

import gzip
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from socialguard.monitoring.ingest import IngestError, ingest_file
from socialguard.monitoring.models import IngestFile, LogLine

DATA = Path(__file__).parent / "data"
SQUID = ("1157689320.327   2864 10.105.21.199 TCP_MISS/200 10182 GET "
         "http://www.google.com/search?q={q} pupil8 DIRECT/175.16.199.61 text/html\n")  # fmt: skip


def _squid(tmp_path, n=10, q="weather"):
    path = tmp_path / "access.log"
    path.write_text("".join(SQUID.format(q=q) for _ in range(n)))
    return path


@pytest.mark.django_db
@pytest.mark.clause("MON-1")
def test_twice_is_not_counted_twice_and_gzip_is_read(tmp_path):
    path = _squid(tmp_path, 5)
    first = ingest_file(path, "squid")
    again = ingest_file(path, "squid")
    assert first["parsed"] == 5 and again.get("already_ingested")
    assert LogLine.objects.count() == 5
    gz = tmp_path / "access.log.gz"
    gz.write_bytes(gzip.compress(_squid(tmp_path, 7).read_bytes()))
    assert ingest_file(gz, "squid")["parsed"] == 7


@pytest.mark.django_db
def test_interrupted_ingest_resumes_after_the_last_batch(tmp_path):
    path = _squid(tmp_path, 5000)
    partial = ingest_file(path, "squid", stop_after=2000)
    assert partial["lines"] == 2000 and not IngestFile.objects.get().complete
    done = ingest_file(path, "squid")
    assert done["parsed"] == 5000 and LogLine.objects.count() == 5000


@pytest.mark.django_db
def test_hostile_lines_are_malformed_with_line_numbers(tmp_path):
    path = tmp_path / "bad.log"
    good = SQUID.format(q="x").encode()
    path.write_bytes(good + b"A" * 100_000 + b"\n" + b"\xff\xfe bad utf8\n" + b"\x00\x01\x02\n"
                     + good + b"[" * 50_000 + b"\n")  # fmt: skip
    result = ingest_file(path, "squid")
    assert result["parsed"] == 2 and result["malformed"] == 4
    assert result["malformed_samples"] == [2, 3, 4, 6]
    bomb = tmp_path / "bomb.jsonl"
    bomb.write_text("[" * 10_000 + "]" * 10_000 + "\n" + '{"a":' * 150 + "1" + "}" * 150 + "\n")
    assert ingest_file(bomb, "zscaler")["malformed"] == 2


@pytest.mark.django_db
def test_unknown_source_and_unreadable_file_exit_2(tmp_path, capsys):
    with pytest.raises(IngestError):
        ingest_file(tmp_path / "missing.log", "squid")
    for args in (["nope.log", "--source", "squid"], [str(_squid(tmp_path)), "--source", "bogus"]):
        with pytest.raises(SystemExit) as exc:
            call_command("ingest-log", *args)
        assert exc.value.code == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "source,name,parsed,malformed",
    [("fortigate", "fortigate.log", 2, 1), ("sophos", "sophos.log", 2, 0),
     ("google-workspace", "google-workspace.jsonl", 3, 1), ("m365", "m365.jsonl", 2, 1)],
)  # fmt: skip
def test_own_fixtures_parse(source, name, parsed, malformed, capsys):
    call_command("ingest-log", str(DATA / name), "--source", source, "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"source", "lines", "parsed", "malformed", "malformed_samples", "flags",
                        "by_severity", "seconds"}  # fmt: skip
    assert (out["parsed"], out["malformed"]) == (parsed, malformed)


SHARED = {
    "squid": "logs/squid/elastic_integrations/squid-log-access.log",
    "squid-extended": "logs/squid/elastic_integrations/test-access-extensive.log",
    "umbrella": "logs/other_proxy/elastic_integrations/cisco_umbrella_test-umbrella-proxylogs.log",
    "zscaler": "logs/other_proxy/elastic_integrations/zscaler_zia_test-web.log",
    "postfix": "logs/mail/fail2ban/postfix",
    "exim": "logs/mail/fail2ban/exim",
}


@pytest.mark.django_db
@pytest.mark.parametrize("source", sorted(SHARED))
def test_real_samples_parse(shared_data, source):
    result = ingest_file(shared_data / SHARED[source], source)
    assert result["parsed"] > 0, result
    assert result["parsed"] >= result["malformed"] or source in ("postfix", "exim")
