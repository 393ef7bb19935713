"""The directory of offices: reading an administrator's CSV, checking it, loading it.

Columns: code, kind (jsc | protection | legal_aid), name_en, name_km, province_code,
district_code, lat, lon, phone, covered_districts (district codes separated by spaces or `;`),
and optionally active (true/false), sample (true/false), address_en and address_km (the street
address that appointment SMS give).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from intake import invites
from intake.model import Office, OfficeKind, Official, OfficialRole
from intake.unit_of_work import UnitOfWork

REQUIRED = ("code", "kind", "name_en", "name_km", "province_code", "lat", "lon")
# Cambodia with a margin: a point outside is a swapped lat/lon or a typo.
LAT_RANGE, LON_RANGE = (9.5, 15.0), (102.0, 108.0)


class DirectoryError(ValueError):
    """The file cannot be loaded; `problems` lists every line that is wrong."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""))
        self.problems = problems


def _truthy(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "y"}


def parse_directory(path: Path, known_code: Callable[[str], bool]) -> list[Office]:
    """Read and check a directory CSV; raises DirectoryError listing every bad line."""
    problems: list[str] = []
    offices: list[Office] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise DirectoryError([f"missing columns: {', '.join(missing)}"])
        for line, row in enumerate(reader, start=2):
            row = {k: (v or "").strip() for k, v in row.items() if k}
            where = f"line {line}"
            code = row["code"]
            if not code:
                problems.append(f"{where}: empty code")
                continue
            if code in seen:
                problems.append(f"{where}: duplicate code {code}")
            seen.add(code)
            if row["kind"] not in set(OfficeKind):
                problems.append(f"{where}: kind must be jsc, protection or legal_aid, not {row['kind']!r}")
            if not row["name_en"] or not row["name_km"]:
                problems.append(f"{where}: name_en and name_km are both required")
            if not known_code(row["province_code"]) or len(row["province_code"]) != 2:
                problems.append(f"{where}: unknown province_code {row['province_code']!r}")
            district = row.get("district_code") or None
            if district and (len(district) != 4 or not known_code(district)):
                problems.append(f"{where}: unknown district_code {district!r}")
            covered = [c for c in row.get("covered_districts", "").replace(";", " ").split() if c]
            bad = [c for c in covered if len(c) != 4 or not known_code(c)]
            if bad:
                problems.append(f"{where}: unknown covered district codes {' '.join(bad)}")
            try:
                lat, lon = float(row["lat"]), float(row["lon"])
                if not (LAT_RANGE[0] <= lat <= LAT_RANGE[1] and LON_RANGE[0] <= lon <= LON_RANGE[1]):
                    problems.append(f"{where}: lat/lon {lat},{lon} is outside Cambodia")
            except ValueError:
                problems.append(f"{where}: lat and lon must be numbers")
                continue
            offices.append(
                Office(
                    code=code,
                    kind=row["kind"],
                    name_en=row["name_en"],
                    name_km=row["name_km"],
                    province_code=row["province_code"],
                    district_code=district,
                    lat=lat,
                    lon=lon,
                    phone=row.get("phone") or None,
                    covered_districts=covered,
                    active=_truthy(row.get("active"), True),
                    sample=_truthy(row.get("sample"), False),
                    address_en=(row.get("address_en") or "")[:300] or None,
                    address_km=(row.get("address_km") or "")[:300] or None,
                )
            )
    if problems:
        raise DirectoryError(problems)
    if not offices:
        raise DirectoryError(["the file has no offices"])
    return offices


@dataclass(frozen=True)
class LoadResult:
    added: int
    updated: int
    deactivated: int


def load_directory(uow: UnitOfWork, offices: Iterable[Office]) -> LoadResult:
    """Make the directory equal to `offices`: add new codes, update known ones, and deactivate
    offices the file no longer lists (kept, because cases and officials point to them)."""
    added = updated = 0
    codes = set()
    for new in offices:
        codes.add(new.code)
        current = uow.repo.office_by_code(new.code)
        if current is None:
            uow.repo.add(new)
            added += 1
            continue
        for attr in (
            "kind",
            "name_en",
            "name_km",
            "province_code",
            "district_code",
            "lat",
            "lon",
            "phone",
            "covered_districts",
            "active",
            "sample",
            "address_en",
            "address_km",
        ):
            setattr(current, attr, getattr(new, attr))
        updated += 1
    deactivated = 0
    for office in uow.repo.offices(active_only=True):
        if office.code not in codes:
            office.active = False
            deactivated += 1
    uow.repo.flush()
    return LoadResult(added, updated, deactivated)


INVITE_VALID_FOR = timedelta(days=7)


def invite_official(
    uow: UnitOfWork, office_code: str, name: str, role: str = OfficialRole.OFFICIAL, *, now: datetime, key: str
) -> tuple[Official, str]:
    """Create an official and a one-time invite code (returned once, stored as a hash keyed
    with `key`, the deployment's SECRET_KEY: see intake.invites)."""
    office = uow.repo.office_by_code(office_code)
    if office is None:
        raise LookupError(f"no office with code {office_code}")
    if role not in set(OfficialRole):
        raise ValueError(f"role must be one of {', '.join(OfficialRole)}")
    code = invites.new_code()
    official = Official(
        office_id=office.id,
        name=name,
        role=role,
        invite_code_hash=invites.keyed_hash(code, key),
        invite_expires_at=now + INVITE_VALID_FOR,
        created_at=now,
    )
    uow.repo.add(official)
    uow.repo.flush()
    return official, code
