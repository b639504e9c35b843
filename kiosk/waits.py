"""A wait and a place in the queue put in words, the same on the ticket, the hall display,
the phone page, the console and the command line (the kiosk's screens say the same
through Qt's translations).

A forecast looks a few hours ahead (`kiosk.queue.forecast.HORIZON`); a ticket further
back gets a lower bound (`beyond`), said as "over 3 hours" and "more than 600 ahead",
never as a precise-looking figure nobody could keep.
"""

from __future__ import annotations

import math


def wait_minutes(wait_s: float) -> int:
    """An estimate in whole minutes, rounded up, at least one."""
    return max(1, math.ceil(wait_s / 60))


def over(wait_s: float) -> tuple[int, str]:
    """A lower bound in the unit it reads best in, rounded down: (3, "h") from two hours
    on, else (minutes, "min")."""
    if wait_s >= 7200:
        return int(wait_s // 3600), "h"
    return max(1, int(wait_s // 60)), "min"


def wait_phrase(wait_s: float, beyond: bool = False) -> tuple[str, str]:
    """("约 12 分钟", "about 12 min"), or for a lower bound ("3 小时以上", "over 3 hours")."""
    if not beyond:
        m = wait_minutes(wait_s)
        return f"约 {m} 分钟", f"about {m} min"
    n, unit = over(wait_s)
    if unit == "h":
        return f"{n} 小时以上", f"over {n} {'hour' if n == 1 else 'hours'}"
    return f"{n} 分钟以上", f"over {n} min"


def ahead_phrase(ahead: int, beyond: bool = False) -> tuple[str, str]:
    """("前面还有 5 人", "5 ahead of you"), or ("前面超过 600 人", "more than 600 ahead of you")."""
    if beyond:
        return f"前面超过 {ahead} 人", f"more than {ahead} ahead of you"
    return f"前面还有 {ahead} 人", f"{ahead} ahead of you"
