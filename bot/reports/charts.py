"""Server-side SVG charts for the reports: a trend line and horizontal bars. Plain strings, no
JavaScript, no library; text is escaped. A suppressed figure ("<5") is drawn as a gap in a line
and as a hatched stub labelled "<5" in a bar chart, never as its true size."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

FONT = "'Noto Sans Khmer','Khmer OS System','Khmer OS',system-ui,sans-serif"
PALETTE = ("#1f5fa8", "#d9730d", "#2e8540", "#8e44ad", "#b03030", "#5a6f7f")
SUPPRESSED = "<5"


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 2.5, 5 × 10^k)."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if value % 1 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _open(width: int, height: int, label: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}" font-family="{FONT}" font-size="12">',
        f"<title>{escape(label)}</title>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="4" y="16" fill="#1d2733" font-weight="bold" font-size="13">{escape(label)}</text>',
    ]


def line_chart(
    x_labels: Sequence[str],
    series: dict[str, Sequence],
    label: str,
    width: int = 640,
    height: int = 260,
) -> str:
    """Lines over the x labels (months), one per series; a value that is None or "<5" leaves a gap."""
    left, right, top, bottom = 48, 16, 34, 54
    plot_w, plot_h = width - left - right, height - top - bottom
    numbers = [v for vs in series.values() for v in vs if isinstance(v, int | float)]
    top_value = _nice_max(max(numbers, default=0))
    n = max(len(x_labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / top_value

    out = _open(width, height, label)
    for k in range(5):
        v = top_value * k / 4
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e3e6ea"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#555">{_fmt(v)}</text>')
    step = max(1, n // 12)
    for i, lab in enumerate(x_labels):
        if i % step == 0:
            out.append(
                f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#555">{escape(lab)}</text>'
            )
    for s, (name, values) in enumerate(series.items()):
        colour = PALETTE[s % len(PALETTE)]
        run: list[str] = []
        runs = []
        for i, v in enumerate(values):
            if isinstance(v, int | float):
                run.append(f"{x(i):.1f},{y(v):.1f}")
                out.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"><title>{escape(name)} {escape(x_labels[i])}: {_fmt(v)}</title></circle>'
                )
            else:
                if v == SUPPRESSED:
                    out.append(
                        f'<text x="{x(i):.1f}" y="{y(0) - 4:.1f}" text-anchor="middle" fill="{colour}" font-size="10">&lt;5</text>'
                    )
                runs.append(run)
                run = []
        runs.append(run)
        for r in runs:
            if len(r) > 1:
                out.append(f'<polyline points="{" ".join(r)}" fill="none" stroke="{colour}" stroke-width="2.5"/>')
        lx = left + s * 150
        out.append(f'<rect x="{lx}" y="{height - 18}" width="14" height="4" fill="{colour}"/>')
        out.append(f'<text x="{lx + 20}" y="{height - 12}" fill="#222">{escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(items: Sequence[tuple[str, object]], label: str, width: int = 640, unit: str = "") -> str:
    """Horizontal bars, one per (label, value), in the order given; "<5" is a hatched stub."""
    row_h, left, right, top = 24, 230, 60, 30
    height = top + row_h * max(len(items), 1) + 8
    numbers = [v for _, v in items if isinstance(v, int | float)]
    top_value = _nice_max(max(numbers, default=0))
    plot_w = width - left - right
    out = _open(width, height, label)
    out.append(
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#dfe6ee"/><line x1="0" y1="0" x2="0" y2="6" stroke="#8aa" stroke-width="2"/>'
        "</pattern></defs>"
    )
    for i, (name, value) in enumerate(items):
        y = top + i * row_h
        text = name if len(name) <= 34 else name[:33] + "…"
        out.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end" fill="#222">{escape(text)}<title>{escape(name)}</title></text>'
        )
        if isinstance(value, int | float):
            w = plot_w * value / top_value
            out.append(
                f'<rect x="{left}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{PALETTE[0]}"><title>{escape(name)}: {_fmt(value)}{escape(unit)}</title></rect>'
            )
            out.append(f'<text x="{left + w + 6:.1f}" y="{y + 16}" fill="#222">{_fmt(value)}{escape(unit)}</text>')
        elif value == SUPPRESSED:
            out.append(f'<rect x="{left}" y="{y + 4}" width="14" height="{row_h - 8}" fill="url(#hatch)"/>')
            out.append(f'<text x="{left + 20}" y="{y + 16}" fill="#222">&lt;5</text>')
        else:
            out.append(f'<text x="{left + 6}" y="{y + 16}" fill="#888">–</text>')
    out.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{height - 8}" stroke="#999"/>')
    out.append("</svg>")
    return "\n".join(out)
