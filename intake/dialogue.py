"""The intake conversation: plain Python, shared by SMS and Telegram, no I/O.

`step()` takes what the contact wrote (already understood by the NLU), where the conversation
stands, and what the service knows about the contact's open case, and decides what to do: reply,
open or update a case, opt out, switch language. The service layer carries the decision out.
State diagram: `intake/dialogue.md`.

Principles: ask little (every question costs the villager an SMS); never ask again for what a
message already said; danger wins over everything (a protection case is opened and routed at once,
before any question); nothing is shared with an office without the person's consent, except a
person at risk, whose safety comes first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from intake.model import CaseKind, parse_case_ref
from nlu.types import Intent, Location, Understanding

KEYWORDS = {
    "stop": {"stop", "unsubscribe", "stopall", "ឈប់", "បញ្ឈប់"},
    "start": {"start", "unstop", "ចាប់ផ្តើម"},
    "help": {"help", "ជំនួយ", "?"},
    "more": {"more", "បន្ថែម"},
    "cancel": {"cancel", "restart", "reset", "start over", "បោះបង់", "ចាប់ផ្តើមឡើងវិញ"},
    "lang": {"lang", "language", "ភាសា"},
}
YES = {"1", "yes", "y", "ok", "okay", "baat", "bat", "chas", "jas", "ចាស", "បាទ", "បាទ/ចាស", "យល់ព្រម", "ព្រម", "១"}
NO = {"2", "no", "n", "te", "ot te", "min", "ទេ", "អត់ទេ", "មិនព្រម", "២"}

# A relation named in the first message means we need not ask who the other party is.
RELATION_WORDS = re.compile(
    r"\b(neighbou?rs?|brother|sister|husband|wife|uncle|aunt|cousin|father|mother|son|daughter|in-law|"
    r"landlord|lender|creditor|debtor|boss|employer|company|relatives?|friend|village chief|"
    r"neak ?chit ?khang|bong ?pros|bong ?srey|pou|ming|ov|mae|kon|chhmuoch)\b"
    r"|អ្នកជិតខាង|បងប្រុស|បងស្រី|ប្អូន|ឪពុក|ម្តាយ|ម្ដាយ|ពូ|មីង|ក្មេក|ម្ចាស់បំណុល|ថៅកែ|សាច់ញាតិ|មិត្ត|ក្រុមហ៊ុន",
    re.IGNORECASE,
)
WANT_WORDS = re.compile(r"\b(want|would like|ask for|need|chong|som)\b|ចង់|សុំ|ត្រូវការ", re.IGNORECASE)

IDLE = "idle"
AWAITING_LOCATION = "awaiting_location"
AWAITING_DETAILS = "awaiting_details"
AWAITING_CONSENT = "awaiting_consent"
AWAITING_SAFE_CONTACT = "awaiting_safe_contact"
RESUME_PROMPT = "resume_prompt"
# The knowledge base was not sure and offered numbered topics (set by the service when it does).
AWAITING_TOPIC = "awaiting_topic"
# The NLU's safety triage said "ask": we asked whether anyone is hurting them or in danger now.
AWAITING_SAFETY = "awaiting_safety"
_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def _number(text: str) -> int | None:
    """A reply that is only a number (ASCII or Khmer digits), else None. Other Unicode digits
    ("②", "²") are not numbers here: int() would refuse them."""
    choice = text.strip().translate(_KHMER_DIGITS)
    return int(choice) if choice.isascii() and choice.isdigit() and len(choice) <= 3 else None


# Questions the case workflow asks (set by the service when it sends them).
# Waiting for a 1 / 2 answer to a question the workflow asked (set by `intake.cases`).
AWAITING_APPOINTMENT_ANSWER = "awaiting_appointment_answer"
AWAITING_FOLLOW_UP = "awaiting_follow_up"
AWAITING_CHECK_IN = "awaiting_check_in"
ANSWER_STATES = {AWAITING_APPOINTMENT_ANSWER, AWAITING_FOLLOW_UP, AWAITING_CHECK_IN}
# An office wrote to the person through the service (`/msg`): whatever they write next joins the
# case and reaches the office (data: the case's `ref`).
AWAITING_OFFICE_REPLY = "awaiting_office_reply"


@dataclass(frozen=True)
class Reply:
    key: str
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OpenCase:
    """Open a case; `then_ask` names the template to append to the confirmation."""

    kind: str
    urgent: bool
    summary: str
    location: Location
    details: str = ""
    then_ask: str | None = None
    other_party_phone: str | None = None


@dataclass(frozen=True)
class RouteCase:
    """Route the conversation's already-open case now that its place is known."""

    location: Location
    then_ask: str | None = None


@dataclass(frozen=True)
class AddToCase:
    """A new message about a matter that already has an open case."""

    ref: str


@dataclass(frozen=True)
class ShowStatus:
    ref: str | None


@dataclass(frozen=True)
class AnswerLegalQuestion:
    text: str
    understanding: Understanding | None = field(default=None, compare=False)  # the NLU's reading of `text`


@dataclass(frozen=True)
class ShowMore:
    article_id: str
    page: int = 0  # MORE sends one page at a time; the service notes the next in `more_next`


@dataclass(frozen=True)
class ShowArticle:
    """A related-question button pressed on Telegram."""

    article_id: str


@dataclass(frozen=True)
class SetOptOut:
    opted_out: bool


@dataclass(frozen=True)
class SetSafeContact:
    safe: bool
    hours: str | None = None  # "day": only 08:00–17:00


@dataclass(frozen=True)
class SetLanguage:
    language: str  # "en" | "km"


@dataclass(frozen=True)
class AskSafety:
    """Ask once, in one short SMS with the hotlines: is anyone hurting you or in danger now?
    1 yes 2 no (buttons on Telegram). The service schedules the 30-minute timeout
    (`safety_timeout`) and notes the asking message's id in `data["pending"]["message_id"]`."""


@dataclass(frozen=True)
class CitizenAnswer:
    """A 1 / 2 answer to a question the service asked (appointment, follow-up, check-in)."""

    question: str
    yes: bool
    data: dict


@dataclass(frozen=True)
class OpenCaseInfo:
    """The contact's most recent open case, when it is recent enough to add to."""

    ref: str
    kind: str


@dataclass
class Decision:
    """What to do after one inbound message, and the conversation's next state."""

    actions: list = field(default_factory=list)
    state: str = IDLE
    data: dict = field(default_factory=dict)


def keyword(text: str) -> str | None:
    """The command a whole message stands for (STOP, START, HELP, MORE, CANCEL, LANG …)."""
    words = text.strip().strip(".!").lower()
    first = words.split(" ", 1)[0] if words else ""
    for name, variants in KEYWORDS.items():
        if words in variants:
            return name
    if first in KEYWORDS["lang"]:
        return "lang"
    return None


def _answer(text: str, understanding: Understanding) -> str | None:
    """'yes' / 'no' for a reply to a numbered question, else None."""
    word = text.strip().strip(".!").lower()
    if word in YES:
        return "yes"
    if word in NO:
        return "no"
    if understanding.intent == Intent.AFFIRM:
        return "yes"
    if understanding.intent == Intent.DENY:
        return "no"
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
        # The service names each option with its district and province, in the person's script.
        candidates = [[c.level, c.code, c.name_km, c.name_latin] for c in location.ambiguous[:4]]
        return Reply("ask_which_place", {"candidates": candidates})
    if location.province_code and not location.district_code:
        return Reply("ask_district", {"province_code": location.province_code})
    return Reply("ask_location")


def _location_dict(location: Location) -> dict:
    return {
        "province_code": location.province_code,
        "district_code": location.district_code,
        "commune_code": location.commune_code,
        "ambiguous": [[c.level, c.code, c.name_km, c.name_latin] for c in location.ambiguous[:4]],
    }


def _location(data: dict | None) -> Location:
    from nlu.types import PlaceCandidate

    data = data or {}
    return Location(
        province_code=data.get("province_code"),
        district_code=data.get("district_code"),
        commune_code=data.get("commune_code"),
        ambiguous=tuple(PlaceCandidate(*c) for c in data.get("ambiguous", [])),
    )


def _merge(old: Location, new: Location, text: str) -> Location:
    """A place given in reply to our question, completed by what an earlier message said; a
    number picks one of the numbered candidates we offered."""
    choice = _number(text)
    if old.ambiguous and choice is not None and 1 <= choice <= len(old.ambiguous):
        picked = old.ambiguous[choice - 1]
        code = picked.code
        return Location(
            province_code=code[:2],
            district_code=code[:4] if len(code) >= 4 else old.district_code,
            commune_code=code[:6] if len(code) >= 6 else None,
        )
    if new.province_code or new.district_code or new.ambiguous:
        if old.province_code and new.province_code and new.province_code != old.province_code:
            return new
        return Location(
            province_code=new.province_code or old.province_code,
            district_code=new.district_code or old.district_code,
            commune_code=new.commune_code or old.commune_code,
            village_code=new.village_code,
            ambiguous=new.ambiguous,
        )
    return old


def _dispute_next(data: dict) -> Decision:
    """Ask for whatever a JSC still needs, in order: place, the other party and the wish, consent."""
    location = _location(data.get("location"))
    if not _placed(location, CaseKind.DISPUTE):
        return Decision([_ask_place(location)], AWAITING_LOCATION, data)
    if not data.get("details_known"):
        key = "ask_wants" if data.get("party_known") else "ask_details"
        return Decision([Reply(key)], AWAITING_DETAILS, data)
    return Decision([Reply("ask_consent")], AWAITING_CONSENT, data)


def _start_dispute(text: str, location: Location) -> Decision:
    party = bool(RELATION_WORDS.search(text))
    data = {
        "kind": CaseKind.DISPUTE,
        "summary": text,
        "location": _location_dict(location),
        "party_known": party,
        "details_known": party and bool(WANT_WORDS.search(text)),
    }
    return _dispute_next(data)


def _start_protection(text: str, location: Location) -> Decision:
    """Open and route at once; the only question is where, when we do not know, and whether
    messages to this phone are safe."""
    if _placed(location, CaseKind.PROTECTION):
        return Decision(
            [OpenCase(CaseKind.PROTECTION, True, text, location, then_ask="ask_safe_contact")],
            AWAITING_SAFE_CONTACT,
            {},
        )
    return Decision(
        [OpenCase(CaseKind.PROTECTION, True, text, location, then_ask=None), Reply("protection_safety")],
        AWAITING_LOCATION,
        {"kind": CaseKind.PROTECTION, "location": _location_dict(location), "case_open": True},
    )


def _pending(text: str, understanding: Understanding, state: str, data: dict) -> dict:
    """What the safety question holds on to: the message and what the classifier read in it, and
    where the conversation stood, so that a "no" carries on from there."""
    return {
        "text": text,
        "intent": understanding.intent.value,
        "confidence": understanding.confidence,
        "language": understanding.language.value,
        "location": _location_dict(understanding.location),
        "phones": list(understanding.phones),
        "urgent": understanding.urgent,
        "danger": list(understanding.danger),
        "state": state,
        "data": {k: v for k, v in data.items() if k != SAFETY_ASKED},
    }


def _pending_understanding(pending: dict) -> Understanding:
    from nlu.types import Language

    return Understanding(
        intent=Intent(pending.get("intent", Intent.OUT_OF_SCOPE.value)),
        confidence=float(pending.get("confidence", 0.0)),
        language=Language(pending.get("language", Language.KHMER.value)),
        location=_location(pending.get("location")),
        phones=tuple(pending.get("phones", ())),
        danger=tuple(pending.get("danger", ())),
    )


# Kept in `conversation.data` across every state once the safety question was asked, so that it
# is asked at most once per conversation (the service forgets it after a week of silence).
SAFETY_ASKED = "safety_asked"


def _protect_pending(pending: dict, extra: str = "", location: Location | None = None) -> Decision:
    """A protection case for the message that raised the safety question (and any later words)."""
    text = pending.get("text", "")
    if extra:
        text = f"{text}\n{extra}"
    place = _location(pending.get("location"))
    if location is not None:
        place = _merge(place, location, extra)
    return _start_protection(text, place)


def safety_timeout(data: dict) -> Decision:
    """No answer to the safety question in time: a victim who cannot answer must not be dropped,
    so the message that raised it opens a protection case."""
    decision = _protect_pending(data.get("pending") or {})
    decision.data = dict(decision.data, **{SAFETY_ASKED: True})
    return decision


def step(
    text: str,
    understanding: Understanding,
    state: str,
    data: dict,
    *,
    open_case: OpenCaseInfo | None = None,
    stale: bool = False,
) -> Decision:
    """Decide the next move of the conversation for one inbound message."""
    decision = _step(text, understanding, state, data, open_case=open_case, stale=stale)
    if data.get(SAFETY_ASKED) and not decision.data.get(SAFETY_ASKED):
        decision.data = dict(decision.data, **{SAFETY_ASKED: True})
    return decision


def _safety_answer(text: str, understanding: Understanding, data: dict, open_case: OpenCaseInfo | None) -> Decision:
    """The reply to the safety question: yes (or any new danger) protects at once; no carries on
    with what the classifier read, without asking again; anything else is a new message."""
    pending = data.get("pending") or {}
    rest = {SAFETY_ASKED: True}
    adds_danger = understanding.safety in ("protect", "ask") or (
        understanding.safety == "none" and understanding.intent == Intent.VICTIM_PROTECTION
    )
    answer = _answer(text, understanding) if understanding.safety != "protect" else None
    if answer == "yes" or (answer is None and adds_danger):
        return _protect_pending(pending, "" if answer == "yes" else text, understanding.location)
    if answer == "no":
        state, previous = pending.get("state", IDLE), dict(pending.get("data") or {}, **rest)
        return _step(pending.get("text", ""), _pending_understanding(pending), state, previous, open_case=open_case)
    return _step(text, understanding, IDLE, rest, open_case=open_case)


def _step(
    text: str,
    understanding: Understanding,
    state: str,
    data: dict,
    *,
    open_case: OpenCaseInfo | None = None,
    stale: bool = False,
) -> Decision:
    word = keyword(text)
    if word == "stop":
        return Decision([SetOptOut(True), Reply("stopped")], IDLE, {})
    if word == "start":
        return Decision([SetOptOut(False), Reply("help")], IDLE, {})
    if word == "help":
        return Decision([Reply("help")], state, data)
    if word == "cancel":
        return Decision([Reply("cancelled")], IDLE, {})
    if word == "lang":
        arg = text.strip().lower().split()[1:] or [""]
        target = "en" if arg[0] in {"en", "english", "eng"} else "km" if arg[0] else "toggle"
        return Decision([SetLanguage(target), Reply("language_set")], state, data)
    if word == "more":
        if data.get("last_article"):
            return Decision([ShowMore(data["last_article"], int(data.get("more_next") or 0))], state, data)
        return Decision([Reply("help")], state, data)
    if not any(ch.isalnum() for ch in text):
        return Decision([Reply("empty")], state, data)
    if m := re.fullmatch(r"kb:([a-z0-9-]{1,80})", text.strip()):
        return Decision([ShowArticle(m.group(1))], IDLE, {})
    if text.strip() == "open:case":
        return Decision([Reply("ask_problem")], IDLE, {})
    if state == AWAITING_TOPIC:
        choices = data.get("choices") or []
        pick = _number(text.strip().strip(".)"))
        if pick is not None and 1 <= pick <= len(choices):
            return Decision([ShowArticle(choices[pick - 1])], IDLE, {})
        state, data = IDLE, {k: v for k, v in data.items() if k == "last_article"}  # a new message

    if state == AWAITING_SAFETY:
        return _safety_answer(text, understanding, data, open_case)

    intent = understanding.intent
    # "ask" keeps the classifier's reading; only "protect" (or an NLU that does not triage) is danger.
    danger = understanding.safety != "ask" and (intent == Intent.VICTIM_PROTECTION or understanding.urgent)
    answer = _answer(text, understanding)
    if (
        understanding.safety == "ask"
        and not data.get(SAFETY_ASKED)
        and state not in ANSWER_STATES | {AWAITING_SAFE_CONTACT}
        and not (open_case and open_case.kind == CaseKind.PROTECTION)
    ):
        # A weak or conflicting sign of danger: ask once rather than guess either way.
        return Decision(
            [AskSafety()],
            AWAITING_SAFETY,
            {"pending": _pending(text, understanding, state, data), SAFETY_ASKED: True},
        )

    if state in ANSWER_STATES:
        if answer is not None and not danger:
            return Decision([CitizenAnswer(state, answer == "yes", data)], IDLE, {})
        state, data = IDLE, {}  # something else: handle it as a new message

    if state == AWAITING_OFFICE_REPLY:
        ref = data.get("ref")
        if ref and not stale and (not danger or (open_case and open_case.kind == CaseKind.PROTECTION)):
            return Decision([AddToCase(ref)], IDLE, {})
        state, data = IDLE, {}

    if state == RESUME_PROMPT:
        previous = data.get("previous", {})
        if answer == "yes" and previous:
            if previous.get("kind") == CaseKind.DISPUTE:
                return _dispute_next(previous)
            return Decision([_ask_place(_location(previous.get("location")))], previous.get("state", IDLE), previous)
        if answer == "no":
            return Decision([Reply("cancelled")], IDLE, {})
        state, data = IDLE, {}  # they wrote something new: start afresh with it
    elif stale and state not in (IDLE, AWAITING_SAFE_CONTACT) and not danger:
        if _answer(text, understanding) is None and not understanding.location.province_code:
            return Decision([Reply("ask_resume")], RESUME_PROMPT, {"previous": dict(data, state=state)})
        state, data = IDLE, {}

    # Someone at risk: protection at once, whatever the conversation was doing.
    if danger and not (state == AWAITING_LOCATION and data.get("kind") == CaseKind.PROTECTION):
        if open_case and open_case.kind == CaseKind.PROTECTION and state == IDLE:
            return Decision([AddToCase(open_case.ref)], IDLE, {})
        location = understanding.location
        if state == AWAITING_LOCATION:
            location = _merge(_location(data.get("location")), location, text)
        return _start_protection(text, location)

    if state == AWAITING_LOCATION:
        location = _merge(_location(data.get("location")), understanding.location, text)
        kind = data.get("kind", CaseKind.DISPUTE)
        if kind == CaseKind.PROTECTION:
            if _placed(location, kind):
                return Decision([RouteCase(location, then_ask="ask_safe_contact")], AWAITING_SAFE_CONTACT, {})
            return Decision([_ask_place(location)], AWAITING_LOCATION, dict(data, location=_location_dict(location)))
        if (
            _placed(location, kind)
            or location.province_code
            or location.ambiguous
            or intent not in (Intent.DISPUTE_MEDIATION, Intent.LEGAL_INFORMATION, Intent.CASE_STATUS, Intent.GREET)
        ):
            return _dispute_next(dict(data, location=_location_dict(location)))

    if state == AWAITING_DETAILS:
        phone = understanding.phones[0] if understanding.phones else None
        return _dispute_next(dict(data, details=text, details_known=True, other_party_phone=phone))

    if state == AWAITING_CONSENT:
        if answer == "yes":
            location = _location(data.get("location"))
            return Decision(
                [
                    OpenCase(
                        CaseKind.DISPUTE,
                        False,
                        data.get("summary", ""),
                        location,
                        details=data.get("details", ""),
                        other_party_phone=data.get("other_party_phone"),
                    )
                ],
                IDLE,
                {},
            )
        if answer == "no":
            return Decision([Reply("consent_declined")], IDLE, {})
        return Decision([Reply("ask_consent")], AWAITING_CONSENT, data)

    if state == AWAITING_SAFE_CONTACT and text.strip() in {"3", "៣"}:
        return Decision([SetSafeContact(True, hours="day"), Reply("safe_day")], IDLE, {})
    if state == AWAITING_SAFE_CONTACT and answer is not None:
        return Decision(
            [SetSafeContact(answer == "yes"), Reply("safe_yes" if answer == "yes" else "safe_no")], IDLE, {}
        )

    if intent == Intent.DISPUTE_MEDIATION:
        if open_case:
            return Decision([AddToCase(open_case.ref)], IDLE, {})
        return _start_dispute(text, understanding.location)
    if intent == Intent.CASE_STATUS or parse_case_ref(text):
        return Decision([ShowStatus(parse_case_ref(text))], IDLE, {})
    if intent == Intent.LEGAL_INFORMATION:
        return Decision([AnswerLegalQuestion(text, understanding)], IDLE, {"last_article": data.get("last_article")})
    # A sentence the classifier read as "stop" (the command word itself was handled above): "please
    # stop texting me", but also "I can't go on, I just want it all to stop" (blind set 15). A guess
    # never opts anyone out: the reply says how to, with the hotline.
    reply = "stop_confirm" if intent == Intent.STOP else "help"
    return Decision([Reply(reply)], IDLE, {k: v for k, v in data.items() if k == "last_article"})
