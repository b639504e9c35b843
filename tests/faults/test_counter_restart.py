"""A counter process killed right after its call committed does not block the counter.

The restarted counter sees the ticket it holds, can recall it, or hand it back to its
place in the queue; the lobby manager sees it in `kiosk status`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.errors import IllegalTransition
from kiosk.queue import models as m
from kiosk.queue.service import QueueService
from tests.conftest import EXAMPLE_CONFIG

NOW = "2026-11-24T10:00:00"

# A counter that calls, reports the committed call, then hangs until it is killed.
_COUNTER = """
import json, sys
from datetime import datetime
from kiosk.config import load_settings
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
settings = load_settings(sys.argv[2], environ={})
service = QueueService(Database(sys.argv[1]), settings, lambda: datetime(2026, 11, 24, 10, 5))
view = service.call_next(3)
print(json.dumps({"ticket_id": view.id, "number": view.number}), flush=True)
sys.stdin.read()
"""


def _kiosk(db_url: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "KIOSK_NOW": NOW}
    done = subprocess.run([sys.executable, "-m", "kiosk.cli", *args, "--db", db_url,
                           "--config", str(EXAMPLE_CONFIG)],
                          capture_output=True, text=True, env=env, timeout=60)
    return done.returncode, done.stdout, done.stderr


def test_a_killed_counter_resumes_its_ticket_and_can_hand_it_back(
        queue: QueueService, db_url: str, tmp_path: Path) -> None:
    first = queue.issue("B")
    second = queue.issue("B")
    queue.open_counter(3)
    with subprocess.Popen([sys.executable, "-c", _COUNTER, db_url, str(EXAMPLE_CONFIG)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        called = json.loads(child.stdout.readline())
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    assert called["ticket_id"] == first.id

    # The restarted counter: calling again is refused with what to do, not a dead end.
    code, _, err = _kiosk(db_url, "call", "--counter", "3")
    assert code != 0 and "still has B001" in err and "hand it back" in err
    assert "Traceback" not in err
    # It sees what it holds, and the manager's status shows it too.
    code, out, _ = _kiosk(db_url, "counter", "show", "3", "--json")
    held = json.loads(out)["current"]
    assert code == 0 and held["number"] == "B001" and held["status"] == "called"
    code, out, _ = _kiosk(db_url, "status")
    assert code == 0 and "B001 called since 10:05" in out
    # Recall works on the resumed ticket.
    assert _kiosk(db_url, "recall", str(first.id))[0] == 0
    # Handed back, the ticket is waiting in its old place, ahead of the later number.
    code, out, _ = _kiosk(db_url, "handback", str(first.id), "--json")
    assert code == 0 and json.loads(out)["status"] == m.WAITING
    assert [v.number for v in queue.waiting()] == ["B001", "B002"]
    assert queue.counter(3).current is None
    again = queue.call_next(3)
    assert again is not None and again.id == first.id
    assert queue.ticket(second.id).status == m.WAITING


def test_only_a_called_ticket_can_be_handed_back(queue: QueueService) -> None:
    t = queue.issue("A")
    with pytest.raises(IllegalTransition, match="cannot be handed back"):
        queue.hand_back(t.id)  # still waiting
    queue.open_counter(1)
    queue.call_next(1)
    queue.start(t.id)
    with pytest.raises(IllegalTransition, match="cannot be handed back"):
        queue.hand_back(t.id)  # being served: finish, suspend or transfer instead
    with pytest.raises(IllegalTransition, match="finish, suspend or transfer it first"):
        queue.call_next(1)
