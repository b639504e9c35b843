"""Branch configuration: the example loads; a bad file names the file, the key and the fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import EXAMPLE_SECRET, load_settings
from kiosk.errors import ConfigError
from tests.conftest import EXAMPLE_CONFIG

EXAMPLE = EXAMPLE_CONFIG.read_text(encoding="utf-8")


def test_example_branch_is_complete() -> None:
    s = load_settings(EXAMPLE_CONFIG, environ={})
    assert [t.key for t in s.tiers] == ["regular", "purple_gold", "gold", "platinum"]
    assert [t.name_zh for t in s.tiers] == ["普通", "紫金", "黄金", "白金"]
    assert {x.prefix: x.name_zh for x in s.services} == {
        "A": "个人现金", "B": "个人非现金", "C": "对公业务", "V": "贵宾理财"}
    assert [c.number for c in s.counters] == [1, 2, 3, 4, 5, 6]
    assert [c.number for c in s.counters if c.green_channel] == [6]
    assert s.service("A").closes.strftime("%H:%M") == "16:30"
    assert [(b.counter, f"{b.start:%H:%M}-{b.end:%H:%M}") for b in s.breaks] == [
        (1, "11:30-12:15"), (4, "11:30-12:15"), (2, "12:15-13:00"), (5, "12:15-13:00"),
        (3, "13:00-13:45")]  # the lunch breaks bookings follow
    assert s.appointments.follow_breaks


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "branch.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "message"), [
    (('prefix = "A"', 'prefix = "a"'), r"services\[0\]\.prefix: must be one capital letter"),
    (('number = 3\n', 'number = "three"\n'), r"counters\[2\]\.number: must be a whole number"),
    (('services = ["B", "C"]', 'services = ["B", "X"]'), r"counters\[3\]\.services: names unknown"),
    (('policy = "accumulating"', 'policy = "random"'), r"rules\.policy: must be one of fifo"),
    (('closes = "16:30"', 'closes = "25:00"'), r"services\[0\]\.closes: must be a time"),
    (('paper = 80', 'paper = 76'), r"printer\.paper: must be one of 58, 80"),
    (('rank = 2', 'rank = -2'), r"tiers\[2\]\.rank: must be 0 or more"),
    (('timezone = "Asia/Shanghai"', 'timezone = "Mars/Olympus"'), r"branch\.timezone: unknown"),
    (("[display]", "[displays]"), r"displays: is not a known section"),
    (("hall_number_pt = 180", "hall_numbr_pt = 180"), r"display\.hall_numbr_pt: is not a known"),
    (('counter = 4\nfrom', 'counter = 9\nfrom'),
     r"breaks\[1\]\.counter: must be one of the counters \(\[1, 2, 3, 4, 5, 6\]\)"),
    (('to = "13:45"', 'to = "12:45"'), r"breaks\[4\]\.to: must be later than from"),
    (('from = "11:30"', 'from = "lunch"'), r"breaks\[0\]\.from: must be a time"),
    (('follow_breaks = true', 'follow_breaks = "yes"'),
     r"appointments\.follow_breaks: must be true or false"),
])
def test_bad_values_name_file_and_key(tmp_path: Path, change: tuple[str, str],
                                      message: str) -> None:
    assert change[0] in EXAMPLE
    path = write(tmp_path, EXAMPLE.replace(change[0], change[1], 1))
    with pytest.raises(ConfigError, match=message) as exc:
        load_settings(path, environ={})
    assert str(exc.value).startswith(str(path))


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, EXAMPLE + "\n[[counters]\n"), environ={})
    with pytest.raises(ConfigError, match="file not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_production_refuses_the_example_secret(tmp_path: Path) -> None:
    path = write(tmp_path, EXAMPLE.replace('mode = "demo"', 'mode = "production"'))
    with pytest.raises(ConfigError, match="refuses the example secret"):
        load_settings(path, environ={})
    s = load_settings(path, environ={"KIOSK_HASH_SECRET": "a-real-branch-secret-0042"})
    assert s.mode == "production" and s.hash_secret != EXAMPLE_SECRET


def test_environment_overrides_database_url() -> None:
    s = load_settings(EXAMPLE_CONFIG, environ={"KIOSK_DATABASE_URL": "postgresql://x/y"})
    assert s.database_url == "postgresql://x/y"


def test_set_overrides_any_value_and_names_it_in_errors() -> None:
    s = load_settings(EXAMPLE_CONFIG, environ={}, overrides=[
        "rules.max_wait_s=1500", "rules.policy=fifo", "tiers.gold.rate=8",
        "services.A.target_wait_s=1200", "counters.6.green_channel=false",
        "rules.guarantee_at_green_channel=true"])
    assert s.rules.max_wait_s == 1500.0 and s.rules.policy == "fifo"
    assert s.rules.guarantee_at_green_channel is True
    assert s.tier("gold").rate == 8.0
    assert s.service("A").target_wait_s == 1200.0
    assert not any(c.green_channel for c in s.counters)
    with pytest.raises(ConfigError, match=r"with --set rules\.max_wait_s=soon\): "
                                          r"rules\.max_wait_s: must be a number"):
        load_settings(EXAMPLE_CONFIG, environ={}, overrides=["rules.max_wait_s=soon"])


@pytest.mark.parametrize(("override", "message"), [
    ("rules.max_wait_s", r"expected KEY=VALUE"),
    ("max_wait_s=1", r"expected KEY=VALUE with a dotted key"),
    ("tiers.diamond.rate=9", r"no tiers entry with key = diamond"),
    ("tiers.rate=9", r"name one of the tiers by its key"),
    ("tiers.gold.rat=9", r"tiers\[2\]\.rat: is not a known setting"),
    ("rules.max_wiat_s=9", r"rules\.max_wiat_s: is not a known setting"),
    ("printers.paper=58", r"printers: is not a known section"),
    ("rules.policy.name=x", r"rules\.policy is not a table"),
])
def test_a_bad_override_is_one_clear_line(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(EXAMPLE_CONFIG, environ={}, overrides=[override])


def test_an_unknown_key_in_a_list_of_tables_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, EXAMPLE.replace('rank = 2', 'rank = 2\nrtae = 7.5', 1))
    with pytest.raises(ConfigError, match=r"tiers\[2\]\.rtae: is not a known setting"):
        load_settings(path, environ={})


@pytest.mark.parametrize("value", ["0", "101", "-5", "nan"])
def test_the_service_level_aim_is_a_share_of_customers(value: str) -> None:
    with pytest.raises(ConfigError, match=r"rules\.service_level_target_pct: "):
        load_settings(EXAMPLE_CONFIG, environ={},
                      overrides=[f"rules.service_level_target_pct={value}"])
    aim = load_settings(EXAMPLE_CONFIG, environ={},
                        overrides=["rules.service_level_target_pct=90"])
    assert aim.rules.service_level_target_pct == 90.0
