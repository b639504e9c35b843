"""`kiosk run display`: the hall display (大屏) and the counter displays.

    kiosk run display --station HALL-1                    # hall display, full screen, voice
    kiosk run display --station C3 --kind counter --counter 3
    kiosk run display --kind hall --screenshot hall.png   # one frame to a PNG, then exit
    kiosk run display --headless --json                   # no window: one JSON line per call

`run` may already exist (another module's `run kiosk`); this module then adds its role
to it. A module that builds `run` itself may call `add_display_role(run_sub, common)`.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from kiosk.cli import Context, parse_size
from kiosk.commands.args import COUNTER, NAME_CHARS, text, whole
from kiosk.errors import KioskError

log = logging.getLogger(__name__)


def run_roles(sub: argparse._SubParsersAction,
              role: str) -> argparse._SubParsersAction | None:
    """The roles of `kiosk run`, made here when no other module has made `run` yet; None
    when `run` has no roles (its owner adds `role`)."""
    run = sub.choices.get("run")
    if run is None:
        run = sub.add_parser("run", help=f"run a station ({role}, ...)")
        return run.add_subparsers(dest="role", metavar="ROLE", parser_class=type(run))
    found = _subparsers_of(run)
    if found is None:
        log.debug("`run` has no sub-commands; its owner adds the %s role", role)
    return found


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    run_sub = run_roles(sub, "display")
    if run_sub is None:
        return
    if "display" not in run_sub.choices:
        add_display_role(run_sub, common)


def _subparsers_of(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def add_display_role(run_sub: argparse._SubParsersAction,
                     common: argparse.ArgumentParser) -> None:
    p = run_sub.add_parser("display", parents=[common],
                           help="hall display (大屏) or a counter display")
    p.add_argument("--station", default="", type=text(NAME_CHARS, "station name", empty=True),
                   help="station name (default display-hall / display-counter-N)")
    p.add_argument("--kind", choices=("hall", "counter"), default="hall")
    p.add_argument("--counter", type=COUNTER, help="the counter number (counter displays)")
    p.add_argument("--screen", type=whole(0, 15, "screen index"), default=None,
                   help="monitor index for full screen (default: display.screen in the config)")
    p.add_argument("--windowed", metavar="WxH", help="a window of this size, not full screen")
    p.add_argument("--no-voice", action="store_true", help="hall display without voice")
    p.add_argument("--screenshot", metavar="FILE", help="save one frame as PNG and exit")
    p.add_argument("--size", metavar="WxH", default="",
                   help="screenshot size (default 1920x1080 hall, 1280x480 counter)")
    p.add_argument("--headless", action="store_true",
                   help="no window and no voice: print each call (with --json, JSON lines)")
    p.add_argument("--audio", choices=("qt", "null"), default="qt",
                   help="where the hall's voice goes: the sound card (qt), or nowhere (null:"
                   " every call is still built and queued, as on a PC without speakers)")
    p.add_argument("--status-every", type=float, metavar="SECONDS",
                   help="print the station's status (memory, sizes, last event applied)"
                   " every SECONDS (with --json, JSON lines)")
    p.set_defaults(handler=cmd_display)


def cmd_display(ctx: Context, args: argparse.Namespace) -> int:
    import os

    from kiosk.app import build_display_window, check_display

    check_display(ctx.settings, args.kind, args.counter)  # before any window opens
    if args.headless:
        return _run_headless(ctx, args)
    if args.screenshot:  # a picture needs no screen
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from kiosk.app import make_qt_app

    app, _font = make_qt_app(sys.argv[:1], qt_messages_to_log=True)
    player = None
    if args.audio == "null":
        from kiosk.devices.announcer import NullPlayer

        player = NullPlayer()
    station = build_display_window(
        ctx.settings, ctx.database_url, kind=args.kind, counter=args.counter,
        station=args.station, voice=not (args.no_voice or args.screenshot), clock=ctx.clock,
        player=player)
    window = station.window
    assert window is not None
    if args.screenshot:
        default = (1920, 1080) if args.kind == "hall" else (1280, 480)
        return _screenshot(ctx, station, parse_size(args.size, default), args.screenshot)
    station.start()
    if args.status_every:
        from kiosk.ui.status import status_lines

        status_lines(station, args.status_every, station.status, _said(ctx))
    if args.windowed:
        window.resize(*parse_size(args.windowed, (1280, 720)))
        window.show()
    else:
        window.show_on_screen(ctx.settings.display.screen if args.screen is None
                              else args.screen)
    try:
        return int(app.exec())
    finally:
        station.stop()


def _screenshot(ctx: Context, station: Any, size: tuple[int, int], path: str) -> int:
    from PySide6.QtWidgets import QApplication

    station.model.load(station.live.worker.feed.snapshot())
    station.model.set_online(True)
    window = station.window
    window.resize(*size)
    window.show()
    QApplication.processEvents()
    if not window.grab().save(path):
        raise KioskError(f"cannot write the screenshot to {path}")
    window.close()
    ctx.out({"screenshot": path, "size": list(size)}, f"saved {path}")
    return 0


def _run_headless(ctx: Context, args: argparse.Namespace) -> int:
    """The model and the feed in a Qt event loop without a window: one line per call."""
    from PySide6.QtCore import QCoreApplication

    from kiosk.app import build_display_window

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    station = build_display_window(ctx.settings, ctx.database_url, kind=args.kind,
                                   counter=args.counter, station=args.station, headless=True,
                                   clock=ctx.clock)

    said = _said(ctx)

    def on_calls(records: list[Any]) -> None:
        for r in records:
            said({"event_id": r.event_id, "number": r.number, "counter": r.counter,
                  "recall": r.recall, "monotonic": time.monotonic()},
                 f"{'recall' if r.recall else 'call'} {r.number} → counter {r.counter}")

    station.calls.connect(on_calls)
    station.live.online.connect(
        lambda online: said({"online": online, "monotonic": time.monotonic()},
                            "online" if online else "offline"))
    station.live.snapshot.connect(
        lambda snap: said({"snapshot": snap.last_event_id, "monotonic": time.monotonic()},
                          f"state reloaded at event {snap.last_event_id}"))
    station.start()
    if args.status_every:
        from kiosk.ui.status import status_lines

        status_lines(station, args.status_every, station.status, said)
    try:
        return int(app.exec())
    finally:
        station.stop()


def _said(ctx: Context) -> Callable[[dict[str, Any], str], None]:
    """One line (JSON with --json) out at once, so a supervisor reads it as it happens."""
    def said(data: dict[str, Any], text: str) -> None:
        ctx.out(data, text)
        ctx.stdout.flush()

    return said
