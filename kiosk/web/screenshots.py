"""The phone page in each state, Chinese and English, as a phone (390×844) shows it:
`kiosk screenshots` saves them to DIR/phone/ with Debian's chromium (skipped, with one
line in the log, where chromium is not installed)."""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from pathlib import Path

from kiosk.config import Settings
from kiosk.links import ticket_token
from kiosk.web.app import WebOptions
from kiosk.web.browser import Browser, chromium_path
from kiosk.web.server import WebServer

log = logging.getLogger(__name__)


def save_phone_screens(settings: Settings, workdir: Path, out: Path) -> list[Path]:
    if chromium_path() is None:
        log.warning("no chromium: the phone page's screenshots are left out")
        return []
    from kiosk.app import build_service

    at = datetime.combine(date.today(), time(10, 0))
    service = build_service(settings, f"sqlite:///{workdir / 'phone.db'}", lambda: at,
                            create=True)
    for number in (1, 2):
        service.open_counter(number)
    tickets = [service.issue("A", check_hours=False) for _ in range(6)]
    service.call_next(1)  # the first: called to counter 1
    service.call_next(2)  # the second: called, then missed
    service.no_show(tickets[1].id)
    states = {"called": tickets[0], "no-show": tickets[1], "waiting": tickets[4]}
    web = WebServer(service, settings, "127.0.0.1:0",
                    WebOptions(station="screenshots", requests_per_minute=0))
    web.start()
    browser = Browser()
    paths: list[Path] = []
    (out / "phone").mkdir(parents=True, exist_ok=True)
    try:
        web.station.hub.first_attempt.wait(10)
        base = web.url.rstrip("/")
        for lang in ("zh", "en"):
            query = "?lang=en" if lang == "en" else ""
            for name, t in states.items():
                token = ticket_token(t.id, t.arrived_at, settings.hash_secret)
                page = browser.open(f"{base}/t/{token}{query}")
                page.wait_for("document.getElementById('conn').hidden")
                paths.append(page.screenshot(out / "phone" / f"{name}-{lang}.png"))
                page.close()
        page = browser.open(f"{base}/t/1.0000000000")
        paths.append(page.screenshot(out / "phone" / "not-valid.png"))
        page.close()
    finally:
        browser.close()
        web.stop()
        service.db.dispose()
    return paths
