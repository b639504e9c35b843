"""Device commands: `kiosk ticket`, `kiosk customers import`, `kiosk doctor`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from kiosk.cli import Context
from kiosk.commands.args import PATH, TICKET_ID
from kiosk.config import EXAMPLE_SECRET
from kiosk.devices.checks import FAIL, OK, WARN, Check, guarded
from kiosk.errors import ConfigError, KioskError

CHECK_NAMES = ("config", "database", "staff", "printer", "card", "id_reader", "wedge", "fonts",
               "audio", "translations", "web")


class OutputError(KioskError):
    """A file the command was asked to write cannot be written."""


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("ticket", parents=[common],
                       help="write the bytes a printer would receive for a ticket (and a preview)")
    p.add_argument("ticket_id", type=TICKET_ID, metavar="TICKET_ID")
    p.add_argument("--out", required=True, metavar="FILE.bin", type=PATH, help="ESC/POS bytes")
    p.add_argument("--png", metavar="FILE.png", type=PATH, help="also write the preview image")
    p.add_argument("--paper", type=int, choices=(58, 80), help="paper width in mm "
                   "(default: printer.paper in config)")
    p.add_argument("--image-qr", action="store_true",
                   help="QR code as an image instead of the printer's native command")
    p.set_defaults(handler=cmd_ticket)

    p = sub.add_parser("customers", parents=[common], help="the customer directory")
    csub = p.add_subparsers(dest="customers_command", metavar="ACTION", required=True)
    imp = csub.add_parser("import", parents=[common],
                          help="load the bank's CRM export (CSV: identifier, name, tier, "
                               "optional relationship_manager)")
    imp.add_argument("file", metavar="FILE.csv", type=PATH)
    imp.set_defaults(handler=cmd_customers_import)

    p = sub.add_parser("doctor", parents=[common],
                       help="check database, printer, readers, fonts and audio before opening")
    p.add_argument("--skip", action="append", choices=CHECK_NAMES, default=[],
                   help="leave out a check (repeatable)")
    p.set_defaults(handler=cmd_doctor)


# --- ticket ----------------------------------------------------------------------------

def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise OutputError(f"Cannot write {path}: {exc.strerror}.") from None


def cmd_ticket(ctx: Context, args: argparse.Namespace) -> int:
    from dataclasses import replace

    from kiosk.devices.preview import preview_png
    from kiosk.devices.ticket import LayoutOptions, render_ticket, ticket_data

    settings = ctx.settings
    view = ctx.service.ticket(args.ticket_id)
    data = ticket_data(view, settings)
    opts = LayoutOptions.from_settings(settings.printer, args.paper)
    if args.image_qr:
        opts = replace(opts, native_qr=False)
    raw = render_ticket(data, opts)
    _write(args.out, raw)
    if args.png:
        _write(args.png, preview_png(data, opts))
    qr = "native QR" if opts.uses_native_qr else "image QR"
    result = {"ticket_id": view.id, "number": view.number, "out": args.out, "bytes": len(raw),
              "png": args.png, "paper": opts.paper, "qr": qr, "encoding": opts.encoding}
    text = f"ticket {view.number}: {len(raw)} bytes to {args.out} ({opts.paper} mm, {qr}, " \
           f"{opts.encoding})" + (f"; preview {args.png}" if args.png else "")
    ctx.out(result, text)
    return 0


# --- customers -------------------------------------------------------------------------

def cmd_customers_import(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.queue.customers import import_csv

    settings = ctx.settings
    service = ctx.service
    with service.db.begin() as session:
        report = import_csv(session, args.file, settings.hash_secret, settings.tiers,
                            service.now())
    result: dict[str, Any] = {
        "added": report.added, "updated": report.updated, "by_tier": report.by_tier,
        "bad_rows": [{"line": b.line, "message": b.message} for b in report.bad],
    }

    def text() -> str:
        return "\n".join([f"{args.file}: {report.summary()}",
                          *(f"  {b}" for b in report.bad)])

    ctx.out(result, text)
    return 1 if report.bad else 0


# --- doctor ----------------------------------------------------------------------------

def _config_check(ctx: Context) -> Check:
    settings = ctx.settings
    detail = f"{settings.source} ({settings.branch.code}, {settings.mode} mode)"
    if settings.hash_secret == EXAMPLE_SECRET:
        return Check("config", WARN, detail + "; the example hash secret is in use: set "
                                              "KIOSK_HASH_SECRET before production")
    return Check("config", OK, detail)


def _staff_check(ctx: Context) -> Check:
    """The kiosk's exit and every override need a manager: none, and nobody can."""
    staff = ctx.service.staff
    if not staff.has_manager():
        return Check("staff", FAIL, "no manager account: nobody can leave the kiosk screen or "
                                    "sign an override; kiosk staff add M001 --name ... "
                                    "--role manager")
    people = staff.all()
    return Check("staff", OK, f"{sum(not p.disabled for p in people)} staff accounts, "
                              f"{sum(p.role != 'teller' and not p.disabled for p in people)} "
                              "manager or admin")


def _translations_check() -> Check:
    from kiosk.ui.i18n import I18N_DIR, LANGUAGES

    missing = [f"kiosk_{lang}.qm" for lang in LANGUAGES[1:]
               if not (I18N_DIR / f"kiosk_{lang}.qm").is_file()]
    if missing:
        return Check("translations", FAIL, f"{', '.join(missing)} not built in {I18N_DIR}: "
                                           "the English button shows Chinese; run "
                                           "tools/build_translations.py")
    return Check("translations", OK, "English screens built")


def _database_check(ctx: Context) -> Check:
    from kiosk.queue.db import SCHEMA_REVISION, Database, describe_database_error

    url = ctx.database_url
    try:
        db = Database(url, create=False)  # a check never creates the branch it checks
    except KioskError as exc:
        return Check("database", FAIL, str(exc))
    shown = db.engine.url.render_as_string(hide_password=True)
    try:
        revision = db.current_revision()
    except Exception as exc:
        reason = describe_database_error(exc) or f"unexpected {type(exc).__name__}"
        return Check("database", FAIL, f"{shown}: {reason}")
    finally:
        db.dispose()
    if revision is None:
        return Check("database", FAIL, f"{shown}: reachable but empty; run `kiosk db upgrade`")
    if revision != SCHEMA_REVISION:
        return Check("database", FAIL, f"{shown}: schema {revision}, this version needs "
                                       f"{SCHEMA_REVISION}; run `kiosk db upgrade`")
    return Check("database", OK, f"{shown}: reachable, schema {revision}")


EXAMPLE_QR_HOST = "q.example-bank.cn"
WEB_TIMEOUT_S = 3.0


def _web_check(ctx: Context) -> Check:
    """The tickets' QR codes open the web station: `<qr_url_prefix>../healthz` answers as
    this branch's web station with its feed online (README: the web station)."""
    import json
    import urllib.error
    import urllib.request
    from urllib.parse import urljoin, urlsplit

    settings = ctx.settings
    prefix = settings.printer.qr_url_prefix
    if not prefix:
        return Check("web", WARN, "printer.qr_url_prefix is empty: tickets print no QR code")
    parts = urlsplit(prefix)
    if parts.scheme not in ("http", "https") or not parts.netloc or not prefix.endswith("/t/"):
        return Check("web", FAIL, f"printer.qr_url_prefix {prefix!r} must be an http(s) address "
                                  "ending in /t/, where `kiosk run web` serves the tickets")
    if parts.hostname == EXAMPLE_QR_HOST:
        return Check("web", WARN, f"printer.qr_url_prefix is the example {prefix}: the QR codes "
                                  "open nothing; point it at this branch's `kiosk run web`")
    health = urljoin(prefix, "../healthz")
    try:
        with urllib.request.urlopen(health, timeout=WEB_TIMEOUT_S) as r:  # noqa: S310
            body = json.loads(r.read(4096).decode("utf-8"))
    except urllib.error.HTTPError as exc:
        if exc.code == 503:
            return Check("web", FAIL, f"{health}: the web station answers but cannot reach "
                                      "the database")
        return Check("web", FAIL, f"{health} answers {exc.code}: not a kiosk web station")
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return Check("web", FAIL, f"the QR codes' address {prefix} does not answer ({reason}); "
                                  "start `kiosk run web` there")
    if body == {"ok": True}:  # from outside the branch LAN (a public proxy): no figures
        return Check("web", OK, f"the QR codes open {prefix} (a web station answers with its "
                                "database online; its branch is shown on the branch LAN only)")
    if not isinstance(body, dict) or body.get("service") != "kiosk-web":
        return Check("web", FAIL, f"{health} is not a kiosk web station")
    if body.get("branch") != settings.branch.code:
        return Check("web", FAIL, f"{health} serves branch {body.get('branch')!r}, not "
                                  f"{settings.branch.code}")
    return Check("web", OK, f"the QR codes open {prefix} (web station {body.get('station')}, "
                            f"{body.get('pages', 0)} pages open)")


def cmd_doctor(ctx: Context, args: argparse.Namespace) -> int:
    skip = set(args.skip)
    try:
        checks = [_config_check(ctx)]
    except ConfigError as exc:
        checks = [Check("config", FAIL, str(exc))]
    else:
        if "database" not in skip:
            checks.append(database := _database_check(ctx))
            if "staff" not in skip and not database.failed:
                checks.append(_staff_check(ctx))
        from kiosk.devices.doctor import device_checks  # the device libraries: only here

        checks += device_checks(ctx.settings.printer, ctx.settings.readers)
        checks.append(_translations_check())
        if "web" not in skip:
            checks.append(guarded("web", lambda: _web_check(ctx)))
    checks = [c for c in checks if c.name not in skip]
    failed = [c for c in checks if c.failed]
    result = {"ok": not failed,
              "checks": [{"name": c.name, "result": c.result, "detail": c.detail}
                         for c in checks]}
    ctx.out(result, lambda: "\n".join(c.line() for c in checks))
    return 1 if failed else 0
