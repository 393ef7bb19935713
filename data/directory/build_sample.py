"""Build `sample_offices.csv`: a SAMPLE directory so the service runs out of the box.

    python data/directory/build_sample.py

What is sourced and what is not (see data/SOURCES.md):
- Protection: one provincial Department of Social Affairs (DoSVY) per province, placed at the
  provincial seat named in data/services/dosavy_offices.csv (a compiler's assignment: verify),
  covering every district of its province. No phone numbers were found.
- Justice Service Centres: public sources name ten JSC provinces and a few districts (2007 pilots
  in Kampong Speu and Kampong Chhnang, Stoung in Kampong Thom). The sample puts a JSC in each named
  district and, for the other JSC provinces, one at the provincial seat. These are NOT the
  programme's 40 districts, which are unknown here. Each sample JSC covers its own district only;
  every other district routes to the nearest one.
- Legal aid: Legal Aid of Cambodia in Phnom Penh (phone from a 2015 page).
Every row is marked sample=true. Load the Ministry's real list with
`flask --app bot directory load FILE.csv`; it replaces this one.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "sample_offices.csv"
PHNOM_PENH_SEAT = "1202"  # Doun Penh; the DoSVY file leaves the capital's seat empty


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def main() -> None:
    """Write the sample directory."""
    districts = {r["district_code"]: r for r in _rows(DATA / "gazetteer" / "kh_districts.csv")}
    provinces = {r["province_code"]: r for r in _rows(DATA / "gazetteer" / "kh_provinces.csv")}
    points = {
        (r["level"], r["code"]): (r["lat"], r["lon"]) for r in _rows(DATA / "gazetteer" / "kh_admin_centroids.csv")
    }
    by_province: dict[str, list[str]] = defaultdict(list)
    for code, row in districts.items():
        if row["source"] == "pumi":
            by_province[row["province_code"]].append(code)

    out = []
    seats = {}
    for r in _rows(DATA / "services" / "dosavy_offices.csv"):
        pc = r["province_code"]
        seat = r["seat_district_code"] or PHNOM_PENH_SEAT
        seats[pc] = seat
        lat, lon = points[("district", seat)]
        prov = provinces[pc]
        out.append(
            {
                "code": f"SAMPLE-DOSVY-{pc}",
                "kind": "protection",
                "name_en": f"{prov['name_latin']} Social Affairs Dept.",
                "name_km": f"មន្ទីរសង្គមកិច្ច{prov['unit_km']}{prov['name_km']}",
                "province_code": pc,
                "district_code": seat,
                "lat": lat,
                "lon": lon,
                "phone": "",
                "covered_districts": " ".join(sorted(by_province[pc])),
                "active": "true",
                "sample": "true",
            }
        )

    facts = _rows(DATA / "services" / "jsc_programme_facts.csv")
    jsc_provinces = sorted({f["province_code"] for f in facts if f["fact_id"] == "former_10_jsc_provinces"})
    named = sorted(
        {
            f["district_code"]
            for f in facts
            if f["level"] == "district" and f["district_code"] and not f["fact_id"].endswith("requested_2010")
        }
    )
    jsc_districts = set(named)
    for pc in jsc_provinces:
        if not any(d.startswith(pc) for d in named):
            jsc_districts.add(seats[pc])
    for dc in sorted(jsc_districts):
        d = districts[dc]
        lat, lon = points[("district", dc)]
        out.append(
            {
                "code": f"SAMPLE-JSC-{dc}",
                "kind": "jsc",
                "name_en": f"{d['name_latin']} Justice Service Centre",
                "name_km": f"មជ្ឈមណ្ឌលសេវាយុត្តិធម៌{d['unit_km']}{d['name_km']}",
                "province_code": d["province_code"],
                "district_code": dc,
                "lat": lat,
                "lon": lon,
                "phone": "",
                "covered_districts": dc,
                "active": "true",
                "sample": "true",
            }
        )

    lat, lon = points[("district", PHNOM_PENH_SEAT)]
    out.append(
        {
            "code": "SAMPLE-LAC-12",
            "kind": "legal_aid",
            "name_en": "Legal Aid of Cambodia",
            "name_km": "ជំនួយផ្លូវច្បាប់នៃកម្ពុជា",
            "province_code": "12",
            "district_code": PHNOM_PENH_SEAT,
            "lat": lat,
            "lon": lon,
            "phone": "+855 23 864 201",
            "covered_districts": "",
            "active": "true",
            "sample": "true",
        }
    )

    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(out[0]))
        writer.writeheader()
        writer.writerows(out)
    print(f"wrote {len(out)} sample offices to {OUT}")


if __name__ == "__main__":
    main()
