"""Imports point one way: `intake` imports nothing from `bot`, `worker` or Flask, and its modules
import each other at the top (an import hidden inside a function is a cycle held apart)."""

from __future__ import annotations

import ast
from pathlib import Path

INTAKE = Path(__file__).resolve().parents[2] / "intake"


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module imported, inside a function?) for every import of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested = {
        id(node)
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(func)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in nested) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, id(node) in nested))
    return found


def test_intake_imports_no_channel_worker_or_framework():
    for path in sorted(INTAKE.glob("*.py")):
        for module, _ in _imports(path):
            assert module.split(".")[0] not in {"bot", "worker", "flask", "telegram", "twilio", "rq"}, (
                path.name,
                module,
            )


def test_intake_modules_import_each_other_at_the_top():
    for path in sorted(INTAKE.glob("*.py")):
        hidden = [module for module, nested in _imports(path) if nested and module.split(".")[0] == "intake"]
        assert hidden == [], (path.name, hidden)
