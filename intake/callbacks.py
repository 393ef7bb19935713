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


def data(prefix: str, *parts: object) -> str:
    """The callback data of a button: `prefix:part:part`."""
    return ":".join([prefix, *(str(p) for p in parts)])
