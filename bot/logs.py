"""One logging set-up for the web process, the workers and the admin commands.

Provider clients log every request at INFO with its full URL: Twilio's puts phone numbers in the
query string (recovery's lookups), and httpx (under python-telegram-bot) puts the bot token in the
path. Their warnings still show."""

from __future__ import annotations

import logging

QUIET = ("twilio.http_client", "httpx", "httpcore", "telegram")


def configure_logging(level: int = logging.INFO) -> None:
    """INFO for our own loggers; WARNING and above only for the provider clients."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
