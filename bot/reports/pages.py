"""The reports pages of the console: the dashboard, the district map, the exports and the
printable monthly report. Who may see what comes from the console's sign-in through `viewer`:
admins the whole country (and any province they pick), coordinators their province, officials
their office; small protection figures only for admins and protection caseworkers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from flask import Blueprint, Response, abort, current_app, render_template, request

from bot.reports import bars, build_dashboard, namer_for, series, trailing_year
from bot.reports.charts import bar_chart, line_chart
from bot.reports.districtmap import district_map_svg
from bot.reports.exports import to_csv, to_xlsx
from intake import indicators as ind
from intake.indicators import Period, Scope


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the reports see them."""

    scope: Scope
    may_choose_province: bool = False  # admins: the whole country or any one province


def current_quarter(now: datetime) -> str:
    """'2026-Q4' for `now` on Cambodian clocks."""
    local = now.astimezone(ind.TZ)
    return f"{local.year}-Q{(local.month + 2) // 3}"


def _bilingual(places, code: str) -> str:
    en, km = places.name(code, "en"), places.name(code, "km")
    return en if en == km else f"{en} / {km}"


def make_blueprint(viewer: Callable[[], Viewer | None], layout: str = "reports/standalone.html") -> Blueprint:
    """The reports blueprint; `viewer()` tells who is asking (None: not signed in → 403);
    `layout` is the template the pages extend (the console's base.html inside the console)."""
    bp = Blueprint(
        "reports", __name__, url_prefix="/console/reports", template_folder="templates", static_folder="static"
    )

    def services():
        return current_app.extensions["jsc"]

    def context() -> tuple[Period, Scope]:
        who = viewer()
        if who is None:
            abort(403)
        try:
            period = Period.parse(
                request.args.get("period") or request.args.get("month") or current_quarter(services().clock())
            )
        except ValueError:
            abort(400, "period: 2026-11, 2026-Q4 or 2026")
        scope = who.scope
        province = request.args.get("province", "")
        if province and who.may_choose_province:
            if not (len(province) == 2 and province.isdigit()):
                abort(400, "province: a two-digit code")
            scope = Scope.province(province, full_protection=scope.full_protection)
        if scope.province_code:
            scope = replace(scope, label=_bilingual(services().deps.places, scope.province_code))
        return period, scope

    def namer(conn):
        return namer_for(conn, services().deps.places)

    @bp.context_processor
    def province_choices():
        """The frame to extend, and the provinces an admin may pick (none for the others: their
        scope is fixed)."""
        who = viewer()
        if who is None or not who.may_choose_province:
            return {"layout": layout, "province_choices": []}
        places = services().deps.places
        return {
            "layout": layout,
            "province_choices": [(f"{n:02d}", _bilingual(places, f"{n:02d}")) for n in range(1, 26)],
        }

    @bp.get("")
    def dashboard():
        """The dashboard: charts, each with its table and a one-sentence reading."""
        period, scope = context()
        d = build_dashboard(services().engine, period, scope, now=services().clock())
        with services().engine.connect() as conn:
            name = namer(conn)
            open_now = ind.open_case_count(conn, scope)
        months = trailing_year(period).months
        charts = {
            "trend_cases": line_chart(
                months,
                series(d.trend_cases, "opened", "kind", months),
                "Cases opened per month / ករណីដែលបានបើកប្រចាំខែ",
            ),
            "by_office": bar_chart(
                bars(d.by_office, "opened", "office", name, {"kind": "dispute"}),
                "Disputes opened by office (15 most) / វិវាទតាមការិយាល័យ",
            ),
            "accept_hours": bar_chart(
                bars(d.by_office, "accept_h_median", "office", name, {"kind": "dispute"}),
                "Median hours to acceptance, 15 slowest offices / ម៉ោងមធ្យមរហូតដល់ទទួល",
                unit=" h",
            ),
            "outcomes": bar_chart(
                bars(d.outcomes, "resolved", "office", name, {"kind": "dispute"}),
                "Disputes resolved by office (15 most) / វិវាទបានដោះស្រាយ",
            ),
            "protection": bar_chart(
                bars(d.protection, "cases", "stage", name),
                "Protection cases by stage / ករណីការពារតាមដំណាក់កាល",
            ),
            "trend_questions": line_chart(
                months,
                {k: series(d.trend_questions, k, None, months)[k] for k in ("answered", "offered", "declined")},
                "Legal questions per month / សំណួរច្បាប់ប្រចាំខែ",
            ),
            "topics": bar_chart(
                bars(d.questions_by_topic, "asked", "topic", name),
                "Legal questions by topic / សំណួរតាមប្រធានបទ",
            ),
        }
        return render_template(
            "reports/dashboard.html", d=d, charts=charts, name=name, open_now=open_now, period=period, scope=scope
        )

    @bp.get("/map")
    def district_map():
        """Cases or legal questions per district on the map of Cambodia."""
        period, scope = context()
        measure = request.args.get("measure", "cases")
        if measure not in ("cases", "questions"):
            abort(400, "measure: cases or questions")
        values = _demand(period, scope, measure)
        svg = _map_svg(period, scope, measure, width=820, values=values)
        places = services().deps.places
        hide = measure == "cases" and not scope.full_protection
        top = [
            (code, _bilingual(places, code), "<5" if hide and n < 5 else n)
            for code, n in sorted(values.items(), key=lambda kv: (-kv[1], kv[0]))[:25]
        ]
        return render_template("reports/map.html", svg=svg, measure=measure, period=period, scope=scope, top=top)

    def _demand(period: Period, scope: Scope, measure: str) -> dict[str, int]:
        with services().engine.connect() as conn:
            return ind.demand_by_district(conn, period, scope, measure)

    def _map_svg(period: Period, scope: Scope, measure: str, width: int = 720, values=None) -> str:
        values = _demand(period, scope, measure) if values is None else values
        places = services().deps.places
        what = "Cases opened / ករណីដែលបានបើក" if measure == "cases" else "Legal questions / សំណួរច្បាប់"
        return district_map_svg(
            values,
            f"{what} · {period.label} · {scope.label}",
            name=lambda code: places.name(code, "en"),
            # Case counts include protection cases; legal questions are nobody's secret.
            small_cells_hidden=measure == "cases" and not scope.full_protection,
            width=width,
            focus_province=scope.province_code,
        )

    @bp.get("/map.svg")
    def district_map_file():
        """The map alone, as an SVG file."""
        period, scope = context()
        measure = request.args.get("measure", "cases")
        if measure not in ("cases", "questions"):
            abort(400)
        return Response(_map_svg(period, scope, measure), mimetype="image/svg+xml")

    def _tables(period: Period, scope: Scope):
        d = build_dashboard(services().engine, period, scope, now=services().clock())
        with services().engine.connect() as conn:
            return d.tables(), namer(conn)

    @bp.get("/export.csv")
    def export_csv():
        """One table (`table=key`) or every table, as CSV (UTF-8 with BOM)."""
        period, scope = context()
        tables, name = _tables(period, scope)
        key = request.args.get("table")
        if key:
            tables = [t for t in tables if t.key == key] or abort(404)
        body = to_csv(tables, name)
        filename = f"jsc-{key or 'indicators'}-{period.label}.csv"
        return Response(
            body,
            mimetype="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @bp.get("/export.xlsx")
    def export_xlsx():
        """Every table as a workbook, one sheet each."""
        period, scope = context()
        tables, name = _tables(period, scope)
        return Response(
            to_xlsx(tables, name, title=f"JSC indicators {period.label}"),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="jsc-indicators-{period.label}.xlsx"'},
        )

    @bp.get("/monthly")
    def monthly():
        """The monthly report, printable: the programme's indicators for one province or the country."""
        period, scope = context()
        with services().engine.connect() as conn:
            tables = [
                ind.cases_intake(conn, period, scope, by="office"),
                ind.sessions(conn, period, scope, by="office"),
                ind.outcomes(conn, period, scope, by="office"),
                ind.escalations(conn, period, scope, by="office"),
                ind.protection_stages(conn, period, scope, by="none", now=services().clock()),
                ind.legal_demand(conn, period, scope, by="topic"),
                ind.knowledge_gaps(conn, period, scope, by="district"),
                ind.sms_cost(conn, period, scope, by="none"),
                ind.opt_outs(conn, period, scope, by="channel"),
            ]
            tables = [t.suppressed(scope) for t in tables]
            name = namer(conn)
        svg = _map_svg(period, scope, "cases")
        return render_template("reports/monthly.html", tables=tables, name=name, period=period, scope=scope, svg=svg)

    return bp
