"""Typed branch settings from config/*.toml and KIOSK_* environment variables.

Every setting has its type and its range next to it (pydantic v2 validates the file
against these dataclasses). A bad file stops with one clear line naming the file, the
key and what is wrong (`ConfigError`); the CLI turns that into exit code 2.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from kiosk.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "branch.toml"
EXAMPLE_SECRET = "example-secret-change-me"

POLICIES = ("fifo", "strict", "accumulating")
PLACEMENTS = ("first", "last", "priority")
DAY_S = 86400.0

# How pydantic reads every table: unknown keys are refused, inf and nan are not numbers.
_TABLE: Any = {"extra": "forbid", "allow_inf_nan": False}


# --- the types settings are made of (each refusal is the end of one sentence) -------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):  # (broken characters, lone surrogates, pydantic refuses)
        raise PydanticCustomError("control", "must not contain control characters")
    return value


def _one_of(choices: Sequence[Any]) -> AfterValidator:
    def check(value: Any) -> Any:
        if value not in choices:
            raise PydanticCustomError("one_of", "must be one of {choices}, not {value}",
                                      {"choices": ", ".join(map(str, choices)),
                                       "value": repr(value)})
        return value
    return AfterValidator(check)


def _matches(pattern: str, what: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PydanticCustomError("matches", "must be {what}, not {value}",
                                      {"what": what, "value": repr(value)})
        return value
    return AfterValidator(check)


def _clock_time(value: Any) -> Any:
    """"09:00" or a TOML time -> time."""
    if isinstance(value, time):
        return value
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", value) if isinstance(value, str) else None
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise PydanticCustomError("clock_time", 'must be a time like "09:00", not {value}',
                                  {"value": repr(value)})
    return time(int(m.group(1)), int(m.group(2)))


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise PydanticCustomError("zone", "unknown time zone {value}",
                                  {"value": repr(name)}) from None
    return name


def _text(max_length: int, min_length: int = 0) -> Any:
    return Field(strict=True, min_length=min_length, max_length=max_length)


def _whole(ge: int, le: int) -> Any:
    return Field(strict=True, ge=ge, le=le)


def _number(*, ge: float | None = None, gt: float | None = None, le: float) -> Any:
    return Field(strict=True, ge=ge, gt=gt, le=le)


Text = Annotated[str, _text(200), AfterValidator(_no_control_characters)]
Address = Annotated[str, _text(256), AfterValidator(_no_control_characters)]
NameZh = Annotated[str, _text(64, 1), AfterValidator(_no_control_characters)]
NameEn = Annotated[str, _text(128, 1), AfterValidator(_no_control_characters)]
CounterNameZh = Annotated[str, _text(64), AfterValidator(_no_control_characters)]
CounterNameEn = Annotated[str, _text(128), AfterValidator(_no_control_characters)]
Flag = Annotated[bool, Field(strict=True)]
Seconds = Annotated[float, _number(ge=0, le=DAY_S)]  # 0 s to a day
WaitTarget = Annotated[float, _number(gt=0, le=DAY_S)]  # more than 0 s, up to a day
ClockTime = Annotated[time, BeforeValidator(_clock_time)]
Baud = Annotated[int, _whole(300, 4_000_000)]
Prefix = Annotated[str, Field(strict=True), _matches(r"[A-Z]", "one capital letter A-Z")]


@dataclass(frozen=True)
class BranchSettings:
    code: Annotated[str, _text(32, 1), AfterValidator(_no_control_characters)]
    name_zh: NameZh
    name_en: NameEn
    timezone: Annotated[str, _text(64, 1), AfterValidator(_known_zone)] = "Asia/Shanghai"
    business_day_start_hour: Annotated[int, _whole(0, 23)] = 4
    __pydantic_config__ = _TABLE

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Tier:
    key: Annotated[str, Field(strict=True),
                   _matches(r"[a-z][a-z0-9_]{0,31}", "a lower-case identifier (a-z, 0-9, _; "
                            "up to 32 characters)")]
    name_zh: NameZh
    name_en: NameEn
    rank: Annotated[int, _whole(0, 1000)]  # 0 = regular; higher = more privileged
    # accumulating-priority rate (priority points per second waited)
    rate: Annotated[float, _number(gt=0, le=1000)] = 1.0
    base_s: Seconds = 0.0  # head start, in seconds of regular waiting
    target_wait_s: WaitTarget | None = None  # maximum-wait guarantee for this tier
    __pydantic_config__ = _TABLE

    @property
    def priority(self) -> bool:
        return self.rank > 0


@dataclass(frozen=True)
class Service:
    prefix: Prefix
    name_zh: NameZh
    name_en: NameEn
    opens: ClockTime = time(9, 0)
    closes: ClockTime = time(17, 0)
    default_service_s: Annotated[float, _number(ge=1, le=28800)] = 300.0  # up to 8 hours
    target_wait_s: WaitTarget | None = None
    self_service_hint_zh: Text = ""
    self_service_hint_en: Text = ""
    __pydantic_config__ = _TABLE


@dataclass(frozen=True)
class Counter:
    number: Annotated[int, _whole(1, 999)]
    # preference order: first is preferred
    services: Annotated[tuple[Annotated[str, Field(strict=True)], ...],
                        Field(min_length=1, max_length=26)]
    name_zh: CounterNameZh = ""
    name_en: CounterNameEn = ""
    green_channel: Flag = False
    __pydantic_config__ = _TABLE

    @property
    def label_zh(self) -> str:
        return self.name_zh or f"{self.number}号窗口"

    @property
    def label_en(self) -> str:
        return self.name_en or f"Counter {self.number}"


@dataclass(frozen=True)
class Break:
    """A counter's break, every business day ([[breaks]]: counter, from, to): the lunch
    schedule that bookings follow (a slot of a service whose counters are away takes
    fewer bookings). A simulation scenario's own [[breaks]] replace these."""

    counter: Annotated[int, _whole(1, 999)]
    start: Annotated[ClockTime, Field(alias="from")]
    end: Annotated[ClockTime, Field(alias="to")]
    __pydantic_config__ = _TABLE


@dataclass(frozen=True)
class RuleSettings:
    policy: Annotated[str, Field(strict=True), _one_of(POLICIES)] = "accumulating"
    max_wait_s: WaitTarget = 1800.0  # maximum-wait guarantee for every ticket
    # cap on priority calls in a row per counter (0 = none)
    max_consecutive_priority: Annotated[int, _whole(0, 100)] = 3
    green_channel_serves_others: Flag = True
    # the maximum-wait guarantee holds at green channels too: a due ticket of any tier
    # goes before a VIP there (off: a green channel serves VIPs first, whatever the wait)
    guarantee_at_green_channel: Flag = False
    transfer_placement: Annotated[str, Field(strict=True), _one_of(PLACEMENTS)] = "priority"
    # weight of the newest service time in the running mean
    service_time_smoothing: Annotated[float, _number(ge=0, le=1)] = 0.2
    preference_bonus_s: Seconds = 300.0  # a counter's preferred service counts as this much waiting
    deadline_lead_s: Seconds = 300.0  # a ticket this close to its target wait goes first
    keep_promises: Flag = False  # the wait printed on a ticket becomes a deadline (not fifo)
    promise_margin_s: Seconds = 300.0  # promise = issued + estimate + max(this, frac × estimate)
    promise_margin_frac: Annotated[float, _number(ge=0, le=10)] = 0.0
    # the branch's aim: this share of the called customers called within their target wait
    # (the console's Figures and the reports mark the half hours below it)
    service_level_target_pct: Annotated[float, _number(gt=0, le=100)] = 80.0
    __pydantic_config__ = _TABLE


@dataclass(frozen=True)
class PrinterSettings:
    backend: Annotated[str, Field(strict=True),  # preview | file | usb | serial | network
                       _one_of(("preview", "file", "usb", "serial", "network"))] = "preview"
    paper: Annotated[int, Field(strict=True), _one_of((58, 80))] = 80  # 58 or 80 mm
    encoding: Annotated[str, Field(strict=True), _one_of(("gb18030", "gbk"))] = "gb18030"
    chinese_mode: Flag = False  # send FS & / FS . around Chinese text
    native_qr: Flag = True
    profile: Annotated[str, _text(64), AfterValidator(_no_control_characters)] = "default"
    target: Address = ""  # file path, serial port, host[:port], or usb "vid:pid"
    baudrate: Baud = 9600
    timeout_s: Annotated[float, _number(gt=0, le=60)] = 0.2
    qr_url_prefix: Text = "https://q.example-bank.cn/t/"
    notice_zh: Text = "请留意叫号，过号请重新取号"
    notice_en: Text = "Please listen for your number"
    __pydantic_config__ = _TABLE


@dataclass(frozen=True)
class ReaderSettings:
    wedge: Flag = True
    card_serial: Address = ""  # pyserial URL of a serial magstripe reader, "" = none
    id_serial: Address = ""  # pyserial URL of a GA/T 467 ID-card reader, "" = none
    baudrate: Baud = 115200  # of the ID-card reader
    card_baudrate: Baud = 9600  # of the serial magstripe reader
    __pydantic_config__ = _TABLE


@dataclass(frozen=True)
class DisplaySettings:
    # monitor index for the full-screen display (0 = primary)
    screen: Annotated[int, _whole(0, 15)] = 0
    hall_number_pt: Annotated[int, _whole(20, 1000)] = 180
    counter_number_pt: Annotated[int, _whole(20, 1000)] = 220
    recent_calls: Annotated[int, _whole(1, 50)] = 8
    announce_english: Flag = True
    announce_repeat: Annotated[int, _whole(1, 5)] = 1
    volume: Annotated[float, _number(ge=0, le=1)] = 0.8
    notice_zh: Text = "欢迎光临，请保管好您的随身物品"
    notice_en: Text = "Welcome. Please keep your belongings with you."
    __pydantic_config__ = _TABLE


@dataclass(frozen=True)
class KioskSettings:
    idle_timeout_s: Annotated[int, _whole(5, 3600)] = 30
    result_timeout_s: Annotated[int, _whole(1, 600)] = 10
    hide_cursor: Flag = True
    large_print: Flag = False
    __pydantic_config__ = _TABLE


@dataclass(frozen=True)
class AppointmentSettings:
    """Booked customers (预约): slots, capacity, the grace window, large-cash lead time."""

    slot_min: Annotated[int, _whole(5, 240)] = 30  # a slot's usual length, minutes
    # bookings one slot of a service can hold, per service prefix; a service not named
    # takes no bookings
    capacity: Mapping[Annotated[str, Field(strict=True)], Annotated[int, _whole(0, 100)]] = \
        field(default_factory=dict)
    # a booked customer who checks in up to this long after the slot is still due at it;
    # later, the kiosk gives a walk-in number
    grace_min: Annotated[int, _whole(0, 240)] = 10
    # a large cash withdrawal (大额取现) is booked at least this many days ahead
    large_cash_lead_days: Annotated[int, _whole(0, 30)] = 1
    # a slot's capacity follows the counters at work ([[breaks]]): the service's capacity
    # times the share of its counters not on a break at the slot's thinnest moment,
    # rounded down; false: every slot holds the whole capacity
    follow_breaks: Flag = True
    # the load the branch expects on its counters, per hour of the day ("10:00" = the hour
    # from 10:00): the hour's work over the counters' time at work, 1.0 = every counter at
    # work busy all the hour (from the branch's own figures)
    expected_load: Mapping[Annotated[str, Field(strict=True), _matches(
        r"([01][0-9]|2[0-3]):00", "an hour's start, HH:00")],
        Annotated[float, _number(ge=0, le=10)]] = field(default_factory=dict)
    # a slot in an hour whose expected load is above this holds only busy_share of its
    # capacity, rounded down; not set: slots do not follow the load
    busy_above: Annotated[float, _number(ge=0, le=10)] | None = None
    busy_share: Annotated[float, _number(ge=0, le=1)] = 0.5
    __pydantic_config__ = _TABLE


@dataclass(frozen=True)
class Settings:
    branch: BranchSettings
    tiers: tuple[Tier, ...]
    services: tuple[Service, ...]
    counters: tuple[Counter, ...]
    rules: RuleSettings = field(default_factory=RuleSettings)
    printer: PrinterSettings = field(default_factory=PrinterSettings)
    readers: ReaderSettings = field(default_factory=ReaderSettings)
    display: DisplaySettings = field(default_factory=DisplaySettings)
    kiosk: KioskSettings = field(default_factory=KioskSettings)
    appointments: AppointmentSettings = field(default_factory=AppointmentSettings)
    breaks: tuple[Break, ...] = ()  # the counters' breaks, every business day
    database_url: str = ""
    hash_secret: str = EXAMPLE_SECRET
    mode: str = "demo"  # demo | production
    source: str = "<defaults>"

    def tier(self, key: str) -> Tier:
        for t in self.tiers:
            if t.key == key:
                return t
        raise KeyError(key)

    def service(self, prefix: str) -> Service:
        for s in self.services:
            if s.prefix == prefix:
                return s
        raise KeyError(prefix)

    def counter(self, number: int) -> Counter:
        for c in self.counters:
            if c.number == number:
                return c
        raise KeyError(number)

    @property
    def regular_tier(self) -> Tier:
        return min(self.tiers, key=lambda t: t.rank)


# --- loading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Security:
    mode: Annotated[str, Field(strict=True), _one_of(("demo", "production"))] = "demo"
    hash_secret: Annotated[str, _text(256), AfterValidator(_no_control_characters)] = \
        EXAMPLE_SECRET
    __pydantic_config__ = _TABLE


@dataclass(frozen=True)
class _Database:
    url: Annotated[str, _text(2000), AfterValidator(_no_control_characters)] = ""
    __pydantic_config__ = _TABLE


@dataclass(frozen=True)
class _BranchFile:
    """The branch file as written: its sections, each checked by type and range."""

    branch: BranchSettings
    tiers: Annotated[tuple[Tier, ...], Field(min_length=1, max_length=20)]
    services: Annotated[tuple[Service, ...], Field(min_length=1, max_length=26)]
    counters: Annotated[tuple[Counter, ...], Field(min_length=1, max_length=999)]
    rules: RuleSettings = field(default_factory=RuleSettings)
    printer: PrinterSettings = field(default_factory=PrinterSettings)
    readers: ReaderSettings = field(default_factory=ReaderSettings)
    display: DisplaySettings = field(default_factory=DisplaySettings)
    kiosk: KioskSettings = field(default_factory=KioskSettings)
    appointments: AppointmentSettings = field(default_factory=AppointmentSettings)
    breaks: Annotated[tuple[Break, ...], Field(max_length=10_000)] = ()
    security: _Security = field(default_factory=_Security)
    database: _Database = field(default_factory=_Database)
    __pydantic_config__ = _TABLE


@functools.cache
def _validator() -> TypeAdapter[_BranchFile]:
    return TypeAdapter(_BranchFile)  # built once per process, on the first load


_LIST_SECTIONS = ("tiers", "services", "counters")
_KINDS = {"int_type": "a whole number", "float_type": "a number", "bool_type": "true or false",
          "string_type": "text", "tuple_type": "a list", "list_type": "a list",
          "dataclass_type": "a table", "dataclass_exact_type": "a table", "dict_type": "a table",
          "time_type": "a time like \"09:00\""}


_UNKNOWN = ("extra_forbidden", "unexpected_keyword_argument")


def _where(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _bound(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _sentence(error: Mapping[str, Any], list_sections: Sequence[str]) -> tuple[str, str]:
    """(where, what is wrong) for one pydantic error, in the words of the old loader."""
    loc = [p for p in error["loc"] if isinstance(p, int | str)]
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    if loc and loc[0] in list_sections and len(loc) == 1 and kind in (
            "missing", "missing_argument", "too_short", "tuple_type", "list_type"):
        return str(loc[0]), f"must be a non-empty list of tables ([[{loc[0]}]])"
    if kind in ("missing", "missing_argument"):
        return _where(loc), "is missing"
    if kind in _UNKNOWN:
        return _where(loc), "is not a known section" if len(loc) == 1 else \
            "is not a known setting"
    if kind in _KINDS:
        return _where(loc), f"must be {_KINDS[kind]}, not {value!r}"
    if kind == "string_unicode":
        return _where(loc), "must be valid text (it holds a broken character)"
    if kind == "finite_number":
        return _where(loc), f"must be a finite number, not {value!r}"
    if kind == "greater_than":
        return _where(loc), f"must be greater than {_bound(ctx['gt'])}, not {value!r}"
    if kind == "greater_than_equal":
        return _where(loc), f"must be {_bound(ctx['ge'])} or more, not {value!r}"
    if kind in ("less_than_equal", "less_than"):
        return _where(loc), f"must be at most {_bound(ctx.get('le', ctx.get('lt')))}, not {value!r}"
    if kind == "string_too_short":
        return _where(loc), "must not be empty"
    if kind == "string_too_long":
        return _where(loc), f"must be at most {ctx['max_length']} characters long"
    if kind == "too_short":
        return _where(loc), "must not be empty"
    if kind == "too_long":
        return _where(loc), f"must have at most {ctx['max_length']} entries"
    return _where(loc), str(error["msg"])  # our own (PydanticCustomError) sentences


def config_error(source: str, where: str, what: str) -> ConfigError:
    """The one sentence a bad settings file gives: "FILE: key.path: what is wrong"."""
    return ConfigError(f"{source}: {where or '(top level)'}: {what}")


_T = TypeVar("_T")


def validate(adapter: TypeAdapter[_T], data: Any, source: str,
             list_sections: Sequence[str] = ()) -> _T:
    """`data` (a TOML file's contents) checked against `adapter`'s typed tables; the first
    thing wrong is one `config_error` sentence naming `source` and the key path. A missing
    or empty top-level key of `list_sections` is asked for as a list of tables. A key the
    file should not have goes first: a misspelt `[arival]` is named, not `arrivals` missing."""
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        first = next((e for e in errors if e["type"] in _UNKNOWN), errors[0])
        where, what = _sentence(first, list_sections)
        raise config_error(source, where, what) from None


def _check_together(source: str, f: _BranchFile) -> None:
    """What no single value shows: unique keys, known services, opening hours."""
    def fail(where: str, what: str) -> ConfigError:
        return config_error(source, where, what)

    keys = [t.key for t in f.tiers]
    ranks = [t.rank for t in f.tiers]
    if len(set(keys)) != len(keys):
        raise fail("tiers", "tier keys must be unique")
    if len(set(ranks)) != len(ranks) or 0 not in ranks:
        raise fail("tiers", "ranks must be unique and one tier must have rank 0 (regular)")
    for i, s in enumerate(f.services):
        if s.closes <= s.opens:
            raise fail(f"services[{i}].closes", "must be later than opens")
    prefixes = [s.prefix for s in f.services]
    if len(set(prefixes)) != len(prefixes):
        raise fail("services", "service prefixes must be unique")
    for i, c in enumerate(f.counters):
        for p in c.services:
            if p not in prefixes:
                raise fail(f"counters[{i}].services", f"names unknown service {p!r}")
        if len(set(c.services)) != len(c.services):
            raise fail(f"counters[{i}].services", "names a service twice")
    numbers = [c.number for c in f.counters]
    if len(set(numbers)) != len(numbers):
        raise fail("counters", "counter numbers must be unique")
    for p in f.appointments.capacity:
        if p not in prefixes:
            raise fail(f"appointments.capacity.{p}", f"names unknown service {p!r}")
    for i, b in enumerate(f.breaks):
        if b.counter not in numbers:
            raise fail(f"breaks[{i}].counter", f"must be one of the counters ({numbers})")
        if b.end <= b.start:
            raise fail(f"breaks[{i}].to", "must be later than from")


def read_toml(path: str | os.PathLike[str]) -> tuple[str, dict[str, Any]]:
    """A TOML file's name and contents; anything wrong with it is one ConfigError line."""
    source = str(path)
    try:
        return source, tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{source}: file not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{source}: is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot be read: {exc.strerror}") from None
    except ValueError:  # a NUL in the name
        raise ConfigError(f"{source!r}: is not a file name") from None


_LISTS = {"tiers": "key", "services": "prefix", "counters": "number"}


def apply_override(raw: dict[str, Any], text: str) -> None:
    """Set one value of a branch file's contents from `KEY=VALUE` (as `--set` gives it).

    KEY is a dotted path: `rules.max_wait_s`, `printer.paper`, or into a list of tables by
    its identifying field: `tiers.gold.rate`, `services.A.target_wait_s`,
    `counters.6.green_channel`. VALUE is a TOML value (`1500`, `true`, `"text"`); a bare
    word that is not one is taken as text (`rules.policy=fifo`). The value is then checked
    like any value of the file, by the loader."""
    key, sep, value_text = text.partition("=")
    parts = key.strip().split(".")
    if not sep or len(parts) < 2 or not all(parts):
        raise ConfigError(f"--set {text}: expected KEY=VALUE with a dotted key, "
                          "e.g. rules.max_wait_s=1500 or tiers.gold.rate=8")
    try:
        value = tomllib.loads(f"v = {value_text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = value_text.strip()
    table: Any = raw
    path = parts[:-1]
    i = 0
    while i < len(path):
        name = path[i]
        if name in _LISTS and table is raw:
            if i + 1 >= len(path):
                raise ConfigError(f"--set {text}: name one of the {name} by its "
                                  f"{_LISTS[name]}, e.g. {name}.<{_LISTS[name]}>.<field>")
            ident = path[i + 1]
            items = table.get(name)
            found = [t for t in items or [] if isinstance(t, dict)
                     and str(t.get(_LISTS[name])) == ident]
            if not found:
                raise ConfigError(f"--set {text}: the branch file has no {name} entry with "
                                  f"{_LISTS[name]} = {ident}")
            table, i = found[0], i + 2
            continue
        nxt = table.setdefault(name, {})
        if not isinstance(nxt, dict):
            raise ConfigError(f"--set {text}: {'.'.join(path[:i + 1])} is not a table")
        table, i = nxt, i + 1
    table[parts[-1]] = value


def load_settings(path: str | os.PathLike[str] | None = None,
                  environ: Mapping[str, str] | None = None,
                  overrides: Sequence[str] = ()) -> Settings:
    """Load and validate a branch file; KIOSK_* variables override file values, and then
    each `KEY=VALUE` of `overrides` (`apply_override`)."""
    env = os.environ if environ is None else environ
    source, raw = read_toml(path or env.get("KIOSK_CONFIG") or DEFAULT_CONFIG)
    return settings_from(source, raw, env, overrides)


def settings_from(source: str, raw: dict[str, Any], environ: Mapping[str, str],
                  overrides: Sequence[str] = ()) -> Settings:
    """`load_settings` for a branch file already read (`read_toml`); changes `raw`."""
    env = environ
    for text in overrides:
        apply_override(raw, text)
    if overrides:
        source = f"{source} (with --set {' '.join(overrides)})"
    f = validate(_validator(), raw, source, _LIST_SECTIONS)
    _check_together(source, f)

    mode = env.get("KIOSK_MODE") or f.security.mode
    if mode not in ("demo", "production"):
        raise ConfigError(f"KIOSK_MODE: must be demo or production, not {mode!r}")
    secret = env.get("KIOSK_HASH_SECRET") or f.security.hash_secret
    if mode == "production" and secret == EXAMPLE_SECRET:
        raise ConfigError(
            f"{source}: security.hash_secret: production mode refuses the example secret; "
            "set KIOSK_HASH_SECRET or security.hash_secret"
        )
    if len(secret) < 16:
        where = "KIOSK_HASH_SECRET" if env.get("KIOSK_HASH_SECRET") else \
            f"{source}: security.hash_secret"
        raise ConfigError(f"{where}: must be at least 16 characters")
    database_url = env.get("KIOSK_DATABASE_URL") or f.database.url

    return Settings(
        branch=f.branch, tiers=f.tiers, services=f.services, counters=f.counters,
        rules=f.rules, printer=f.printer, readers=f.readers, display=f.display,
        kiosk=f.kiosk, appointments=f.appointments, breaks=f.breaks,
        database_url=database_url,
        hash_secret=secret, mode=mode,
        source=source,
    )
