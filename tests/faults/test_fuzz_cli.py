"""The command line fuzzed in-process (kiosk.cli.main), on SQLite and on PostgreSQL: every
outcome is success or one line "kiosk: <sentence>", never a traceback or "unexpected error",
and the same input gets the same answer on both databases.

The outside reliability run found a 65-character --station or --staff, ticket id
99999999999999999999 and `events --limit -1` ending in DataError/OverflowError on
PostgreSQL while SQLite accepted or ignored them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import _pg_database
from tests.support.cli_runner import assert_clear, kiosk
from tests.support.identifiers import CARD, ID_NUMBER

FUZZ = dict(deadline=None, derandomize=True, database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _branch(url: str) -> str:
    code, _, err = kiosk(url, "db", "upgrade")
    assert code == 0, err
    assert kiosk(url, "counter", "open", "1")[0] == 0
    assert kiosk(url, "issue", "--service", "A")[0] == 0
    return url


@pytest.fixture
def sqlite_branch(env: Path) -> str:
    return _branch(f"sqlite:///{env / 'branch.db'}")


@pytest.fixture
def pg_branch(env: Path) -> Iterator[str]:
    for url in _pg_database():
        yield _branch(url)


@pytest.fixture
def both(sqlite_branch: str, pg_branch: str) -> tuple[str, str]:
    return sqlite_branch, pg_branch


# --- the reported inputs -------------------------------------------------------------

REPORTED = [
    ("issue", "--service", "A", "--station", "s" * 65),
    ("counter", "open", "2", "--staff", "t" * 65),
    ("finish", "99999999999999999999"),
    ("events", "--limit", "-1"),
    ("events", "--since", "99999999999999999999"),
    ("call", "--counter", "1", "--ticket", "99999999999999999999", "--staff", "m",
     "--reason", "r"),
    ("pin", "1", "--position", "99999999999", "--staff", "m", "--reason", "r"),
    ("call", "--counter", "99999999999"),
    ("issue", "--service", "A", "--station", "kiosk\x00one"),
]


@pytest.mark.pg
@pytest.mark.parametrize("argv", REPORTED, ids=lambda a: " ".join(a)[:40])
def test_the_reported_inputs_are_the_same_clear_refusal_on_both(
        both: tuple[str, str], argv: tuple[str, ...]) -> None:
    on_sqlite, on_pg = (kiosk(db, *argv) for db in both)
    for outcome in (on_sqlite, on_pg):
        assert_clear(*outcome)
        assert outcome[0] == 2, outcome  # refused as an argument, before any database
    assert on_sqlite == on_pg


@pytest.mark.pg
def test_the_longest_names_the_database_holds_are_accepted_on_both(
        both: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_NEW_PIN", "135790")
    for db in both:
        code, _, err = kiosk(db, "issue", "--service", "B", "--station", "s" * 64)
        assert code == 0, err
        code, _, err = kiosk(db, "staff", "add", "T" * 16, "--name", "名" * 64, "--role",
                             "teller")
        assert code == 0, err


# --- fuzzing ---------------------------------------------------------------------------

nasty_text = st.one_of(
    st.text(max_size=70),
    st.sampled_from(["", " ", "s" * 64, "s" * 65, "x" * 300, "a\x00b", "\udcff", "-1",
                     "窗口①", "\t", "A", "gold", "--json"]),
)
nasty_number = st.one_of(
    st.integers(-5, 20).map(str),
    st.sampled_from(["0", "-1", "1", "2", "999", "1000", "9223372036854775807",
                     "9223372036854775808", "99999999999999999999", "1e3", "1_000", "³",
                     "１", " 3", "", "nan", "0x10"]),
    st.integers().map(str),
)
identifier = st.one_of(nasty_text, st.sampled_from([CARD, ID_NUMBER, CARD[:-1] + "²",
                                                    ID_NUMBER.translate(str.maketrans(
                                                        "0123456789X", "０１２３４５６７８９Ｘ"))]))
service = st.one_of(st.sampled_from(["A", "B", "C", "V", "Z", "a"]), nasty_text)
day = st.one_of(st.sampled_from(["2026-11-24", "2026-11", "2026-02-30", "2099-01", "2026-13",
                                 "0000-01", "9999-12-31", "24/11/2026", "２０２６-11"]),
                nasty_text)
STEPS = ["recall", "start", "finish", "noshow", "cancel", "suspend", "resume", "handback"]


@st.composite
def command(draw: st.DrawFn) -> list[str]:
    which = draw(st.sampled_from(["issue", "call", "step", "transfer", "pin", "counter",
                                  "events", "audit", "status", "ticket", "report"]))
    opt = st.booleans()
    if which == "issue":
        argv = ["issue", "--service", draw(service)]
        if draw(opt):
            argv += [draw(st.sampled_from(["--card", "--id"])), draw(identifier)]
        if draw(opt):
            argv += ["--station", draw(nasty_text)]
        if draw(opt):
            argv += ["--tier", draw(st.one_of(st.sampled_from(["gold", "nope"]), nasty_text))]
        if draw(opt):
            argv += ["--staff", draw(nasty_text)]
    elif which == "call":
        argv = ["call", "--counter", draw(nasty_number)]
        if draw(opt):
            argv += ["--ticket", draw(nasty_number), "--staff", draw(nasty_text),
                     "--reason", draw(nasty_text)]
    elif which == "step":
        argv = [draw(st.sampled_from(STEPS)), draw(nasty_number)]
    elif which == "transfer":
        argv = ["transfer", draw(nasty_number), "--service", draw(service)]
    elif which == "pin":
        argv = ["pin", draw(nasty_number), "--position", draw(nasty_number),
                "--staff", draw(nasty_text), "--reason", draw(nasty_text)]
    elif which == "counter":
        argv = ["counter", draw(st.sampled_from(["open", "pause", "close", "show", "fly"])),
                draw(nasty_number)]
        if draw(opt):
            argv += ["--staff", draw(nasty_text)]
    elif which == "events":
        argv = ["events", "--since", draw(nasty_number), "--limit", draw(nasty_number)]
    elif which == "audit":
        argv = ["audit", "--limit", draw(nasty_number)]
    elif which == "ticket":
        argv = ["ticket", draw(nasty_number), "--out", draw(nasty_text)]
    elif which == "report":
        period = draw(st.sampled_from(["--day", "--month", "--from"]))
        argv = ["report", period, draw(day)]
        if period == "--from" and draw(opt):
            argv += ["--to", draw(day)]
        argv += ["--format", draw(st.sampled_from(["csv", "json", "pdf", "xml"]))]
        if draw(opt):
            argv += ["--table", draw(st.sampled_from(["by_service", "by_branch", "nope"]))]
        argv += ["--out", draw(nasty_text)]
    else:
        argv = ["status"]
    if draw(opt):
        argv.append("--json")
    return argv


def _same(outcome: tuple[int, str, str]) -> tuple[int, str]:
    """What must agree between the databases: the exit code and the sentence (ids aside)."""
    return outcome[0], re.sub(r"\d+", "#", outcome[2])


@pytest.mark.pg
@settings(max_examples=500, **FUZZ)
@given(command())
def test_any_command_line_is_success_or_one_sentence_the_same_on_both(
        both: tuple[str, str], tmp_path: Path, argv: list[str]) -> None:
    if argv[0] == "ticket":
        argv[3] = str(tmp_path / "out" / argv[3].replace("/", "_").replace("\x00", ""))[:200]
    _report_out(argv, tmp_path / "out")
    on_sqlite, on_pg = (kiosk(db, *argv) for db in both)
    assert_clear(*on_sqlite)
    assert_clear(*on_pg)
    assert _same(on_sqlite) == _same(on_pg), (argv, on_sqlite, on_pg)


@settings(max_examples=500, **FUZZ)
@given(command())
def test_any_command_line_on_sqlite_is_success_or_one_sentence(
        sqlite_branch: str, tmp_path: Path, argv: list[str]) -> None:
    if argv[0] == "ticket":
        argv[3] = str(tmp_path / argv[3].replace("/", "_").replace("\x00", ""))[:200]
    _report_out(argv, tmp_path)
    assert_clear(*kiosk(sqlite_branch, *argv))


def _report_out(argv: list[str], folder: Path) -> None:
    """A report's file goes under the test's folder, whatever name was drawn."""
    if argv[0] == "report":
        name = argv[-1].replace("/", "_").replace("\x00", "")
        argv[-1] = str(folder / name)[:200]


# Arguments no database can hold: refused by the command line itself, the same on both.
bad_number = st.one_of(
    st.integers(max_value=0).map(str), st.integers(min_value=2**63).map(str),
    st.sampled_from(["", "1e3", "1_000", "³", "١", "0x10", "nan", "1.5", "9" * 25]),
)
control_text = st.builds(lambda a, c, b: a + c + b, st.text(max_size=10),
                         st.sampled_from(["\x00", "\x1b", "\n", "\udcff", "\x7f"]),
                         st.text(max_size=10))
bad_text = st.one_of(
    st.text(min_size=65, max_size=200).filter(lambda t: len(t.strip()) > 64), control_text)
bad_reason = st.one_of(st.builds(lambda t: "r" * 1001 + t, st.text(max_size=5)), control_text)
TEMPLATES = [
    (["finish", "{id}"], {"id": bad_number}),
    (["handback", "{id}"], {"id": bad_number}),
    (["transfer", "{id}", "--service", "B"], {"id": bad_number}),
    (["call", "--counter", "{n}"], {"n": st.one_of(bad_number, st.sampled_from(["1000"]))}),
    (["call", "--counter", "1", "--ticket", "{id}", "--staff", "{who}", "--reason", "r"],
     {"id": bad_number, "who": bad_text}),
    (["pin", "{id}", "--position", "{pos}", "--staff", "{who}", "--reason", "{why}"],
     {"id": bad_number, "pos": st.one_of(bad_number, st.just("10001")), "who": bad_text,
      "why": bad_reason}),
    (["counter", "open", "{n}", "--staff", "{who}"], {"n": bad_number, "who": bad_text}),
    (["issue", "--service", "A", "--station", "{who}"], {"who": bad_text}),
    (["issue", "--service", "A", "--staff", "{who}"], {"who": bad_text}),
    (["events", "--since", "{since}", "--limit", "{n}"],
     {"since": st.one_of(st.integers(max_value=-1).map(str), st.just("9" * 20)),
      "n": st.one_of(bad_number, st.just("10001"))}),
    (["audit", "--limit", "{n}"], {"n": st.one_of(bad_number, st.just("10001"))}),
]


@st.composite
def bad_command(draw: st.DrawFn) -> list[str]:
    template, slots = draw(st.sampled_from(TEMPLATES))
    bad = draw(st.sampled_from(sorted(slots)))  # at least this slot is bad; others valid
    good = {"id": "1", "n": "1", "pos": "1", "who": "m", "why": "r", "since": "0"}
    values = {k: draw(v) if k == bad else good[k] for k, v in slots.items()}
    return [part.format(**values) if part.startswith("{") else part for part in template]


@settings(max_examples=2500, **FUZZ)
@given(bad_command())
def test_arguments_no_database_can_hold_are_refused_before_either_is_asked(
        env: Path, pg_url_or_none: str, argv: list[str]) -> None:
    on_sqlite = kiosk(f"sqlite:///{env / 'never-created.db'}", *argv)
    assert_clear(*on_sqlite)
    assert on_sqlite[0] == 2 and "argument" in on_sqlite[2], (argv, on_sqlite)
    assert not (env / "never-created.db").exists()
    assert kiosk(pg_url_or_none, *argv) == on_sqlite


@pytest.fixture
def pg_url_or_none() -> str:
    """A PostgreSQL URL that is never connected to (the arguments are refused first)."""
    return "postgresql://nobody@127.0.0.1:1/never"
