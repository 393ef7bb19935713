"""The intake conversation: plain Python, shared by SMS and Telegram, no I/O.

`step()` takes what the contact wrote (already understood by the NLU) and where the conversation
stands, and decides what to do: reply, open a case, opt out, look up a case. The service layer
carries the decision out. State diagram: `intake/dialogue.md`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from intake.model import CaseKind, parse_case_ref
from nlu.types import Intent, Location, Understanding

KEYWORDS = {
    "stop": {"stop", "unsubscribe", "ឈប់", "បញ្ឈប់"},
    "start": {"start", "ចាប់ផ្តើម"},
    "help": {"help", "ជំនួយ", "?"},
    "more": {"more", "បន្ថែម"},
}

IDLE = "idle"
AWAITING_LOCATION = "awaiting_location"


@dataclass(frozen=True)
class Reply:
    key: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OpenCase:
    kind: str
    urgent: bool
    summary: str
    location: Location


@dataclass(frozen=True)
class ShowStatus:
    ref: str | None


@dataclass(frozen=True)
class AnswerLegalQuestion:
    text: str


@dataclass(frozen=True)
class ShowMore:
    article_id: str


@dataclass(frozen=True)
class SetOptOut:
    opted_out: bool


@dataclass
class Decision:
    """What to do after one inbound message, and the conversation's next state."""

    actions: list = field(default_factory=list)
    state: str = IDLE
    data: dict = field(default_factory=dict)


def keyword(text: str) -> str | None:
    """The command a whole message stands for (STOP, START, HELP), if it is one."""
    word = text.strip().strip(".!").lower()
    for name, words in KEYWORDS.items():
        if word in words:
            return name
    return None


def _placed(location: Location, kind: str) -> bool:
    """Enough place to route: a district (a protection case may go on a province alone)."""
    if location.ambiguous:
        return False
    if kind == CaseKind.PROTECTION:
        return location.province_code is not None
    return location.district_code is not None


def _ask_place(location: Location) -> Reply:
    if location.ambiguous:
        choices = ", ".join(f"{c.name_latin} ({c.code})" for c in location.ambiguous[:4])
        return Reply("ask_which_place", {"choices": choices})
    if location.province_code and not location.district_code:
        return Reply("ask_district", {"province_code": location.province_code})
    return Reply("ask_location")


def _merge(old: dict | None, new: Location) -> Location:
    """A place given in reply to our question, completed by what an earlier message said."""
    if not old:
        return new
    if new.province_code or new.district_code:
        if old.get("province_code") and new.province_code and new.province_code != old["province_code"]:
            return new
        return Location(
            province_code=new.province_code or old.get("province_code"),
            district_code=new.district_code or old.get("district_code"),
            commune_code=new.commune_code or old.get("commune_code"),
            village_code=new.village_code,
            ambiguous=new.ambiguous,
        )
    return Location(
        province_code=old.get("province_code"),
        district_code=old.get("district_code"),
        commune_code=old.get("commune_code"),
        ambiguous=new.ambiguous,
    )


def _location_dict(location: Location) -> dict:
    return {
        "province_code": location.province_code,
        "district_code": location.district_code,
        "commune_code": location.commune_code,
    }


def step(text: str, understanding: Understanding, state: str, data: dict) -> Decision:
    """Decide the next move of the conversation for one inbound message."""
    word = keyword(text)
    if word == "stop":
        return Decision([SetOptOut(True), Reply("stopped")], IDLE, {})
    if word == "start":
        return Decision([SetOptOut(False), Reply("help")], IDLE, {})
    if word == "help":
        return Decision([Reply("help")], state, data)
    if word == "more":
        if data.get("last_article"):
            return Decision([ShowMore(data["last_article"])], state, data)
        return Decision([Reply("help")], state, data)
    if not any(ch.isalnum() for ch in text):
        return Decision([Reply("empty")], state, data)

    intent = understanding.intent
    kind_now = None
    if intent == Intent.VICTIM_PROTECTION or understanding.urgent:
        kind_now = CaseKind.PROTECTION
    elif intent == Intent.DISPUTE_MEDIATION:
        kind_now = CaseKind.DISPUTE

    if state == AWAITING_LOCATION and kind_now != CaseKind.PROTECTION:
        pending_kind = data.get("kind", CaseKind.DISPUTE)
        location = _merge(data.get("location"), understanding.location)
        if _placed(location, pending_kind):
            return Decision(
                [OpenCase(pending_kind, bool(data.get("urgent")), data.get("summary", ""), location)], IDLE, {}
            )
        if kind_now is None and not (location.province_code or location.ambiguous):
            # Not a place and not a new request: ask again, keeping what we have.
            return Decision([_ask_place(location)], AWAITING_LOCATION, data)
        if kind_now is None:
            return Decision([_ask_place(location)], AWAITING_LOCATION, data | {"location": _location_dict(location)})

    if kind_now == CaseKind.PROTECTION:
        location = understanding.location
        if state == AWAITING_LOCATION and data.get("kind") == CaseKind.PROTECTION:
            location = _merge(data.get("location"), location)
        summary = text if state != AWAITING_LOCATION else (data.get("summary", "") + "\n" + text).strip()
        if _placed(location, CaseKind.PROTECTION):
            return Decision([OpenCase(CaseKind.PROTECTION, True, summary, location)], IDLE, {})
        return Decision(
            [Reply("protection_safety")],
            AWAITING_LOCATION,
            {"kind": CaseKind.PROTECTION, "urgent": True, "summary": summary, "location": _location_dict(location)},
        )

    if kind_now == CaseKind.DISPUTE:
        location = understanding.location
        if _placed(location, CaseKind.DISPUTE):
            return Decision([OpenCase(CaseKind.DISPUTE, False, text, location)], IDLE, {})
        return Decision(
            [_ask_place(location)],
            AWAITING_LOCATION,
            {"kind": CaseKind.DISPUTE, "urgent": False, "summary": text, "location": _location_dict(location)},
        )

    if intent == Intent.CASE_STATUS or parse_case_ref(text):
        return Decision([ShowStatus(parse_case_ref(text))], state, data)
    if intent == Intent.LEGAL_INFORMATION:
        return Decision([AnswerLegalQuestion(text)], state, data)
    if intent == Intent.STOP:
        return Decision([SetOptOut(True), Reply("stopped")], IDLE, {})
    return Decision([Reply("help")], state, data)
