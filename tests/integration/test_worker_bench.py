"""The worker benchmark, small: it runs end to end, prints its table, and nothing is sent twice or
lost (timings are not checked: they depend on the machine)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import POSTGRES_URL, REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


def test_bench_smoke_run_reports_figures_with_no_duplicates_or_losses():
    out = subprocess.run(
        [sys.executable, "-m", "worker.bench", "--n", "200", "--spread", "2", "--skip-forking-baseline",
         "--database-url", POSTGRES_URL.rsplit("/", 1)[0] + "/jsc_test_bench", "--redis-url", REDIS_URL],
        cwd=ROOT, capture_output=True, text=True, timeout=150,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert re.search(r"^run\s+n\s+msg/s\s+p50 s\s+p99 s\s+max s\s+dup\s+lost$", out.stdout, re.M)
    row = r"\s+200\s+\d+\s+-?\d+\.\d\d\s+-?\d+\.\d\d\s+-?\d+\.\d\d\s+(\d+)\s+(\d+)$"
    ours = re.search(r"^python -m worker \(SimpleWorker\) x2" + row, out.stdout, re.M)
    paced = re.search(r"^  same, 100/s due over 2 s" + row, out.stdout, re.M)
    baseline = re.search(r"^baseline bare_send, rq SimpleWorker x2" + row, out.stdout, re.M)
    assert ours and paced and baseline, out.stdout
    for match in (ours, paced, baseline):
        assert match.groups() == ("0", "0")  # duplicates, lost
    assert "duplicates: 0  lost: 0" in out.stdout
