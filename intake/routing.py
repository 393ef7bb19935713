"""Which office takes a case: the one that covers the place, else the nearest one of its kind."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from intake.model import CaseKind, Office, OfficeKind

Centroid = Callable[[str], "tuple[float, float] | None"]
PlaceName = Callable[[str], str]

EARTH_RADIUS_KM = 6371.0088


def great_circle_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Haversine distance in kilometres between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


# Why a case is with its office, as stored on the case and its `routed` / `rerouted` events, in
# English (admins read it on Telegram and from `flask route`); `read_reason` takes it apart so
# that the console can say it in the reader's language.
COVERS = "covers "
NEAREST = "nearest: "
IN_PROVINCE = "covered office of the province: "
ESCALATED = "escalated: not accepted"
REROUTED = "re-routed"
UNROUTED = "no office of this kind or no place"


@dataclass(frozen=True)
class Reason:
    """A stored routing reason, taken apart: `rule` is covers, nearest, escalated, rerouted,
    unrouted or unknown (text from elsewhere, kept in `text`)."""

    rule: str
    place: str | None = None  # covers: the place's name as it was written (English)
    km: int | None = None  # nearest: the distance
    in_province: bool = False  # the office found was nobody's to read: one of the province instead
    text: str = ""


def read_reason(reason: str | None) -> Reason:
    """The parts of a reason written by `route`, `intake.cases.route_case` or a re-route."""
    text = reason or ""
    in_province = text.startswith(IN_PROVINCE)
    rest = text.removeprefix(IN_PROVINCE)
    if rest.startswith(COVERS):
        return Reason("covers", place=rest.removeprefix(COVERS), in_province=in_province, text=text)
    if rest.startswith(NEAREST) and rest.endswith(" km") and rest[len(NEAREST) : -3].isdigit():
        return Reason("nearest", km=int(rest[len(NEAREST) : -3]), in_province=in_province, text=text)
    rule = {ESCALATED: "escalated", REROUTED: "rerouted", UNROUTED: "unrouted"}.get(rest, "unknown")
    return Reason(rule, in_province=in_province, text=text)


@dataclass(frozen=True)
class RoutingDecision:
    """The chosen office and why, as stored on the case and shown to an administrator."""

    office: Office
    reason: str
    distance_km: float | None


def office_kind_for(case_kind: str) -> str:
    """Disputes go to a Justice Service Centre; people at risk to a protection office."""
    return OfficeKind.PROTECTION if case_kind == CaseKind.PROTECTION else OfficeKind.JSC


def route(
    case_kind: str,
    *,
    province_code: str | None,
    district_code: str | None,
    commune_code: str | None,
    offices: Iterable[Office],
    centroid: Centroid,
    place_name: PlaceName,
) -> RoutingDecision | None:
    """Choose the office for a case. Covering office first (a JSC covers districts; a protection
    office covers its province's districts), else the nearest active office of the right kind by
    great-circle distance from the commune's centroid, else the district's, else the province's.
    None when there is no office of that kind, or no place to measure from."""
    kind = office_kind_for(case_kind)
    candidates = [o for o in offices if o.kind == kind and o.active]
    if not candidates:
        return None
    if district_code:
        covering = sorted((o for o in candidates if district_code in (o.covered_districts or [])), key=lambda o: o.code)
        if covering:
            return RoutingDecision(covering[0], COVERS + place_name(district_code), None)
    if kind == OfficeKind.PROTECTION and province_code and not district_code:
        in_province = sorted((o for o in candidates if o.province_code == province_code), key=lambda o: o.code)
        if in_province:
            return RoutingDecision(in_province[0], COVERS + place_name(province_code), None)
    origin = None
    for code in (commune_code, district_code, province_code):
        if code and (origin := centroid(code)):
            break
    if origin is None:
        return None
    best = min(candidates, key=lambda o: (great_circle_km(origin, (o.lat, o.lon)), o.code))
    distance = round(great_circle_km(origin, (best.lat, best.lon)), 1)
    return RoutingDecision(best, f"{NEAREST}{distance:.0f} km", distance)
