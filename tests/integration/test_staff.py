"""Staff accounts and audited overrides, in the queue layer (no window can skip them)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.cli import main
from kiosk.errors import IllegalTransition, QueueError
from kiosk.queue import models as m
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor, AuthError
from tests.conftest import EXAMPLE_CONFIG, MANAGER_PIN, TELLER_PIN, FakeClock

NOW = "2026-11-24T10:00:00"


def test_pins_are_stored_only_as_slow_salted_hashes(queue: QueueService, manager: Actor) -> None:
    queue.staff.add("T009", "王柜员", "teller", "135790")
    with queue.db.read() as s:
        hashes = {r.id: r.pin_hash for r in s.scalars(select(m.Staff))}
    assert all(h.startswith("scrypt$16384$8$1$") for h in hashes.values())
    assert not any("135790" in h or MANAGER_PIN in h for h in hashes.values())
    queue.staff.add("T010", "赵柜员", "teller", "135790")  # same PIN, other salt
    with queue.db.read() as s:
        assert s.get(m.Staff, "T009").pin_hash != s.get(m.Staff, "T010").pin_hash  # type: ignore[union-attr]
    assert queue.login("t009", "135790").role == "teller"  # staff numbers ignore case


def test_bad_accounts_and_pins_are_refused_in_one_sentence(queue: QueueService) -> None:
    for args, message in [(("M1", "", "manager", "1234"), "needs a name"),
                          (("M1", "x", "boss", "1234"), "role is one of"),
                          (("M1", "x", "manager", "12"), "4 to 12 digits"),
                          (("M1", "x", "manager", "12a4"), "4 to 12 digits"),
                          (("M-1", "x", "manager", "1234"), "letters and digits"),
                          (("M" * 17, "x", "manager", "1234"), "letters and digits")]:
        with pytest.raises(QueueError, match=message):
            queue.staff.add(*args)
    queue.staff.add("M1", "x", "manager", "1234")
    with pytest.raises(QueueError, match="taken"):
        queue.staff.add("m1", "y", "teller", "1234")


def test_five_wrong_pins_lock_the_account_for_five_minutes(
        queue: QueueService, manager: Actor, clock: FakeClock) -> None:
    for _ in range(4):
        with pytest.raises(AuthError, match="Wrong staff number or PIN"):
            queue.login("M001", "0000")
    with pytest.raises(AuthError, match="locked for 5 min"):
        queue.login("M001", "0000")
    with pytest.raises(AuthError, match="is locked"):
        queue.login("M001", MANAGER_PIN)  # even the right PIN, while locked
    clock.advance(minutes=5, seconds=1)
    assert queue.login("M001", MANAGER_PIN).staff_no == "M001"


# Wrong PINs typed at another PC: a process of its own that tries `n` PINs.
_GUESSER = """
import sys
from datetime import datetime
from kiosk.config import load_settings
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from kiosk.queue.staff import AuthError
q = QueueService(Database(sys.argv[1]), load_settings(sys.argv[2], environ={}),
                 lambda: datetime(2026, 11, 24, 10, 0))
for pin in sys.argv[3:]:
    try:
        q.login("M001", pin)
        print("in")
    except AuthError as exc:
        print(exc)
"""


def _guess(db_url: str, *pins: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _GUESSER, db_url, str(EXAMPLE_CONFIG), *pins],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.mark.slow
def test_the_lock_holds_across_processes(queue: QueueService, manager: Actor,
                                         db_url: str) -> None:
    assert _guess(db_url, "0000", "1111") == ["Wrong staff number or PIN."] * 2
    with pytest.raises(AuthError, match="Wrong staff number or PIN"):
        queue.login("M001", "2222")
    replies = _guess(db_url, "3333", "4444", MANAGER_PIN)
    assert replies[0] == "Wrong staff number or PIN."
    assert "locked for 5 min" in replies[1]  # the fifth wrong PIN, counted over 3 processes
    assert "is locked" in replies[2]  # even the right PIN
    with pytest.raises(AuthError, match="is locked"):
        queue.login("M001", MANAGER_PIN)


def _manager_actions(queue: QueueService, actor: Actor | None, waiting: int, called: int,
                     no_show: int) -> dict[str, object]:
    return {
        "pin": lambda: queue.pin(waiting, 1, actor=actor, reason="r"),
        "change_tier": lambda: queue.change_tier(waiting, "gold", actor=actor, reason="r"),
        "call_ticket": lambda: queue.call_ticket(1, waiting, actor=actor, reason="r"),
        "cancel": lambda: queue.cancel(waiting, actor=actor, reason="r"),
        "restore_no_show": lambda: queue.restore_no_show(no_show, actor=actor, reason="r"),
        "issue_for": lambda: queue.issue_for("A", actor=actor, reason="r", tier="gold"),
        "transfer_first": lambda: queue.transfer(waiting, "B", "first", actor=actor,
                                                 reason="r"),
        "reprint": lambda: queue.reprint(waiting, "KIOSK-1", actor=actor, reason="r"),
        "notice": lambda: queue.set_notice("通知", "notice", actor=actor),
    }


def _setup_tickets(queue: QueueService) -> tuple[int, int, int]:
    queue.open_counter(1)
    gone = queue.issue("A")
    queue.call_next(1)
    queue.no_show(gone.id)
    called = queue.issue("A")
    queue.call_next(1)
    waiting = queue.issue("A")
    queue.hand_back(called.id)
    return waiting.id, called.id, gone.id


def test_a_teller_or_nobody_cannot_do_a_managers_action(
        queue: QueueService, teller: Actor, manager: Actor) -> None:
    ids = _setup_tickets(queue)
    forged = Actor("M001", "张经理", "manager", token="0" * 64)
    promoted = replace(teller, role="manager")
    for who in (teller, None, forged, promoted):
        for name, action in _manager_actions(queue, who, *ids).items():
            before = queue.last_event_id()
            with pytest.raises(AuthError) as refused:
                action()  # type: ignore[operator]
            assert queue.last_event_id() == before, name
            message = str(refused.value)
            assert "needs a" in message or "login" in message or "no longer" in message, name
    assert queue.audit_log() == []


def test_every_manager_action_writes_one_signed_audit_row(
        queue: QueueService, manager: Actor) -> None:
    ids = _setup_tickets(queue)
    actions = _manager_actions(queue, manager, *ids)
    order = ["pin", "change_tier", "reprint", "transfer_first", "restore_no_show", "issue_for",
             "notice", "cancel"]
    for name in order:
        before = queue.last_event_id()
        actions[name]()  # type: ignore[operator]
        assert queue.last_event_id() >= before + 1
    rows = list(reversed(queue.audit_log()))
    assert [r.action for r in rows] == ["pin", "change_tier", "reprint", "transfer",
                                        "restore_no_show", "issue_for", "notice", "cancel"]
    assert all(r.actor == "M001 张经理" and r.staff_no == "M001" and r.reason for r in rows)
    tier = rows[1]
    assert (tier.before, tier.after) == ({"tier": "regular"}, {"tier": "gold"})
    assert rows[3].before["service"] == "A" and rows[3].after["service"] == "B"
    assert rows[4].before == {"status": "no_show"} and rows[4].after == {"status": "waiting"}
    kinds = [e.kind for e in queue.events_since(0)]
    assert "print_job" in kinds and "restored" in kinds


def test_blank_reasons_are_refused_before_anything_changes(
        queue: QueueService, manager: Actor) -> None:
    t = queue.issue("A")
    before = queue.last_event_id()
    for blank in ("", "   ", "\n"):
        with pytest.raises(QueueError, match="needs a reason"):
            queue.pin(t.id, 1, actor=manager, reason=blank)
        with pytest.raises(QueueError, match="needs a reason"):
            queue.cancel(t.id, actor=manager, reason=blank)
    assert queue.last_event_id() == before and queue.audit_log() == []


def test_a_transfer_by_the_branchs_rule_needs_no_manager(
        queue: QueueService, teller: Actor) -> None:
    t = queue.issue("A")
    rule = queue.settings.rules.transfer_placement
    assert rule == "priority"
    assert queue.transfer(t.id, "B", actor=teller).service == "B"
    assert queue.transfer(t.id, "C", "last").service == "C"
    with pytest.raises(AuthError, match="placed first"):
        queue.transfer(t.id, "A", "first", actor=teller)
    assert queue.audit_log() == []


def test_a_disabled_account_is_refused_even_when_logged_in(
        queue: QueueService, manager: Actor) -> None:
    t = queue.issue("A")
    queue.staff.disable("M001")
    with pytest.raises(AuthError, match="no longer allowed"):
        queue.pin(t.id, 1, actor=manager, reason="r")
    with pytest.raises(AuthError, match="Wrong staff number or PIN"):
        queue.login("M001", MANAGER_PIN)


def test_another_tellers_counter_is_changed_only_by_a_manager_with_a_reason(
        queue: QueueService, teller: Actor, manager: Actor) -> None:
    queue.staff.add("T003", "周柜员", "teller", TELLER_PIN)
    other = queue.login("T003", TELLER_PIN)
    assert queue.open_counter(2, actor=teller).staff == "T002"
    with pytest.raises(IllegalTransition, match="worked by T002"):
        queue.close_counter(2, actor=other)
    with pytest.raises(IllegalTransition, match="worked by T002"):
        queue.pause_counter(2)
    with pytest.raises(QueueError, match="needs a reason"):
        queue.close_counter(2, actor=manager)
    closed = queue.close_counter(2, actor=manager, reason="T002 went home ill")
    assert closed.status == m.COUNTER_CLOSED and closed.staff is None
    row = queue.audit_log()[0]
    assert row.action == "counter_close" and row.before["staff"] == "T002"


@pytest.mark.slow
def test_cli_overrides_log_in_take_printed_numbers_and_export_the_audit(
        queue: QueueService, manager: Actor, db_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KIOSK_NOW", NOW)
    monkeypatch.setenv("KIOSK_STAFF_PIN", MANAGER_PIN)
    monkeypatch.setenv("KIOSK_VAR_DIR", str(tmp_path))

    def cli(*args: str) -> tuple[int, str, str]:
        code = main([*args, "--db", db_url, "--config", str(EXAMPLE_CONFIG)])
        out, err = capsys.readouterr()
        return code, out, err

    queue.issue("B")
    late = queue.issue("B")
    code, out, err = cli("pin", "B002", "--staff", "M001", "--reason", "孕妇", "--json")
    assert code == 0, err
    assert json.loads(out)["ticket_id"] == late.id
    queue.open_counter(3)
    code, out, _ = cli("call", "--counter", "3", "--json")
    assert json.loads(out)["number"] == "B002"
    assert cli("finish", "b002")[0] == 0  # the printed number, as the teller reads it
    code, _, err = cli("finish", "B077")
    assert code == 1 and "no ticket B077 today" in err
    monkeypatch.delenv("KIOSK_STAFF_PIN")
    code, _, err = cli("cancel", "B001", "--staff", "M001", "--reason", "left")
    assert code == 1 and "KIOSK_STAFF_PIN" in err
    code, _, err = cli("issue", "--service", "A", "--tier", "gold")
    assert code == 1 and "--staff" in err
    out_csv = tmp_path / "audit.csv"
    code, _, err = cli("audit", "--csv", str(out_csv))
    assert code == 0, err
    with open(out_csv, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["staff_no"], r["action"], r["ticket"], r["reason"]) for r in rows] == [
        ("M001", "pin", "B002", "孕妇")]
    assert json.loads(rows[0]["after"]) == {"position": 1}
