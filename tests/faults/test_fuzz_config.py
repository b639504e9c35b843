"""Branch settings with values out of range: every one is refused with one sentence naming
the file and the key, never accepted to fail later (OverflowError, a silent kiosk).

The outside reliability run had `default_service_s = 1e308` and `inf` accepted (and an
OverflowError later), `service_time_smoothing = 5`, `max_wait_s = -10`,
`idle_timeout_s = 0`, `volume = 3` and `announce_repeat = 0` all accepted.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import math
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.config import (
    BranchSettings,
    Counter,
    DisplaySettings,
    KioskSettings,
    PrinterSettings,
    ReaderSettings,
    RuleSettings,
    Service,
    Settings,
    Tier,
    load_settings,
    read_toml,
    settings_from,
)
from kiosk.errors import ConfigError
from tests.conftest import EXAMPLE_CONFIG

SOURCE = str(EXAMPLE_CONFIG)
_, RAW = read_toml(EXAMPLE_CONFIG)


def load_with(*overrides: str) -> Settings:
    """load_settings(EXAMPLE_CONFIG, environ={}, overrides=...) without reading the file."""
    return settings_from(SOURCE, copy.deepcopy(RAW), {}, overrides)


def _names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


KEYS = (
    [f"branch.{n}" for n in _names(BranchSettings)]
    + [f"tiers.gold.{n}" for n in _names(Tier)]
    + [f"services.A.{n}" for n in _names(Service)]
    + [f"counters.6.{n}" for n in _names(Counter)]
    + [f"{section}.{n}" for section, cls in (
        ("rules", RuleSettings), ("printer", PrinterSettings), ("readers", ReaderSettings),
        ("display", DisplaySettings), ("kiosk", KioskSettings)) for n in _names(cls)]
    + ["security.mode", "security.hash_secret", "database.url", "rules.no_such_rule",
       "display.hall_numbr_pt"]
)


@pytest.mark.parametrize(("override", "key"), [
    ("services.A.default_service_s=1e308", "services[0].default_service_s"),
    ("services.A.default_service_s=inf", "services[0].default_service_s"),
    ("services.A.default_service_s=nan", "services[0].default_service_s"),
    ("rules.service_time_smoothing=5", "rules.service_time_smoothing"),
    ("rules.max_wait_s=-10", "rules.max_wait_s"),
    ("kiosk.idle_timeout_s=0", "kiosk.idle_timeout_s"),
    ("display.volume=3", "display.volume"),
    ("display.announce_repeat=0", "display.announce_repeat"),
    ("tiers.gold.rate=1e300", "tiers[2].rate"),
    ("branch.timezone=Asia", "branch.timezone"),  # a directory of zones: was an OSError
    ('branch.name_zh="光明\\u0000银行"', "branch.name_zh"),
    ("readers.card_baudrate=0", "readers.card_baudrate"),
])
def test_the_reported_values_are_refused_naming_file_and_key(override: str, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(EXAMPLE_CONFIG, environ={}, overrides=[override])
    text = str(err.value)
    assert text.startswith(SOURCE) and f": {key}: " in text and "\n" not in text, text


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") \
            if math.isinf(value) else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


scalar = st.one_of(
    st.integers(), st.integers(-100, 100_000), st.sampled_from([0, -1, 1, 58, 80, 2**63 - 1]),
    st.floats(), st.floats(-1e5, 1e5), st.booleans(),
    st.text(max_size=20), st.sampled_from(["09:00", "25:00", "fifo", "A", "gold", "", "0000",
                                           "Asia", "Asia/Shanghai", "Etc/GMT+99"]),
)
value = st.one_of(scalar, st.lists(scalar, max_size=4))


def _check_accepted(s: Settings) -> None:
    """What was accepted can be used: every duration is a timedelta, every number finite."""
    for section in (s.rules, s.printer, s.readers, s.display, s.kiosk, s.branch,
                    *s.tiers, *s.services, *s.counters):
        for f in dataclasses.fields(section):
            v = getattr(section, f.name)
            if isinstance(v, float):
                assert math.isfinite(v)
                timedelta(seconds=v)  # the OverflowError the report found
    assert 0 <= s.display.volume <= 1 and s.display.announce_repeat >= 1
    assert 0 <= s.rules.service_time_smoothing <= 1 and s.rules.max_wait_s > 0
    assert s.kiosk.idle_timeout_s > 0
    assert all(0 < x.default_service_s <= 86400 for x in s.services)


@settings(max_examples=2500, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(KEYS), value)
def test_any_value_for_any_setting_is_accepted_in_range_or_refused_by_key(
        key: str, new: Any) -> None:
    try:
        s = load_with(f"{key}={toml_value(new)}")
    except ConfigError as exc:
        message = str(exc)
        assert message.startswith((SOURCE, "--set")), message
        # the value may hold a newline; the sentence around it may not (the path may hold
        # the value's characters too: only what follows it is masked)
        text = message[len(SOURCE):] if message.startswith(SOURCE) else message
        text = text.replace(toml_value(new), "<value>")
        assert "\n" not in text, message
        assert key.split(".")[0] in text, text  # names the section (and key) it refused
    else:
        _check_accepted(s)


@settings(max_examples=600, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=40))
def test_any_set_text_is_a_setting_or_one_sentence(text: str) -> None:
    try:
        _check_accepted(load_with(text))
    except ConfigError as exc:
        said = str(exc).replace(text, "<text>")
        assert said and "\n" not in said
