"""The app served on 127.0.0.1 (an ephemeral port) in a thread, with jobs on in-process threads
and the real Twilio and Telegram clients pointed at the loopback fakes; and Debian's Chromium
driven by Playwright. Used by the browser tests and by `python -m tests.e2e.console_server DIR`,
which saves the README's screenshots."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from werkzeug.serving import make_server

from bot import create_app
from bot.bootstrap import GazetteerPlaces, build_services
from bot.config import Config
from bot.database import upgrade_database
from intake import staff
from nlu.gazetteer import Gazetteer
from tests.console_data import seed
from tests.fakes import ScriptedUnderstander
from tests.fakes.providers import FakeProviders
from tests.support import TELEGRAM, TWILIO, load_sample_directory

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


class DaytimeClock:
    """Real time passing from Wednesday 25 November 2026, 10:00 in Phnom Penh: an SMS that the
    workflow starts goes at once (none is held for the night), whenever the tests run."""

    def __init__(self, start: datetime = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)):
        self.start, self.t0 = start, time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0)


class ConsoleServer:
    """One app with its own database, provider fakes and seeded caseload, served in a thread."""

    def __init__(self, database_url: str, places=None, **config):
        self.providers = FakeProviders().start()
        cfg = replace(
            Config(),
            database_url=database_url,
            twilio_api_url=self.providers.url,
            telegram_api_url=self.providers.url,
            telegram_bot_username="jsc_justice_bot",
            **TWILIO,
            **TELEGRAM,
            **config,
        )
        # No REDIS_URL: jobs (the sends) run on threads in this process, as in `make run`.
        self.services = build_services(
            cfg,
            understander=ScriptedUnderstander({}),
            places=places or GazetteerPlaces(Gazetteer.load()),
            legal=None,
            clock=DaytimeClock(),
        )
        load_sample_directory(self.services)
        self.data = seed(self.services, now=self.services.clock())
        self.app = create_app(services=self.services)
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def link(self, who: str) -> str:
        """A fresh one-time sign-in link for one of the seeded officials."""
        with self.services.uow() as uow:
            raw = staff.issue_sign_in(uow, uow.repo.official(self.data.officials[who]), self.services.clock())
            uow.commit()
        return f"{self.url}/console/signin?t={raw}"

    def sends_pending(self) -> int:
        """Outbound messages still queued or sending (a Telegram chat's 1-a-second limit defers some)."""
        from sqlalchemy import func, select

        from intake.model import Message

        with self.services.uow() as uow:
            return uow.session.scalar(
                select(func.count()).select_from(Message).where(Message.status.in_(["queued", "sending"]))
            )

    def stop(self) -> None:
        # Let deferred sends finish against the fakes rather than fail against a stopped server.
        deadline = time.monotonic() + 10
        while self.sends_pending() and time.monotonic() < deadline:
            time.sleep(0.1)
        self._server.shutdown()
        self._thread.join(timeout=5)
        self.providers.stop()
        self.services.engine.dispose()


def launch(playwright):
    """Debian's Chromium, headless (no browser download: `playwright install` is never run)."""
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install chromium (tests/services.sh does)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])


def sign_in(page, link: str) -> None:
    """Open a sign-in link and press the button."""
    page.goto(link)
    page.locator("form[action$='/console/signin'] button").click()
    page.wait_for_url("**/console/")


def screenshots(out_dir: Path) -> list[Path]:
    """Inbox and case pages, Khmer and English, phone and desktop widths."""
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    db = f"sqlite:///{tmp / 'console.db'}"
    upgrade_database(db)
    server = ConsoleServer(db)
    saved = []
    try:
        with sync_playwright() as p:
            browser = launch(p)
            for who, lang in (("coordinator", "en"), ("coordinator", "km"), ("jsc", "en"), ("jsc", "km")):
                for width, height, name in ((1280, 900, "desktop"), (390, 844, "phone")):
                    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
                    page = context.new_page()
                    sign_in(page, server.link(who))
                    switch = page.locator(f"button[name=lang][value={lang}]")
                    if switch.count():
                        switch.click()
                    path = out_dir / f"inbox-{who}-{lang}-{name}.png"
                    page.screenshot(path=str(path), full_page=True)
                    saved.append(path)
                    ref = server.data.refs["violence" if who == "coordinator" else "boundary"]
                    page.goto(f"{server.url}/console/cases/{ref}")
                    path = out_dir / f"case-{who}-{lang}-{name}.png"
                    page.screenshot(path=str(path), full_page=True)
                    saved.append(path)
                    context.close()
            browser.close()
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return saved


if __name__ == "__main__":
    for saved_path in screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "var/screenshots")):
        print(saved_path)
