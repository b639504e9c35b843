"""CLI commands, one module per area; each module has `register(sub, common)`.

Entry-point layer: these modules may import anything below them (ui, devices, queue).
"""

from __future__ import annotations

import argparse

from kiosk.commands import (
    appointment_cmds,
    bench_cmds,
    device_cmds,
    display_cmds,
    queue_cmds,
    report_cmds,
    simulate_cmds,
    staff_cmds,
    ui_cmds,
    web_cmds,
)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Every area, in the order of `kiosk --help`."""
    queue_cmds.register(sub, common)
    staff_cmds.register(sub, common)
    appointment_cmds.register(sub, common)
    simulate_cmds.register(sub, common)
    report_cmds.register(sub, common)
    device_cmds.register(sub, common)
    ui_cmds.register(sub, common)
    display_cmds.register(sub, common)  # after ui_cmds: adds its role to an existing `run`
    web_cmds.register(sub, common)  # after ui_cmds: adds its role to `run`
    bench_cmds.register(sub, common)
