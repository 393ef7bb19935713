"""The district map of Cambodia as SVG, coloured by demand (cases or legal questions per
district). Drawn from `data/map/kh_district_map.geojson` (geoBoundaries, CC BY 4.0, simplified by
`data/map/build_district_map.py`); no tiles, no script, nothing fetched."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import lru_cache
from html import escape
from pathlib import Path

from bot.reports.charts import FONT

MAP_FILE = Path(__file__).resolve().parents[2] / "data" / "map" / "kh_district_map.geojson"
ATTRIBUTION = "Boundaries: geoBoundaries (Runfola et al. 2020), CC BY 4.0, simplified"
# Sequential, colour-blind safe (ColorBrewer YlGnBu 5) and a neutral grey for "none".
CLASSES = ("#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494")
NONE = "#eceff1"
OUTSIDE = "#fafbfc"  # districts around a province in focus


@lru_cache(maxsize=1)
def _features() -> tuple:
    data = json.loads(MAP_FILE.read_text(encoding="utf-8"))
    return tuple(
        (f["properties"]["name"], tuple(f["properties"]["codes"]), f["geometry"]["coordinates"])
        for f in data["features"]
    )


def class_breaks(values: list[int], classes: int = len(CLASSES)) -> list[int]:
    """Upper bounds of up to `classes` classes over the positive values (quantiles, distinct)."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    breaks = []
    for k in range(1, classes + 1):
        b = positive[min(len(positive) - 1, math.ceil(k * len(positive) / classes) - 1)]
        if not breaks or b > breaks[-1]:
            breaks.append(b)
    return breaks


def _touches(shapes, lon0: float, lon1: float, lat0: float, lat1: float) -> bool:
    xs = [x for poly in shapes for x, _ in poly[0]]
    ys = [y for poly in shapes for _, y in poly[0]]
    return max(xs) >= lon0 and min(xs) <= lon1 and max(ys) >= lat0 and min(ys) <= lat1


def district_values(by_code: dict[str, int]) -> list[tuple[str, tuple, int]]:
    """(polygon name, district codes, value) per polygon: the figures of the current districts it
    shows, added up."""
    return [(name, codes, sum(by_code.get(c, 0) for c in codes)) for name, codes, _ in _features()]


def district_map_svg(
    by_code: dict[str, int],
    label: str,
    name: Callable[[str], str] = str,
    width: int = 720,
    small_cells_hidden: bool = False,
    focus_province: str | None = None,
) -> str:
    """The map: each district filled by its class, with a hover title ("Sangkae District: 12"),
    a legend and the attribution. `small_cells_hidden` shows 1–4 as "<5" in the titles;
    `focus_province` zooms to one province (its neighbours drawn around it)."""
    feats = _features()
    lon0, lon1, lat0, lat1 = 102.3, 107.65, 10.4, 14.7
    if focus_province:
        points = [
            pt
            for _, codes, shapes in feats
            if any(c.startswith(focus_province) for c in codes)
            for poly in shapes
            for pt in poly[0]
        ]
        if points:
            pad = 0.08
            lon0, lon1 = min(x for x, _ in points) - pad, max(x for x, _ in points) + pad
            lat0, lat1 = min(y for _, y in points) - pad, max(y for _, y in points) + pad
    k = math.cos(math.radians((lat0 + lat1) / 2))
    scale = (width - 20) / ((lon1 - lon0) * k)
    if focus_province:  # a tall province must not make a page-high map
        scale = min(scale, 560 / (lat1 - lat0))
    map_h = (lat1 - lat0) * scale
    height = int(map_h + 90)

    def pt(lon: float, lat: float) -> str:
        return f"{10 + (lon - lon0) * k * scale:.1f},{10 + (lat1 - lat) * scale:.1f}"

    values = district_values(by_code)
    if focus_province:  # the neighbours are context: no figures, no colour
        values = [(n, codes, v if any(c.startswith(focus_province) for c in codes) else None) for n, codes, v in values]
    counted = [v for _, _, v in values if v is not None]
    breaks = class_breaks(counted)
    if small_cells_hidden and any(0 < v < 5 for v in counted):
        # Hidden small figures get a class of their own, "<5", so that no range straddles 5.
        breaks = [4] + class_breaks([v for v in counted if v >= 5], len(CLASSES) - 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(label)}" font-family="{FONT}" font-size="12">',
        f"<title>{escape(label)}</title>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<clipPath id="map-area"><rect width="{width}" height="{map_h + 20:.0f}"/></clipPath>',
        '<g clip-path="url(#map-area)" stroke="#ffffff" stroke-width="0.6" stroke-linejoin="round">',
    ]
    for (poly_name, codes, value), (_, _, shapes) in zip(values, feats):
        if focus_province and not _touches(shapes, lon0, lon1, lat0, lat1):
            continue
        d = " ".join("M" + " L".join(pt(x, y) for x, y in ring[:-1]) + "Z" for poly in shapes for ring in poly)
        if value is None:
            out.append(f'<path d="{d}" fill="{OUTSIDE}" stroke="#d5d9de"><title>{escape(poly_name)}</title></path>')
            continue
        fill = NONE if value == 0 else CLASSES[next(i for i, b in enumerate(breaks) if value <= b)]
        shown = "<5" if small_cells_hidden and 0 < value < 5 else f"{value:,}"
        places = ", ".join(name(c) for c in codes) or poly_name
        out.append(
            f'<path d="{d}" fill="{fill}" fill-rule="evenodd"><title>{escape(places)}: {escape(shown)}</title></path>'
        )
    out.append("</g>")
    # Legend: one swatch per class with its range.
    y = map_h + 30
    out.append(f'<text x="10" y="{y - 8:.0f}" fill="#222" font-weight="bold">{escape(label)}</text>')
    swatches = [(NONE, "0")]
    low = 1
    for b, colour in zip(breaks, CLASSES):
        text = f"{low:,}" if low == b else f"{low:,}–{b:,}"
        if small_cells_hidden and b < 5:
            text = "<5"
        swatches.append((colour, text))
        low = b + 1
    for i, (colour, text) in enumerate(swatches):
        x = 10 + i * 110
        out.append(
            f'<rect x="{x}" y="{y:.0f}" width="18" height="14" fill="{colour}" stroke="#999" stroke-width="0.5"/>'
        )
        out.append(f'<text x="{x + 24}" y="{y + 12:.0f}" fill="#222">{escape(text)}</text>')
    out.append(f'<text x="10" y="{height - 10}" fill="#666" font-size="10">{escape(ATTRIBUTION)}</text>')
    out.append("</svg>")
    return "\n".join(out)
