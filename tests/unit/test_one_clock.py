"""One clock: the intake and the worker read the time only from the injected clock (`deps.clock`,
`services.clock`), so that a step's stamps and comparisons agree and tests can move time. The
model's `utcnow` is only the default of its dataclasses' time fields (`default_factory=utcnow`)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The model's own `utcnow` reads the wall clock, and the worker benchmark measures real lateness.
ALLOWED = {"intake/model.py:utcnow", "worker/bench.py"}


def _wall_clock_calls(rel: str, source: str) -> list[str]:
    """Calls of `utcnow()`, `datetime.now()` or `datetime.utcnow()` in a module, as 'file:line'."""
    found = []
    tree = ast.parse(source)
    allowed_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and f"{rel}:{node.name}" in ALLOWED:
            allowed_lines |= {n.lineno for n in ast.walk(node) if hasattr(n, "lineno")}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or node.lineno in allowed_lines or rel in ALLOWED:
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "utcnow":
            found.append(f"{rel}:{node.lineno}")
        elif isinstance(func, ast.Attribute) and func.attr in {"utcnow", "now"}:
            if func.attr == "utcnow" or (isinstance(func.value, ast.Name) and func.value.id == "datetime"):
                found.append(f"{rel}:{node.lineno}")
    return found


def test_intake_and_worker_read_the_time_only_from_the_injected_clock():
    calls = []
    for package in ("intake", "worker"):
        for path in sorted((ROOT / package).rglob("*.py")):
            calls += _wall_clock_calls(str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"))
    assert calls == []


def test_the_check_finds_a_wall_clock_call():
    assert "default_factory=utcnow" in (ROOT / "intake" / "model.py").read_text(encoding="utf-8")
    source = "from intake.model import utcnow\n\nx = utcnow()\ny = datetime.now(UTC)\nz = deps.clock()\n"
    assert _wall_clock_calls("intake/probe.py", source) == ["intake/probe.py:3", "intake/probe.py:4"]
