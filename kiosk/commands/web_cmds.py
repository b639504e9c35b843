"""`kiosk run web`: the ticket's page on the customer's phone (the QR code's address).

    kiosk run web --listen 0.0.0.0:8080
"""

from __future__ import annotations

import argparse

from kiosk.cli import Context
from kiosk.commands.args import STATION, text, whole
from kiosk.commands.display_cmds import run_roles


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    run_sub = run_roles(sub, "web")
    if run_sub is None:
        return
    p = run_sub.add_parser("web", parents=[common],
                           help="the ticket pages the QR codes open on customers' phones")
    p.add_argument("--listen", default="0.0.0.0:8080", metavar="HOST:PORT",
                   help="address and port to serve on (default 0.0.0.0:8080; port 0: any free "
                        "port, printed)")
    p.add_argument("--station", default="web", type=STATION, metavar="NAME",
                   help="this station's name in the manager console (default web)")
    p.add_argument("--requests-per-minute", type=whole(0, 100_000, "rate"), default=60,
                   metavar="N", help="requests per minute from one phone (address) after a "
                   "burst of 30 (default 60; 0: no limit, behind a proxy that limits)")
    p.add_argument("--trusted-proxy", action="append", default=[], metavar="ADDRESS",
                   type=text(64, "proxy address"),
                   help="a reverse proxy in front of the station: the phone's address is "
                        "taken from its X-Forwarded-For (repeatable)")
    p.set_defaults(handler=cmd_run_web)


def cmd_run_web(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.web.app import WebOptions
    from kiosk.web.server import WebServer

    settings, service = ctx.settings, ctx.service  # clear errors before listening

    def ready(server: WebServer) -> None:
        online = server.station.hub.online
        ctx.out({"listening": server.url, "station": args.station, "feed_online": online,
                 "qr_url_prefix": settings.printer.qr_url_prefix},
                f"web station {args.station} listening on {server.url} "
                f"(the tickets' QR codes point at {settings.printer.qr_url_prefix or 'nothing'})"
                + ("" if online else "; the database does not answer yet"))
        ctx.stdout.flush()

    WebServer(service, settings, args.listen,
              WebOptions(station=args.station, requests_per_minute=args.requests_per_minute),
              on_ready=ready, trusted_proxies=tuple(args.trusted_proxy)).run()
    return 0
