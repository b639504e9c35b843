"""CLI commands, one module per area; each module has `register(sub, common)`.

Entry-point layer: these modules may import anything below them (ui, devices, queue).
"""

from __future__ import annotations

import argparse
import importlib

# Modules register in this order (it is the order of `kiosk --help`).
MODULES = (
    "kiosk.commands.queue_cmds",
    "kiosk.commands.simulate_cmds",
    "kiosk.commands.device_cmds",
    "kiosk.commands.ui_cmds",
    "kiosk.commands.display_cmds",  # after ui_cmds: adds its role to an existing `run`
    "kiosk.commands.bench_cmds",
)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # an area not built yet
        module.register(sub, common)
