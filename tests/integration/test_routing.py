"""Routing over the real gazetteer and the sample directory: every district reaches an office of
each kind, and a case goes to the covering office or the truly nearest one."""

from __future__ import annotations

import json
import re

import pytest

from intake.routing import great_circle_km, route
from nlu.gazetteer import Gazetteer


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer.load()


def districts(gazetteer):
    return [u for u in gazetteer.units("district") if u.current]


def test_there_are_210_current_districts(gazetteer):
    assert len(districts(gazetteer)) == 210


@pytest.mark.parametrize("kind, office_kind", [("dispute", "jsc"), ("protection", "protection")])
def test_every_district_routes_to_the_covering_or_truly_nearest_office(services, gazetteer, kind, office_kind):
    with services.uow() as uow:
        offices = uow.repo.offices()
    candidates = [o for o in offices if o.kind == office_kind]
    problems = []
    for unit in districts(gazetteer):
        decision = route(
            kind,
            province_code=unit.code[:2],
            district_code=unit.code,
            commune_code=None,
            offices=offices,
            centroid=gazetteer.centroid,
            place_name=lambda c: c,
        )
        if decision is None or decision.office.kind != office_kind:
            problems.append(f"{unit.code}: no {office_kind} office")
            continue
        covering = [o for o in candidates if unit.code in o.covered_districts]
        if covering:
            if decision.office not in covering or not decision.reason.startswith("covers"):
                problems.append(f"{unit.code}: not sent to its covering office")
            continue
        origin = gazetteer.centroid(unit.code)
        nearest = min(great_circle_km(origin, (o.lat, o.lon)) for o in candidates)
        if abs(decision.distance_km - nearest) > 0.1:
            problems.append(f"{unit.code}: {decision.distance_km} km but the nearest is {nearest:.1f} km")
    assert problems == []


def test_protection_cases_stay_in_their_province_with_the_sample_directory(services, gazetteer):
    with services.uow() as uow:
        offices = uow.repo.offices()
    for unit in districts(gazetteer):
        decision = route(
            "protection",
            province_code=unit.code[:2],
            district_code=unit.code,
            commune_code=None,
            offices=offices,
            centroid=gazetteer.centroid,
            place_name=lambda c: c,
        )
        assert decision.office.province_code == unit.code[:2], unit.code


def test_route_command_prints_the_choice_as_one_json_line(app):
    runner = app.test_cli_runner()
    covered = runner.invoke(args=["directory", "route", "--kind", "jsc", "--district", "0503"])
    assert json.loads(covered.output) == {
        "office_code": "SAMPLE-JSC-0503",
        "reason": "covers Kong Pisei District",
        "distance_km": None,
    }
    nearest = json.loads(runner.invoke(args=["directory", "route", "--kind", "jsc", "--commune", "020801"]).output)
    assert (
        nearest["office_code"] == "SAMPLE-JSC-0203" and nearest["reason"] == f"nearest: {nearest['distance_km']:.0f} km"
    )
    protection = json.loads(
        runner.invoke(args=["directory", "route", "--kind", "protection", "--district", "0208"]).output
    )
    assert protection == {"office_code": "SAMPLE-DOSVY-02", "reason": "covers Sangkae District", "distance_km": None}
    bad = runner.invoke(args=["directory", "route", "--kind", "jsc", "--district", "9999"])
    assert bad.exit_code != 0 and "unknown place code 9999" in bad.output


def test_loading_a_real_directory_replaces_the_sample(app, services, tmp_path):
    real = tmp_path / "offices.csv"
    real.write_text(
        "code,kind,name_en,name_km,province_code,district_code,lat,lon,phone,covered_districts\n"
        "JSC-0208,jsc,Sangkae Justice Service Centre,មជ្ឈមណ្ឌលសេវាយុត្តិធម៌ស្រុកសង្កែ,02,0208,13.15,103.25,012 000 000,0208\n"
        "DOSVY-02,protection,Battambang Social Affairs Dept.,មន្ទីរសង្គមកិច្ចខេត្តបាត់ដំបង,02,0203,13.09,103.20,,0208 0203\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["directory", "load", str(real)])
    assert result.exit_code == 0, result.output
    assert "2 offices: 2 added, 0 updated, 39 deactivated" in result.output
    assert "SAMPLE" not in result.output
    with services.uow() as uow:
        assert [o.code for o in uow.repo.offices()] == ["DOSVY-02", "JSC-0208"]
    bad = tmp_path / "bad.csv"
    bad.write_text("code,kind\nX,jsc\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["directory", "load", str(bad)])
    assert result.exit_code == 1 and "missing columns: name_en, name_km, province_code, lat, lon" in result.output


def test_invite_prints_a_code_and_the_deep_link(app):
    result = app.test_cli_runner().invoke(args=["officials", "invite", "--office", "SAMPLE-JSC-0203", "--name", "Sok"])
    assert result.exit_code == 0
    code = next(line.split(": ")[1] for line in result.output.splitlines() if line.startswith("code: "))
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", code)  # 16 characters, about 72 bits
    assert f"link: https://t.me/<your_bot>?start={code}" in result.output
    unknown = app.test_cli_runner().invoke(args=["officials", "invite", "--office", "NOPE", "--name", "Sok"])
    assert unknown.exit_code != 0 and "no office with code NOPE" in unknown.output
