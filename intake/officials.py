"""Officials on Telegram: an official's command or button press becomes one of the case actions
of `intake.cases`, and its result a Telegram reply.

Commands are typed (`/cases [urgent|mine|unaccepted] [page]`, `/case REF`, `/msg REF text`,
`/note REF text`, `/schedule REF 2026-12-03 09:00 [place]`, `/cancel REF`); buttons carry short
callback data named in `intake.callbacks` (`acc:12`, `sd:12:20261203`, `case:12`, ...). Each
command and each button prefix has one handler, found in a table. A button that asks for a text
(a message to the person, a note) makes the official's next plain message that text.
Every action checks that the official may act on the case: an official on their office's cases,
a coordinator on every office of their province, an admin on all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from intake import callbacks, cases, outbound, replies, staff
from intake.deps import IntakeDeps
from intake.model import OUTCOMES, Case, CaseKind, CaseStatus, Channel, Direction, Message, Official, Purpose
from intake.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

SCHEDULE = re.compile(r"^/schedule\s+(\S+)\s+(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})(?:\s+(.+))?$", re.I)
BUTTON = re.compile(r"^[a-z]{2,4}:\d+")
PAGE_SIZE = 10  # cases per `/cases` page
CARD_LIMIT = 4000  # characters: Telegram's limit is 4096
AWAITING_FOR = timedelta(minutes=15)  # how long a button's "write it now" waits for the text


def _say(
    uow: UnitOfWork,
    official: Official,
    key: str,
    template: str,
    params: dict | None = None,
    buttons: list | None = None,
    case_id: int | None = None,
) -> int:
    """Queue an official template (Khmer, then English) to the official."""
    out = outbound.queue_message(
        uow,
        channel=Channel.TELEGRAM,
        address=official.telegram_chat_id,
        body=replies.render_official(template, **(params or {})),
        key=key,
        official_id=official.id,
        case_id=case_id,
        purpose=Purpose.OFFICIAL_REPLY,
    )
    if buttons:
        out.buttons = buttons
    return out.id


def _answer(uow: UnitOfWork, official: Official, key: str, case: Case, result: cases.ActionResult) -> list[int]:
    """An action's messages to others, then its answer to the official who acted, with the
    actions the case now allows (or the choices the action offers)."""
    buttons = None
    if result.choices and result.reply == "official_msg_refused_discreet":
        buttons = [
            [[replies.render_label(f"official_button_{name}"), callbacks.data(callbacks.DISCREET, case.id, n)]]
            for n, name in enumerate(cases.DISCREET)
            if name in result.choices
        ]
    elif result.show_case_buttons:
        buttons = replies.case_buttons(case, cases.available_actions(uow, official, case))
    case_id = case.id if result.params.get("ref") else None
    return result.outbound + [_say(uow, official, key, result.reply, result.params, buttons, case_id)]


def handle(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, msg_id: int) -> list[int]:
    """Carry out one command or button press of a linked official. Returns outbound ids."""
    key = f"reply:{msg_id}:0"
    if not official.active:
        return [_say(uow, official, key, "official_inactive")]
    text = text.strip()
    if text.startswith(callbacks.PAGE + ":"):
        return _page(uow, deps, official, text, key)
    if official.awaiting and not text.startswith("/") and not BUTTON.match(text):
        pending, official.awaiting = official.awaiting, None
        if official.awaiting_at and deps.clock() - official.awaiting_at <= AWAITING_FOR:
            return _write(uow, deps, official, pending, text, key)
    if BUTTON.match(text):
        try:
            return _press(uow, deps, official, text.split(":"), key)
        except ValueError:  # forged or mangled button data: a bad number or date
            return [_say(uow, official, key, "official_button_expired")]
    command = text.split()[0].lower() if text else ""
    return COMMANDS.get(command, _help)(uow, deps, official, text, key)


# Commands: (uow, deps, official, text, key) -> outbound ids.


def _case_of(uow: UnitOfWork, official: Official, words: list[str]) -> Case | None:
    """The case named by the command's first argument, if the official may act on it."""
    case = uow.repo.case_by_ref(words[1].upper()) if len(words) > 1 else None
    return case if case is not None and cases.can_act(uow, official, case) else None


def _cases_command(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    words = text.lower().split()[1:]
    which = next((w for w in words if w in cases.CASE_FILTERS), None)
    page = next((int(w) for w in words if w.isdigit() and 0 < int(w) < 10_000), 1)
    return _list(uow, deps, official, which, (page - 1) * PAGE_SIZE, key)


def _page(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    parts = text.split(":")
    offset = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() and len(parts[1]) < 6 else 0
    which = parts[2] if len(parts) > 2 and parts[2] in cases.CASE_FILTERS else None
    return _list(uow, deps, official, which, offset, key)


def _list(uow: UnitOfWork, deps: IntakeDeps, official: Official, which: str | None, offset: int, key: str) -> list[int]:
    """A numbered page of the official's open cases, oldest first; each number opens the case."""
    found = cases.open_cases_for(uow, official, which)
    shown = found[offset : offset + PAGE_SIZE]
    if not shown:
        return [_say(uow, official, key, "official_no_open_cases")]
    now = deps.clock()
    lines = [
        replies.render_official("official_cases_header", first=offset + 1, last=offset + len(shown), total=len(found))
    ]
    for n, c in enumerate(shown, start=offset + 1):
        owner = uow.repo.official(c.accepted_by) if c.accepted_by else None
        status = replies.status_params(c.status, "s")
        lines.append(
            f"{n}. {c.ref} · {c.kind}{' · URGENT' if c.urgent else ''} · {status['s_km']} / {status['s']} · "
            f"{(now - c.created_at).days} d · {owner.name if owner else '—'}"
        )
    more = len(found) - offset - len(shown)
    numbers = [[str(n), callbacks.data(callbacks.CASE, c.id)] for n, c in enumerate(shown, start=offset + 1)]
    rows = [numbers[i : i + 5] for i in range(0, len(numbers), 5)]
    if more > 0:
        page = (offset + len(shown)) // PAGE_SIZE + 1
        lines.append(
            replies.render_official("official_cases_more", more=more, filter=f"{which} " if which else "", page=page)
        )
        rows.append(
            [
                [
                    replies.render_label("official_button_more"),
                    callbacks.data(callbacks.PAGE, offset + PAGE_SIZE, which or ""),
                ]
            ]
        )
    return [_say_text(uow, official, key, "\n".join(lines), rows)]


def _case_command(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    case = _case_of(uow, official, text.split())
    if case is None:
        return [_say(uow, official, key, "official_not_yours")]
    return _card(uow, deps, official, case, key)


def _msg_command(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    words = text.split(maxsplit=2)
    case = _case_of(uow, official, words)
    if case is None:
        return [_say(uow, official, key, "official_not_yours" if len(words) > 1 else "official_msg_usage")]
    message = words[2] if len(words) > 2 else ""
    result = cases.message_person(uow, deps, official, case, key, text=message)
    return _answer(uow, official, key, case, result)


def _note_command(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    words = text.split(maxsplit=2)
    case = _case_of(uow, official, words)
    if case is None:
        return [_say(uow, official, key, "official_not_yours" if len(words) > 1 else "official_note_usage")]
    return _answer(
        uow, official, key, case, cases.add_note(uow, deps, official, case, words[2] if len(words) > 2 else "")
    )


def _write(uow: UnitOfWork, deps: IntakeDeps, official: Official, pending: str, text: str, key: str) -> list[int]:
    """The text a button asked for: `msg:<case id>` a message to the person, `note:<case id>` a note."""
    what, _, case_id = pending.partition(":")
    case = uow.repo.case(int(case_id)) if case_id.isdigit() else None
    if case is None or not cases.can_act(uow, official, case):
        return [_say(uow, official, key, "official_not_yours")]
    if what == callbacks.MESSAGE:
        return _answer(uow, official, key, case, cases.message_person(uow, deps, official, case, key, text=text))
    return _answer(uow, official, key, case, cases.add_note(uow, deps, official, case, text))


def _stamp(deps: IntakeDeps, moment: datetime) -> str:
    return f"{deps.policy.local(moment):%d/%m %H:%M}"


def _message_line(deps: IntakeDeps, m: Message) -> str:
    who = replies.render_label("official_label_person" if m.direction == Direction.IN else "official_label_us")
    body = m.body if len(m.body) <= 400 else m.body[:399] + "…"
    return f"{_stamp(deps, m.created_at)} {'←' if m.direction == Direction.IN else '→'} {who}: {body}"


def _fit(lines: list[str], budget: int) -> int:
    """How many of the last `lines` fit in `budget` characters (one line per row)."""
    used, n = 0, 0
    for line in reversed(lines):
        if used + len(line) + 1 > budget:
            break
        used += len(line) + 1
        n += 1
    return n


def _card(uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case, key: str) -> list[int]:
    """The case card: state, office, owner, how to reach the person, the session, the story, the
    office's notes, the latest events and the conversation (newest last, as much as fits in one
    Telegram message, with a button for earlier messages), and the actions as buttons."""
    view = cases.case_view(uow, official, case)
    if view is None:
        return [_say(uow, official, key, "official_not_yours")]
    label = replies.render_label
    status = replies.status_params(case.status, "s")
    lines = [
        f"{label('official_label_case')} {case.ref} · {case.kind}{' · URGENT' if case.urgent else ''} · "
        f"{status['s_km']} / {status['s']}",
        f"{label('official_label_office')}: {view.office.name_en if view.office else '-'} ({case.routing_reason or '-'})",
        f"{label('official_label_owner')}: {view.owner.name if view.owner else label('official_label_nobody')}",
    ]
    if view.contact:
        lines.append(replies.contact_line(view.contact))
    if view.session:
        when = replies.when_params(deps.policy, view.session.starts_at)
        lines.append(f"{label('official_label_session')}: {when['when_km']} / {when['when']} · {view.session.place}")
    if view.narrative:
        if case.summary:
            lines.append(f"{label('official_label_story')}: {case.summary[:600]}")
        if case.details:
            lines.append(f"{label('official_label_details')}: {case.details[:400]}")
    if view.notes:
        lines.append(f"{label('official_label_notes')}:")
        lines += [f"  {_stamp(deps, n.at)} {name}: {n.body[:400]}" for n, name in view.notes[-5:]]
    lines.append(f"{label('official_label_timeline')}:")
    lines += [f"  {_stamp(deps, e.at)} {e.type} ({e.actor})" for e in view.events[-6:]]
    rows = replies.case_buttons(case, view.actions, view.contact.chat_url if view.contact else None)
    if view.messages:
        lines.append(f"{label('official_label_messages')}:")
        convo = [_message_line(deps, m) for m in view.messages]
        fits = _fit(convo, CARD_LIMIT - len("\n".join(lines)) - 1)
        lines += convo[len(convo) - fits :]
        if fits < len(convo):
            rows.append([[label("official_button_earlier"), callbacks.data(callbacks.EARLIER, case.id, fits)]])
    return [_say_text(uow, official, key, "\n".join(lines)[:4096], [r for r in rows if r], case.id)]


def _earlier(p: Press) -> list[int]:
    """The messages before the last `shown` ones, as many as fit, newest last."""
    [shown] = _expect(p.args, 1)
    view = cases.case_view(p.uow, p.official, p.case)
    convo = [_message_line(p.deps, m) for m in view.messages] if view else []
    older = convo[: max(len(convo) - int(shown), 0)]
    if not older:
        return p.say("official_earlier_none")
    head = f"{replies.render_label('official_label_case')} {p.case.ref} · {replies.render_label('official_label_earlier')}:"
    fits = _fit(older, CARD_LIMIT - len(head) - 1)
    rows = []
    if fits < len(older):
        rows = [
            [
                [
                    replies.render_label("official_button_earlier"),
                    callbacks.data(callbacks.EARLIER, p.case.id, int(shown) + fits),
                ]
            ]
        ]
    body = "\n".join([head, *older[len(older) - fits :]])
    return [_say_text(p.uow, p.official, p.key, body, rows, p.case.id)]


def _schedule_command(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    m = SCHEDULE.match(text)
    if not m:
        return [_say(uow, official, key, "official_schedule_usage")]
    case = uow.repo.case_by_ref(m.group(1).upper())
    if case is None or not cases.can_act(uow, official, case):
        return [_say(uow, official, key, "official_not_yours")]
    try:
        local = datetime.strptime(f"{m.group(2)} {m.group(3)}", "%Y-%m-%d %H:%M").replace(tzinfo=deps.policy.tz)
    except ValueError:
        return [_say(uow, official, key, "official_bad_time")]
    return _answer(uow, official, key, case, cases.schedule_session(uow, deps, official, case, local, m.group(4)))


def _cancel_command(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    words = text.split()
    case = uow.repo.case_by_ref(words[1].upper()) if len(words) > 1 else None
    if case is None or not cases.can_act(uow, official, case):
        return [_say(uow, official, key, "official_not_yours")]
    return _answer(uow, official, key, case, cases.cancel_session(uow, deps, official, case))


def _console_command(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    """A one-time sign-in link to the web console (10 minutes). Its message is blanked in the
    database once the link is used or replaced (`staff.scrub_links`)."""
    now = deps.clock()
    raw = staff.issue_sign_in(uow, official, now)
    staff.audit(uow, staff.AuditAction.LINK_ISSUED, now, official.id, via="telegram")
    link = staff.sign_in_link(deps.console_url, raw)
    out = outbound.queue_message(
        uow,
        channel=Channel.TELEGRAM,
        address=official.telegram_chat_id,
        body=replies.render_official("official_console_link", link=link),
        key=key,
        official_id=official.id,
        purpose=staff.LINK_PURPOSE,
    )
    return [out.id]


def _help(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    office = uow.repo.office(official.office_id)
    return [_say(uow, official, key, "official_help", {"office": office.name_km if office else "?"})]


Command = Callable[[UnitOfWork, IntakeDeps, Official, str, str], list[int]]
COMMANDS: dict[str, Command] = {
    "/cases": _cases_command,
    "/case": _case_command,
    "/schedule": _schedule_command,
    "/cancel": _cancel_command,
    "/console": _console_command,
    "/msg": _msg_command,
    "/note": _note_command,
}


def _say_text(
    uow: UnitOfWork, official: Official, key: str, body: str, buttons: list | None = None, case_id: int | None = None
) -> int:
    """Queue a listing or a card (already rendered) to the official."""
    out = outbound.queue_message(
        uow,
        channel=Channel.TELEGRAM,
        address=official.telegram_chat_id,
        body=body,
        key=key,
        official_id=official.id,
        case_id=case_id,
        purpose=Purpose.OFFICIAL_REPLY,
    )
    if buttons:
        out.buttons = buttons
    return out.id


# Buttons: one handler per callback prefix, given the case (already checked: the official may act
# on it and it is open) and the rest of the callback data. A handler raises ValueError for data
# it cannot read: the official is told the button has expired.


@dataclass(frozen=True)
class Press:
    uow: UnitOfWork
    deps: IntakeDeps
    official: Official
    case: Case
    args: list[str]  # the callback data after the prefix and the case id
    key: str

    def say(self, template: str, rows: list | None = None) -> list[int]:
        """A question about this case, with its choices as buttons."""
        return [_say(self.uow, self.official, self.key, template, {"ref": self.case.ref}, rows, self.case.id)]

    def answer(self, result: cases.ActionResult) -> list[int]:
        return _answer(self.uow, self.official, self.key, self.case, result)


def _press(uow: UnitOfWork, deps: IntakeDeps, official: Official, parts: list[str], key: str) -> list[int]:
    prefix, case_id = parts[0], int(parts[1])
    case = uow.repo.case(case_id)
    if case is None or not cases.can_act(uow, official, case):
        log.warning("official %s refused on case id %s", official.id, case_id)
        return [_say(uow, official, key, "official_not_yours")]
    if not case.is_open and prefix not in READ_ONLY:
        return [_say(uow, official, key, "official_case_closed", {"ref": case.ref})]
    handler = BUTTONS.get(prefix)
    if handler is None:
        raise ValueError(f"unknown button {prefix}")
    return handler(Press(uow, deps, official, case, parts[2:], key))


def _expect(args: list[str], n: int) -> list[str]:
    if len(args) != n:
        raise ValueError("wrong number of parts")
    return args


def _accept(p: Press) -> list[int]:
    _expect(p.args, 0)
    return p.answer(cases.accept_case(p.uow, p.deps, p.official, p.case))


def _choose_day(p: Press) -> list[int]:
    _expect(p.args, 0)
    days = p.deps.policy.working_days(p.deps.clock())
    data = [[replies.day_label(d), callbacks.data(callbacks.SCHEDULE_DAY, p.case.id, f"{d:%Y%m%d}")] for d in days]
    return p.say("official_which_day", [data[0:3], data[3:6]])


def _choose_time(p: Press) -> list[int]:
    [day] = _expect(p.args, 1)
    hours = p.deps.policy.office_hours
    data = [[h, callbacks.data(callbacks.SCHEDULE_TIME, p.case.id, day, h.replace(":", ""))] for h in hours]
    return p.say("official_which_time", [data[0:3], data[3:6]])


def _schedule_at(p: Press) -> list[int]:
    day, hour = _expect(p.args, 2)
    local = datetime.strptime(day + hour, "%Y%m%d%H%M").replace(tzinfo=p.deps.policy.tz)
    return p.answer(cases.schedule_session(p.uow, p.deps, p.official, p.case, local, None))


def _close(p: Press) -> list[int]:
    _expect(p.args, 0)
    if p.case.kind == CaseKind.PROTECTION:
        return p.answer(cases.close_case(p.uow, p.deps, p.official, p.case, CaseStatus.CLOSED))
    return p.say("official_which_outcome", replies.outcome_buttons(p.case))


def _outcome(p: Press) -> list[int]:
    [outcome] = _expect(p.args, 1)
    if outcome not in set(OUTCOMES):
        raise ValueError("not an outcome")
    return p.answer(cases.close_case(p.uow, p.deps, p.official, p.case, CaseStatus(outcome)))


def _next_stage(p: Press) -> list[int]:
    _expect(p.args, 0)
    if p.case.kind != CaseKind.PROTECTION:
        raise ValueError("stages are for protection cases")
    return p.answer(cases.advance_stage(p.uow, p.deps, p.official, p.case))


def _choose_office(p: Press) -> list[int]:
    _expect(p.args, 0)
    rows = [
        [[o.name_en[:40], callbacks.data(callbacks.REROUTE_TO, p.case.id, o.id)]]
        for o in cases.reroute_options(p.uow, p.case)
    ]
    return p.say("official_which_office", rows)


def _reroute_to(p: Press) -> list[int]:
    [office_id] = _expect(p.args, 1)
    return p.answer(cases.reroute_case(p.uow, p.deps, p.official, p.case, int(office_id)))


def _open_card(p: Press) -> list[int]:
    _expect(p.args, 0)
    return _card(p.uow, p.deps, p.official, p.case, p.key)


def _cancel_session(p: Press) -> list[int]:
    _expect(p.args, 0)
    return p.answer(cases.cancel_session(p.uow, p.deps, p.official, p.case))


def _ask_message(p: Press) -> list[int]:
    """A free text is asked for, unless only discreet messages may go (or none at all)."""
    _expect(p.args, 0)
    refusal = cases.message_options(p.uow, p.official, p.case)
    if refusal is not None:
        return p.answer(refusal)
    p.official.awaiting, p.official.awaiting_at = callbacks.data(callbacks.MESSAGE, p.case.id), p.deps.clock()
    office = p.uow.repo.office(p.case.office_id) if p.case.office_id else None
    params = {
        "ref": p.case.ref,
        "office": office.name_en if office else "-",
        "office_km": office.name_km if office else "-",
    }
    return [_say(p.uow, p.official, p.key, "official_msg_ask", params, case_id=p.case.id)]


def _discreet(p: Press) -> list[int]:
    [n] = _expect(p.args, 1)
    index = int(n)
    if not 0 <= index < len(cases.DISCREET):
        raise ValueError("no such discreet message")
    result = cases.message_person(p.uow, p.deps, p.official, p.case, p.key, discreet=cases.DISCREET[index])
    return p.answer(result)


def _ask_note(p: Press) -> list[int]:
    _expect(p.args, 0)
    p.official.awaiting, p.official.awaiting_at = callbacks.data(callbacks.NOTE, p.case.id), p.deps.clock()
    return p.say("official_note_ask")


def _choose_colleague(p: Press) -> list[int]:
    _expect(p.args, 0)
    if p.case.accepted_by != p.official.id:
        return p.answer(cases.hand_over_case(p.uow, p.deps, p.official, p.case, 0))
    colleagues = cases.handover_options(p.uow, p.official, p.case)
    if not colleagues:
        return p.say("official_handover_nobody")
    rows = [[[o.name[:40], callbacks.data(callbacks.HANDOVER_TO, p.case.id, o.id)]] for o in colleagues[:8]]
    return p.say("official_handover_which", rows)


def _hand_over_to(p: Press) -> list[int]:
    [official_id] = _expect(p.args, 1)
    return p.answer(cases.hand_over_case(p.uow, p.deps, p.official, p.case, int(official_id)))


READ_ONLY = {callbacks.CASE, callbacks.EARLIER, callbacks.NOTE}

BUTTONS: dict[str, Callable[[Press], list[int]]] = {
    callbacks.ACCEPT: _accept,
    callbacks.SCHEDULE: _choose_day,
    callbacks.SCHEDULE_DAY: _choose_time,
    callbacks.SCHEDULE_TIME: _schedule_at,
    callbacks.CLOSE: _close,
    callbacks.OUTCOME: _outcome,
    callbacks.NEXT_STAGE: _next_stage,
    callbacks.REROUTE: _choose_office,
    callbacks.REROUTE_TO: _reroute_to,
    callbacks.CANCEL_SESSION: _cancel_session,
    callbacks.CASE: _open_card,
    callbacks.EARLIER: _earlier,
    callbacks.MESSAGE: _ask_message,
    callbacks.DISCREET: _discreet,
    callbacks.NOTE: _ask_note,
    callbacks.HANDOVER: _choose_colleague,
    callbacks.HANDOVER_TO: _hand_over_to,
}
