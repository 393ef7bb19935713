"""Build `kh_district_map.geojson`, the district map the reports draw, from the geoBoundaries
district polygons in the reference collection (CC BY 4.0: attribute geoBoundaries, Runfola et al.
2020).

Each ring is simplified (Douglas-Peucker, 0.006° ≈ 600 m) and rounded to 3 decimals (≈ 100 m):
the map is drawn about 700 px wide, where a pixel is ~700 m. Each feature keeps its geoBoundaries
name and gets `codes`, the current NCDD district codes whose figures it shows: its assigned code,
plus the districts created since 2014 (which have no polygon of their own) whose centroid falls
inside it.

    .venv/bin/python data/map/build_district_map.py [/work/shared/data/kh_district_boundaries_geoboundaries.geojson]
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = Path("/work/shared/data/kh_district_boundaries_geoboundaries.geojson")
GAZETTEER = HERE.parent / "gazetteer"
TOLERANCE = 0.006
DIGITS = 3


def _perpendicular(p, a, b) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
    return abs(dy * x - dx * y + x2 * y1 - y2 * x1) / (dx * dx + dy * dy) ** 0.5


def douglas_peucker(points: list, tolerance: float) -> list:
    """The points that keep the line within `tolerance` of the original (iterative)."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = 0.0, None
        for i in range(first + 1, last):
            d = _perpendicular(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index is not None and best > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep) if k]


def simplify_ring(ring: list) -> list | None:
    """A closed ring simplified and rounded; None when it shrinks below a triangle."""
    out = []
    for x, y in douglas_peucker(ring, TOLERANCE):
        p = [round(x, DIGITS), round(y, DIGITS)]
        if not out or out[-1] != p:
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None


def polygons(geometry: dict) -> list:
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def inside(point, rings) -> bool:
    """Even-odd point in polygon (holes included)."""
    x, y = point
    hit = False
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
                hit = not hit
    return hit


def build(source: Path) -> dict:
    data = json.loads(source.read_text(encoding="utf-8"))
    districts = {r["district_code"]: r for r in csv.DictReader((GAZETTEER / "kh_districts.csv").open(encoding="utf-8"))}
    centroids = {
        r["code"]: (float(r["lon"]), float(r["lat"]))
        for r in csv.DictReader((GAZETTEER / "kh_admin_centroids.csv").open(encoding="utf-8"))
        if r["level"] == "district"
    }
    assigned = {f["properties"]["assigned_code"] for f in data["features"]}
    orphans = [code for code in districts if code not in assigned]
    features = []
    for f in data["features"]:
        props = f["properties"]
        shapes = []
        for poly in polygons(f["geometry"]):
            rings = [r for r in (simplify_ring(ring) for ring in poly) if r]
            if rings:
                shapes.append(rings)
        raw_rings = [ring for poly in polygons(f["geometry"]) for ring in poly]
        codes = [props["assigned_code"]] if props["assigned_code"] else []
        codes += [c for c in orphans if c in centroids and inside(centroids[c], raw_rings)]
        features.append(
            {
                "type": "Feature",
                "properties": {"name": props["shapeName"], "codes": codes},
                "geometry": {"type": "MultiPolygon", "coordinates": shapes},
            }
        )
    return {
        "type": "FeatureCollection",
        "attribution": "District boundaries: geoBoundaries (Runfola et al. 2020), CC BY 4.0; simplified",
        "features": features,
    }


def main(argv: list[str]) -> None:
    source = Path(argv[0]) if argv else SOURCE
    out = build(source)
    target = HERE / "kh_district_map.geojson"
    target.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    placed = {c for f in out["features"] for c in f["properties"]["codes"]}
    print(
        f"wrote {target.name}: {len(out['features'])} polygons, {len(placed)} district codes, {target.stat().st_size // 1024} KB"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
