"""What the case page and the audit log say about stored values, in the reader's language: why a
case is with its office (place names from the gazetteer, never a code), each event of the
timeline with its details, an audit entry's details. Nothing stored is shown as it is written in
the database: statuses, kinds, event types and reasons all go through the console's catalogue."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.console.i18n import CATALOGUE, t
from intake import replies, routing
from intake.model import AuditEntry, Case, CaseEvent, Office


def _word(key: str, lang: str, otherwise: str = "") -> str:
    """The catalogue's text for a key built from a stored value; `otherwise` for a value the
    catalogue does not know (never the key itself)."""
    return t(key, lang) if key in CATALOGUE else otherwise


def routing_reason(reason: str | None, case: Case, places, lang: str) -> str:
    """'Covers Sangkae District' / 'ទទួលបន្ទុកស្រុកសង្កែ', 'Nearest office: 12 km', ..."""
    if not reason:
        return "—"
    parts = routing.read_reason(reason)
    if parts.rule == "covers":
        text = t("reason_covers", lang, place=_place(parts.place or "", case, places, lang))
    elif parts.rule == "nearest":
        text = t("reason_nearest", lang, km=parts.km)
    elif parts.rule == "unknown":
        return reason  # written by something else (an older release): shown as it was stored
    else:
        text = t(f"reason_{parts.rule}", lang)
    return t("reason_in_province", lang, reason=text) if parts.in_province else text


def _place(written: str, case: Case, places, lang: str) -> str:
    """The place a reason names (in English, as the router wrote it), in the reader's language:
    it is one of the case's own places."""
    for code in (case.commune_code, case.district_code, case.province_code):
        if code and written in (places.name(code, "en"), code, f"<{code}>"):
            return places.name(code, lang)
    return written


@dataclass(frozen=True)
class Line:
    """One event of the timeline, ready to show."""

    at: datetime
    title: str
    actor: str
    details: list[str] = field(default_factory=list)


def describe(
    events: list[CaseEvent],
    case: Case,
    *,
    offices: Mapping[str, Office],
    names: Mapping[str, str],
    places,
    local_time: Callable[[datetime], str],
    lang: str,
) -> list[Line]:
    """The timeline: each event's title, who did it and its details, in `lang`. `offices` by
    code, `names` by actor (`official:ID`, `citizen`, ...)."""
    lines = []
    for e in events:
        title = _word(f"ev_{e.type}", lang) or t("ev_other", lang)
        actor = names.get(e.actor) or t("actor_official", lang)
        lines.append(Line(e.at, title, actor, _details(e, case, offices, names, places, local_time, lang)))
    return lines


def _details(e: CaseEvent, case, offices, names, places, local_time, lang: str) -> list[str]:
    d = e.detail or {}
    out: list[str] = []
    if d.get("office"):
        office = offices.get(d["office"])
        out.append(office.name(lang) if office else d["office"])
    if e.type in ("routed", "rerouted", "unrouted") and d.get("reason"):
        out.append(routing_reason(d["reason"], case, places, lang))
    if e.type == "outcome" and d.get("outcome"):
        out.append(_word(f"status_{d['outcome']}", lang))
    if e.type == "stage" and d.get("stage"):
        out.append(_word(f"status_{d['stage']}", lang))
    if d.get("starts_at"):
        try:
            out.append(local_time(datetime.fromisoformat(d["starts_at"])))
        except ValueError:
            pass
    if e.type == "duty_desk_notified" and d.get("why") in ("unplaced", "uncovered", "reminder", "exhausted"):
        out.append(t(f"why_{d['why']}", lang))
    for key in ("officials", "coordinators"):
        if isinstance(d.get(key), int):
            out.append(t("told_n", lang, n=d[key]))
    if e.type == "message_withheld" and d.get("purpose"):
        out.append(_word(f"purpose_{d['purpose']}", lang))
    if isinstance(d.get("hours_before"), int):
        out.append(t("hours_before", lang, n=d["hours_before"]))
    if isinstance(d.get("day"), int):
        out.append(t("day_n", lang, n=d["day"]))
    if d.get("answer") in ("will_come", "cannot_come", "settled", "not_settled"):
        out.append(t(f"answer_{d['answer']}", lang))
    if "needs_help" in d:
        out.append(t("needs_help" if d["needs_help"] else "is_safe", lang))
    if d.get("to_official_id"):
        out.append(names.get(f"official:{d['to_official_id']}", "?"))
    if e.type == "office_message":
        out.append(t("discreet_text" if d.get("discreet") else "free_text", lang))
    if e.type == "other_party_invited" and d.get("sent") is False:
        out.append(t("not_sent", lang))
    return [x for x in out if x]


# The filters of an export, named as the inbox names them.
_FILTER_LABELS = {
    "show": "quick_filters",
    "kind": "kind",
    "status": "status",
    "office": "office",
    "province": "province",
    "ref": "ref",
    "sort": "sort",
}


def audit_details(entry: AuditEntry, names: Mapping[int, str], places, lang: str) -> list[str]:
    """An audit entry's details in `lang`: what was done, to whom, how many; the address last."""
    d = entry.detail or {}
    out: list[str] = []
    if d.get("action"):
        out.append(_word(f"did_{d['action']}", lang, d["action"]))
    if d.get("outcome"):
        out.append(_word(f"status_{d['outcome']}", lang, d["outcome"]))
    if d.get("office"):
        out.append(f"{t('office', lang)}: {d['office']}")
    if f"official_button_{d.get('discreet')}" in replies.TEMPLATES:
        out.append(replies.TEMPLATES[f"official_button_{d['discreet']}"]["km" if lang == "km" else "en"])
    if "narrative" in d:
        out.append(t("narrative_read" if d["narrative"] else "narrative_not_read", lang))
    if isinstance(d.get("rows"), int):
        out.append(t("rows_n", lang, n=d["rows"]))
    for key, value in sorted((d.get("filters") or {}).items()):
        label = _FILTER_LABELS.get(key)
        if label and value:
            out.append(f"{t(label, lang)}: {_filter_value(key, value, places, lang)}")
    if d.get("official"):
        out.append(names.get(d["official"], f"#{d['official']}"))
    if d.get("before") and d.get("after"):
        out.append(
            f"{_word('role_' + d['before'], lang, d['before'])} → {_word('role_' + d['after'], lang, d['after'])}"
        )
    elif d.get("role"):
        out.append(_word(f"role_{d['role']}", lang, d["role"]))
    if "offices" in d:
        out.append(
            t(
                "upload_preview",
                lang,
                offices=d["offices"],
                added=d.get("added", 0),
                updated=d.get("updated", 0),
                deactivated=d.get("deactivated", 0),
            )
        )
    if entry.ip:
        out.append(entry.ip)
    return out


def _filter_value(key: str, value: str, places, lang: str) -> str:
    if key == "show":
        return _word(f"filter_{value}", lang, value)
    if key == "kind":
        return _word(f"kind_{value}", lang, value)
    if key == "status":
        return _word("closed_cases" if value == "closed" else f"status_{value}", lang, value)
    if key == "province":
        return places.name(value, lang)
    if key == "sort":
        return t({"newest": "newest_first", "oldest": "oldest_first"}.get(value, "urgent_first"), lang)
    return value
