"""Cambodia's administrative units (provinces, districts, communes, villages) from data/gazetteer/.

Codes are NCDD strings: province 2 digits, district 4, commune 6, village 8, each starting with its
parent's code. Provinces, districts and communes load eagerly (about 4,000 rows, a few tens of
milliseconds); the 14,761 villages load on first use because most messages never name one.
"""

from __future__ import annotations

import csv
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

LEVELS = ("province", "district", "commune", "village")
CODE_LENGTH = {"province": 2, "district": 4, "commune": 6, "village": 8}
LEVEL_OF_LENGTH = {n: level for level, n in CODE_LENGTH.items()}

DEFAULT_DIRECTORY = Path(__file__).resolve().parent.parent / "data" / "gazetteer"


@dataclass(frozen=True)
class AdminUnit:
    """One administrative unit with its names; `lat`/`lon` are None when no point is known."""

    level: str
    code: str
    parent_code: str | None
    name_km: str
    name_latin: str
    lat: float | None = None
    lon: float | None = None
    unit_km: str = ""  # ខេត្ត / ស្រុក / ក្រុង / ខណ្ឌ / ឃុំ / សង្កាត់ / ភូមិ
    unit_latin: str = ""  # Khaet / Srok / Krong / Khan / Khum / Sangkat / Phum
    unit_en: str = ""  # Province / District / Municipality / Section / Commune / Quarter / Village
    name_mef_km: str = ""
    name_mef_en: str = ""
    variants_latin: tuple[str, ...] = ()  # every Latin spelling from kh_name_variants.csv
    variants_km: tuple[str, ...] = ()  # every Khmer spelling from kh_name_variants.csv
    source: str = "pumi"  # "pumi" (current NCDD) or "mef_only" (MEF 2025 code that NCDD lacks)

    @property
    def current(self) -> bool:
        """True for units in the current NCDD gazetteer (MEF-only codes duplicate NCDD units)."""
        return self.source != "mef_only"


def _float(value: str) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


class Gazetteer:
    """Lookup of administrative units by code and level, with parent/child links and centroids."""

    def __init__(self, units: list[AdminUnit], directory: Path | None = None):
        self._directory = directory
        self._by_code: dict[str, AdminUnit] = {}
        self._by_level: dict[str, list[AdminUnit]] = defaultdict(list)
        self._children: dict[str, list[AdminUnit]] = defaultdict(list)
        self._villages_loaded = directory is None
        self._lock = threading.Lock()
        self._add(units)

    def _add(self, units: list[AdminUnit]) -> None:
        for unit in units:
            self._by_code[unit.code] = unit
            self._by_level[unit.level].append(unit)
            if unit.parent_code:
                self._children[unit.parent_code].append(unit)

    @classmethod
    def load(cls, directory: Path | str | None = None) -> Gazetteer:
        """The gazetteer in `directory` (default data/gazetteer/), loaded once per directory."""
        path = Path(directory).resolve() if directory is not None else DEFAULT_DIRECTORY
        return _load_cached(str(path))

    # Villages --------------------------------------------------------------------------------

    def _ensure_villages(self) -> None:
        if self._villages_loaded:
            return
        with self._lock:
            if self._villages_loaded:
                return
            villages = []
            assert self._directory is not None  # loaded from files: it has a directory
            for row in _read(self._directory / "kh_villages.csv"):
                commune = self._by_code.get(row["commune_code"])
                name_latin = row["name_latin"] or row["name_mef_en"].split("|")[0]
                villages.append(
                    AdminUnit(
                        level="village",
                        code=row["village_code"],
                        parent_code=row["commune_code"],
                        name_km=row["name_km"],
                        name_latin=name_latin,
                        lat=commune.lat if commune else None,  # villages have no points of their own
                        lon=commune.lon if commune else None,
                        unit_km="ភូមិ",
                        unit_latin="Phum",
                        unit_en="Village",
                        name_mef_km=row["name_mef_km"],
                        name_mef_en=row["name_mef_en"],
                        source=row["source"],
                    )
                )
            self._add(villages)
            self._villages_loaded = True
            log.debug("gazetteer: %d villages loaded", len(villages))

    # Queries ---------------------------------------------------------------------------------

    def unit(self, code: str) -> AdminUnit | None:
        """The unit with this code (any level), or None."""
        if not isinstance(code, str):
            return None
        if len(code) == CODE_LENGTH["village"]:
            self._ensure_villages()
        return self._by_code.get(code)

    def units(self, level: str) -> list[AdminUnit]:
        """All units of a level ("province", "district", "commune", "village"), in file order."""
        if level == "village":
            self._ensure_villages()
        return list(self._by_level.get(level, ()))

    def children(self, code: str) -> list[AdminUnit]:
        """The units directly below `code` (a commune's children are its villages)."""
        if len(code) == CODE_LENGTH["commune"]:
            self._ensure_villages()
        return list(self._children.get(code, ()))

    def centroid(self, code: str) -> tuple[float, float] | None:
        """(lat, lon) of the unit, a village's being its commune's; None when unknown."""
        unit = self.unit(code)
        if unit is None or unit.lat is None or unit.lon is None:
            return None
        return unit.lat, unit.lon

    def parent(self, code: str) -> AdminUnit | None:
        """The unit directly above `code`, or None for a province or an unknown code."""
        unit = self.unit(code)
        return self._by_code.get(unit.parent_code) if unit and unit.parent_code else None


@lru_cache(maxsize=8)
def _load_cached(directory: str) -> Gazetteer:
    path = Path(directory)
    centroids = {row["code"]: row for row in _read(path / "kh_admin_centroids.csv")}
    variants: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for row in _read(path / "kh_name_variants.csv"):
        latin, khmer = variants[row["code"]]
        (khmer if row["script"] == "Khmr" else latin).append(row["variant"])

    units: list[AdminUnit] = []
    specs = (
        ("province", "kh_provinces.csv", "province_code", None),
        ("district", "kh_districts.csv", "district_code", "province_code"),
        ("commune", "kh_communes.csv", "commune_code", "district_code"),
    )
    for level, filename, code_col, parent_col in specs:
        for row in _read(path / filename):
            code = row[code_col]
            point = centroids.get(code, {})
            latin, khmer = variants.get(code, ([], []))
            units.append(
                AdminUnit(
                    level=level,
                    code=code,
                    parent_code=row[parent_col] if parent_col else None,
                    name_km=row["name_km"],
                    # MEF-only communes have no NCDD romanisation; MEF's English name stands in.
                    name_latin=row["name_latin"] or row["name_mef_en"],
                    lat=_float(point.get("lat", "")),
                    lon=_float(point.get("lon", "")),
                    unit_km=row["unit_km"],
                    unit_latin=row["unit_latin"],
                    unit_en=row["unit_en"],
                    name_mef_km=row["name_mef_km"],
                    name_mef_en=row["name_mef_en"],
                    variants_latin=tuple(latin),
                    variants_km=tuple(khmer),
                    source=row.get("source") or "pumi",
                )
            )
    gazetteer = Gazetteer(units, directory=path)
    log.debug("gazetteer: %d units loaded from %s", len(units), path.name)
    return gazetteer
