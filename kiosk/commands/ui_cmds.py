"""Window commands: `kiosk run kiosk`, `kiosk run counter`, `kiosk demo`, `kiosk screenshots`.

`run` takes the station's role as its first word; other command modules registered
after this one add their roles to its sub-commands (`run display`, ...).
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from pathlib import Path
from typing import Any

from kiosk.cli import Context, parse_size
from kiosk.commands.args import STATION
from kiosk.errors import KioskError

log = logging.getLogger(__name__)

def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    run = sub.add_parser("run", help="run one station of the branch (kiosk, display, ...)")
    roles = run.add_subparsers(dest="role", metavar="ROLE", parser_class=type(run))
    k = roles.add_parser("kiosk", parents=[common], help="the lobby kiosk (full screen, touch)")
    k.add_argument("--station", required=True, metavar="NAME", type=STATION,
                   help="this kiosk's name, as the manager console shows it")
    k.add_argument("--windowed", action="store_true",
                   help="a normal window instead of full screen (for trying it out)")
    k.add_argument("--walk-in", type=int, metavar="MS",
                   help="a pretend customer takes a ticket every MS milliseconds, tapping"
                   " straight through (burning a kiosk PC in; soak tests)")
    k.add_argument("--status-every", type=float, metavar="SECONDS",
                   help="print the station's status (memory, sizes, tickets issued) every"
                   " SECONDS (with --json, JSON lines)")
    k.set_defaults(handler=cmd_run_kiosk)

    mgr = roles.add_parser("manager", parents=[common],
                           help="the lobby manager's console (大堂经理控制台), behind a login")
    mgr.add_argument("--station", default="console", metavar="NAME",
                     help="this console's name in the heartbeats (default console)")
    mgr.add_argument("--size", default="1280x800", metavar="WxH",
                     help="window size (1280x800 or 1920x1080)")
    mgr.add_argument("--fullscreen", action="store_true", help="full screen")
    mgr.set_defaults(handler=cmd_run_manager)

    c = roles.add_parser("counter", parents=[common],
                         help="the teller panel of one counter (log in with staff number and PIN)")
    c.add_argument("--counter", type=int, required=True, metavar="N",
                   help="the counter this panel works")
    c.add_argument("--station", default="", metavar="NAME",
                   help="this panel's name, as the manager console shows it "
                        "(default teller-N)")
    c.add_argument("--on-top", action="store_true",
                   help="keep the panel above other windows (beside the banking application)")
    c.set_defaults(handler=cmd_run_counter)

    d = sub.add_parser("demo", parents=[common],
                       help="the whole branch in one process on a throwaway database")
    d.add_argument("--simulate", action="store_true",
                   help="customers arrive and counters call, so the hall comes alive")
    d.add_argument("--for", dest="seconds", type=float, metavar="SECONDS",
                   help="stop after this many seconds (exit 0)")
    d.add_argument("--screenshots", metavar="DIR",
                   help="save a PNG of every window in DIR before stopping")
    d.add_argument("--keep", metavar="DIR",
                   help="keep the demo branch (database, ticket previews) in DIR")
    d.set_defaults(handler=cmd_demo)

    s = sub.add_parser("screenshots", parents=[common],
                       help="save every kiosk screen (Chinese and English, normal and large "
                       "print), the hall and counter displays at each size, every manager "
                       "console tab and dialog and every teller panel screen, as PNGs")
    s.add_argument("dir", metavar="DIR")
    s.add_argument("--size", action="append", metavar="WxH",
                   help="a window size; repeat for several (default: 1024x768, 1280x800, "
                   "1920x1080 and 1080x1920; displays at 1920x1080, 1280x800, 1080x1920)")
    s.add_argument("--print", dest="print_size", choices=("normal", "large", "both"),
                   default="both", help="print size of the kiosk screens (default both)")
    s.add_argument("--lang", choices=("zh", "en", "both"), default="both",
                   help="language of the kiosk screens (default both)")
    s.add_argument("--no-displays", action="store_true",
                   help="the kiosk screens only, not the hall and counter displays")
    s.set_defaults(handler=cmd_screenshots)


def cmd_run_kiosk(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.app import build_kiosk_window, make_qt_app

    settings, service = ctx.settings, ctx.service  # clear errors before any window opens
    app, font = make_qt_app(qt_messages_to_log=True)
    if font.missing:
        log.warning("the screen font cannot draw %r", font.missing)
    window = build_kiosk_window(settings, service, station=args.station,
                                fullscreen=not args.windowed)
    window.exit_requested.connect(app.quit)
    if args.walk_in:
        from kiosk.ui.walk_in import walk_in_every

        walk_in_every(window, args.walk_in)
    if args.status_every:
        from kiosk.ui.status import status_lines

        def said(data: dict[str, Any], text: str) -> None:
            ctx.out(data, text)
            ctx.stdout.flush()

        status_lines(window, args.status_every, window.status, said)
    window.present()
    code = app.exec()
    window.shutdown()
    return int(code)


def cmd_run_manager(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.app import build_console_window, make_qt_app

    settings, service = ctx.settings, ctx.service  # clear errors before any window opens
    size = parse_size(args.size, (1280, 800))
    app, font = make_qt_app(qt_messages_to_log=True)
    if font.missing:
        log.warning("the screen font cannot draw %r", font.missing)
    window = build_console_window(settings, service, station=args.station)
    window.setWindowTitle("kiosk · 大堂经理控制台")
    window.resize(*size)
    if args.fullscreen:
        window.showFullScreen()
    else:
        window.show()
    code = app.exec()
    window.shutdown()
    return int(code)


def cmd_run_counter(ctx: Context, args: argparse.Namespace) -> int:
    """The teller panel: the login dialog first; cancelling it ends the program."""
    from kiosk.app import build_teller_window, check_counter, make_qt_app

    settings = ctx.settings
    check_counter(settings, args.counter)  # a clear error before any window opens
    ctx.service  # noqa: B018 - the database is reachable and prepared, or one clear line
    app, font = make_qt_app(qt_messages_to_log=True)
    if font.missing:
        log.warning("the screen font cannot draw %r", font.missing)
    window = build_teller_window(settings, ctx.database_url, counter=args.counter,
                                 station=args.station, clock=ctx.clock, on_top=args.on_top)
    window.quit_requested.connect(app.quit)
    window.show()
    window.start()
    code = app.exec()
    window.shutdown()
    return int(code)


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.app import build_demo, make_qt_app

    if args.seconds is not None and args.seconds <= 0:
        raise KioskError("--for needs a number of seconds greater than 0.")
    settings = ctx.settings
    app, _font = make_qt_app(qt_messages_to_log=True)
    with _workdir(args.keep) as workdir:
        demo = build_demo(settings, workdir, simulate=args.simulate)
        shots = Path(args.screenshots) if args.screenshots else None
        demo.present()
        note = _demo_line(demo, workdir, kept=bool(args.keep))
        print(note, file=ctx.stdout, flush=True)
        if args.seconds is not None:
            demo.run_for(args.seconds, shots)
        elif shots is not None:
            demo.run_for(8.0, shots)
        code = app.exec()
        if args.seconds is None and shots is None:
            demo.close()
        if shots is not None and code == 0:
            print(f"screenshots in {shots}", file=ctx.stdout)
        return int(code)


def _demo_line(demo: object, workdir: Path, kept: bool) -> str:
    from kiosk.ui.demo import Demo

    assert isinstance(demo, Demo)
    lines = [f"kiosk demo: branch database {workdir / 'branch.db'}"
             + ("" if kept else " (deleted when the demo ends)")]
    if abs(demo.offset.total_seconds()) >= 60:
        lines.append(f"outside business hours: the demo's clock is shifted to "
                     f"{demo.service.now():%H:%M} (shown on screen as 模拟营业时间)")
    from kiosk.ui.demo import DEMO_MANAGER, DEMO_TELLER_PIN

    lines.append(f"manager console: logged in as {DEMO_MANAGER[0]} {DEMO_MANAGER[1]} "
                 f"(staff number {DEMO_MANAGER[0]}, PIN {DEMO_MANAGER[2]}); tellers T001-T006, "
                 f"PIN {DEMO_TELLER_PIN}")
    lines.append(f"windows: {', '.join(name for name, _ in demo.windows)}; ticket previews "
                 f"in {workdir / 'tickets'}")
    if demo.web is not None:
        lines.append(f"web station (the tickets' QR codes, phone pages): {demo.web.url}t/…")
    if demo.bookings:
        lines.append("booked customers (type the code at the kiosk, or swipe the card): " +
                     "; ".join(f"{b.code} {b.slot_at:%H:%M} {b.service} {b.customer_masked}"
                               for b in demo.bookings))
    return "\n".join(lines)


class _workdir:  # noqa: N801 - used as a context manager
    def __init__(self, keep: str | None) -> None:
        self.keep = keep
        self._tmp: tempfile.TemporaryDirectory[str] | None = None

    def __enter__(self) -> Path:
        if self.keep:
            path = Path(self.keep)
            path.mkdir(parents=True, exist_ok=True)
            return path
        self._tmp = tempfile.TemporaryDirectory(prefix="kiosk-demo-")
        return Path(self._tmp.name)

    def __exit__(self, *exc: object) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def cmd_screenshots(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.app import make_qt_app
    from kiosk.ui.screenshots import (
        DISPLAY_SIZES,
        SIZES,
        save_console_screens,
        save_kiosk_screens,
        save_teller_screens,
    )

    sizes = [parse_size(text, (1280, 800)) for text in args.size] if args.size else None
    large = {"normal": [False], "large": [True], "both": [False, True]}[args.print_size]
    languages = ["zh", "en"] if args.lang == "both" else [args.lang]
    displays = [] if args.no_displays else (sizes or list(DISPLAY_SIZES))
    settings = ctx.settings
    make_qt_app(qt_messages_to_log=True)
    out = Path(args.dir)
    with tempfile.TemporaryDirectory(prefix="kiosk-shots-") as tmp:
        paths = save_kiosk_screens(settings, Path(tmp), out, sizes or list(SIZES), large,
                                   languages, display_sizes=displays)
        paths += save_console_screens(settings, Path(tmp), out)
        paths += save_teller_screens(settings, Path(tmp), out)
        from kiosk.web.screenshots import save_phone_screens

        paths += save_phone_screens(settings, Path(tmp), out)
    ctx.out([str(p) for p in paths], f"{len(paths)} screenshots in {out}")
    return 0

