"""Latency and throughput of the NLU: `python -m nlu.bench [--rasa-url URL] [--n 2000]`.

Three rows, in one run, over the same messages (the held-out texts, cycled to --n):
  baseline   nlu.khmer.normalize + tokenize only: the floor any backend pays;
  embedded   the full embedded Understander (classifier + safety + places + phones + dates + language);
  rasa       the full Rasa-backed Understander, when a server answers at --rasa-url.
The Khmer word-segmentation cache is cleared before every timed call (unless --warm-cache), because
real traffic rarely repeats a message and the cycled held-out texts would otherwise flatter the
figures. Single process, single thread; each row is warmed up first.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from nlu import khmer

DEFAULT_RASA_URL = "http://127.0.0.1:5005"
FALLBACK_MESSAGES = (
    "ប្តីខ្ញុំវាយខ្ញុំរាល់ថ្ងៃ ខ្ញុំរស់នៅស្រុកបវេល ខេត្តបាត់ដំបង",
    "អ្នកជិតខាងរំលោភយកដីខ្ញុំ ២ម៉ែត្រ សុំ JSC ជួយសម្រុះសម្រួល",
    "knhom chong dg pi chbab mordok",
    "bdey knhom vay knhom, knhom nov srok Bavel khet Battambang",
    "my neighbour moved the boundary of my rice field, call me 012 345 678",
    "how do I get a birth certificate",
)


def _messages(n: int) -> list[str]:
    from nlu.training import load_heldout

    texts = [ex.text for ex in load_heldout()] or list(FALLBACK_MESSAGES)
    return [texts[i % len(texts)] for i in range(n)]


def _clear_caches() -> None:
    clear = getattr(khmer._segment_khmer, "cache_clear", None)  # the segmenter's lru_cache
    if clear is not None:
        clear()


def measure(
    fn: Callable[[str], Any], messages: list[str], warm_cache: bool = False, warmup: int = 20
) -> dict[str, Any]:
    """p50 / p99 latency in milliseconds and messages per second of `fn` over `messages`."""
    for text in messages[:warmup]:
        fn(text)
    latencies: list[float] = []
    for text in messages:
        if not warm_cache:
            _clear_caches()
        started = time.perf_counter()
        fn(text)
        latencies.append(time.perf_counter() - started)
    latencies.sort()
    total = sum(latencies)
    return {
        "n": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 3),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 3),
        "mean_ms": round(total / len(latencies) * 1000, 3),
        "msgs_per_s": round(len(latencies) / total, 1) if total else None,
    }


def run(n: int, rasa_url: str | None, warm_cache: bool = False) -> dict[str, Any]:
    """All three rows as a JSON-ready dict."""
    from nlu.service import build_understander

    messages = _messages(n)
    rows: dict[str, Any] = {}
    rows["baseline"] = measure(lambda t: khmer.tokenize(khmer.normalize(t)), messages, warm_cache)
    started = time.perf_counter()
    embedded = build_understander(None)
    embedded.understand("warm up")
    rows["embedded"] = measure(embedded.understand, messages, warm_cache)
    rows["embedded"]["startup_s"] = round(time.perf_counter() - started, 2)
    url = rasa_url or DEFAULT_RASA_URL
    try:
        from nlu.rasa_client import RasaClient

        alive = RasaClient(url, timeout_s=2.0).healthy()
    except ImportError:
        alive = False
    if alive:
        rasa = build_understander(url)
        rows["rasa"] = measure(rasa.understand, messages, warm_cache)
        rows["rasa"]["fallbacks"] = rasa.stats.get("fallback", 0)
    else:
        rows["rasa"] = {"available": False, "url": url}
    return {"messages": len(messages), "warm_cache": warm_cache, "rows": rows}


def render(result: dict[str, Any]) -> str:
    """The benchmark as a plain-text table."""
    header = f"{'row':<10} {'n':>6} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9} {'msgs/s':>9}"
    lines = [header, "-" * len(header)]
    for name, r in result["rows"].items():
        if r.get("available") is False:
            lines.append(f"{name:<10} unavailable (no answer from {r['url']})")
            continue
        lines.append(
            f"{name:<10} {r['n']:>6} {r['p50_ms']:>9.3f} {r['p99_ms']:>9.3f} {r['mean_ms']:>9.3f} "
            f"{r['msgs_per_s']:>9.1f}"
        )
    extra = result["rows"]["embedded"].get("startup_s")
    lines.append(
        f"embedded start-up (classifier + places + first message): {extra} s; "
        f"segmentation cache {'kept' if result['warm_cache'] else 'cleared before every call'}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m nlu.bench`."""
    parser = argparse.ArgumentParser(prog="python -m nlu.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", default=None, help=f"Rasa server (default {DEFAULT_RASA_URL})")
    parser.add_argument("--n", type=int, default=2000, help="messages per row (default 2000)")
    parser.add_argument("--warm-cache", action="store_true", help="keep the word-segmentation cache")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    result = run(max(1, args.n), args.rasa_url, args.warm_cache)
    print(json.dumps(result, indent=1) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
