"""The callback data of the officials' inline buttons: a short prefix naming the action, then the
case id and the choice (`acc:12`, `sd:12:20261203`, `st:12:20261203:0900`). Telegram allows 64
bytes. `intake.officials` routes each prefix to its handler; `intake.replies.case_buttons` draws
them."""

from __future__ import annotations

ACCEPT = "acc"
SCHEDULE = "sch"  # then a day (SCHEDULE_DAY), then a time (SCHEDULE_TIME)
SCHEDULE_DAY = "sd"
SCHEDULE_TIME = "st"
CLOSE = "cls"  # disputes: then an outcome (OUTCOME)
OUTCOME = "out"
NEXT_STAGE = "nx"
REROUTE = "rr"  # then an office (REROUTE_TO)
REROUTE_TO = "rrto"
CANCEL_SESSION = "cx"
CASE = "case"  # open the case card
EARLIER = "cv"  # then the number of messages already shown: the messages before those
MESSAGE = "msg"  # ask for a message to the person (protection cases: offer DISCREET ones)
DISCREET = "dm"  # then the name of a discreet template
NOTE = "note"  # ask for a note
HANDOVER = "ho"  # then a colleague (HANDOVER_TO)
HANDOVER_TO = "hoto"
PAGE = "pg"  # `/cases` beyond the first page: pg:<offset>:<filter> (not about one case)


def data(prefix: str, *parts: object) -> str:
    """The callback data of a button: `prefix:part:part`."""
    return ":".join([prefix, *(str(p) for p in parts)])
