"""Parse + match throughput for 1M generated Squid native lines (issue 11), against grep -F -f.

Measures the hot path (read, split, Aho-Corasick keyword and domain match) on one core, without
the database; peak memory by getrusage. Run: .venv/bin/python benchmarks/bench_ingest.py
"""

import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import os  # noqa: E402

import django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialguard.settings")
django.setup()
from socialguard.monitoring.ingest import read_lines  # noqa: E402
from socialguard.monitoring.matcher import Matcher  # noqa: E402
from socialguard.monitoring.parsers import web  # noqa: E402

N = 1_000_000
rng = random.Random(11)
words = [f"{rng.choice(['buy', 'free', 'how', 'best'])}-{i:05d}-term" for i in range(4000)]
domains = [f"site{i:05d}.example" for i in range(3000)]
cats = {"c": SimpleNamespace(id="c", keywords=tuple(w.replace("-", " ") for w in words),
                             domains=tuple(domains))}  # fmt: skip
hosts = ["www.google.com", "www.bbc.co.uk", "classroom.google.com", "en.wikipedia.org"]

with tempfile.TemporaryDirectory() as tmp:
    log, kw = Path(tmp) / "access.log", Path(tmp) / "keywords.txt"
    kw.write_text("\n".join(words + domains) + "\n")
    with log.open("w") as out:
        for i in range(N):
            if i % 500 == 0:
                url = f"http://www.google.com/search?q={rng.choice(words).replace('-', '+')}"
            elif i % 777 == 0:
                url = f"http://{rng.choice(domains)}/"
            else:
                url = f"http://{rng.choice(hosts)}/page/{i}?id={i}"
            out.write(f"1700000000.{i % 1000:03d}    12 10.0.{i % 250}.{i % 200} TCP_MISS/200 "
                      f"1234 GET {url} user{i % 900} HIER_DIRECT/1.2.3.4 text/html\n")  # fmt: skip
    matcher = Matcher(cats)
    start, hits = time.perf_counter(), 0
    with log.open("rb") as handle:
        for _number, text in read_lines(handle):
            event = web.squid(text)
            if matcher.match(event.targets, event.host):
                hits += 1
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    g0 = time.perf_counter()
    subprocess.run(["grep", "-c", "-F", "-f", str(kw), str(log)], capture_output=True, check=False)
    grep_s = time.perf_counter() - g0
    print(f"lines: {N:,}  hits: {hits:,}  patterns: {len(words) + len(domains):,}")
    print(f"SocialGuard: {N / seconds:,.0f} lines/s ({seconds:.2f} s) on one core")
    print(f"grep -F -f:  {N / grep_s:,.0f} lines/s ({grep_s:.2f} s); SocialGuard/grep time ratio "
          f"{seconds / grep_s:.1f}x")  # fmt: skip
    print(f"peak resident memory (whole process): {peak / 1e6:.1f} MB")
