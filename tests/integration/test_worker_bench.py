"""The worker benchmark, small: it runs end to end, prints its table (one send at a time, the
concurrent send workers and the bare rq baseline, each instant and with provider latency), and
nothing is sent twice or lost (timings are not checked: they depend on the machine)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support import REDIS_URL, side_database

ROOT = Path(__file__).resolve().parents[2]


def test_bench_smoke_run_reports_figures_with_no_duplicates_or_losses():
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "worker.bench",
            "--n",
            "200",
            "--spread",
            "2",
            "--skip-forking-baseline",
            "--send-concurrency",
            "8",
            "--latency",
            "0.2",
            "--latency-n",
            "20",
            "--database-url",
            side_database("bench"),
            "--redis-url",
            REDIS_URL,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"^run\s+n\s+msg/s\s+p50 s\s+p99 s\s+max s\s+dup\s+lost$", out.stdout, re.M)
    row = r"\s+(\d+)\s+\d+\s+-?\d+\.\d\d\s+-?\d+\.\d\d\s+-?\d+\.\d\d\s+(\d+)\s+(\d+)$"
    names = [
        "python -m worker \\(one at a time\\) x2",
        "  same, 100/s due over 2 s",
        "  same, provider latency 200 ms",
        "python -m worker --send-concurrency 8 x2",
        "  same, 100/s due over 2 s",
        "  same, provider latency 200 ms",
        "  same, 100/s due over 2 s",
        "baseline bare_send, rq SimpleWorker x2",
        "  same, 100/s due over 2 s",
        "  same, provider latency 200 ms",
    ]
    rows = re.findall(r"^(\S.*?|  same.*?)" + row, out.stdout, re.M)
    assert [re.sub(r"\s+$", "", r[0]) for r in rows] == [re.sub(r"\\", "", n) for n in names], out.stdout
    assert [int(r[1]) for r in rows] == [200, 200, 20, 200, 200, 200, 200, 200, 200, 20]
    for r in rows:
        assert (r[2], r[3]) == ("0", "0")  # duplicates, lost
    assert "duplicates: 0  lost: 0" in out.stdout
