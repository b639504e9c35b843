"""Typed branch settings from config/*.toml and KIOSK_* environment variables.

A bad file stops with one clear line naming the file, the key and what is wrong
(`ConfigError`); the CLI turns that into exit code 2.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "branch.toml"
EXAMPLE_SECRET = "example-secret-change-me"

POLICIES = ("fifo", "strict", "accumulating")
PLACEMENTS = ("first", "last", "priority")


@dataclass(frozen=True)
class BranchSettings:
    code: str
    name_zh: str
    name_en: str
    timezone: str = "Asia/Shanghai"
    business_day_start_hour: int = 4

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Tier:
    key: str
    name_zh: str
    name_en: str
    rank: int  # 0 = regular; higher = more privileged
    rate: float  # accumulating-priority rate (priority points per second waited)
    base_s: float = 0.0  # head start, in seconds of regular waiting
    target_wait_s: float | None = None  # maximum-wait guarantee for this tier

    @property
    def priority(self) -> bool:
        return self.rank > 0


@dataclass(frozen=True)
class Service:
    prefix: str
    name_zh: str
    name_en: str
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    default_service_s: float = 300.0
    target_wait_s: float | None = None
    self_service_hint_zh: str = ""
    self_service_hint_en: str = ""


@dataclass(frozen=True)
class Counter:
    number: int
    services: tuple[str, ...]  # preference order: first is preferred
    name_zh: str = ""
    name_en: str = ""
    green_channel: bool = False

    @property
    def label_zh(self) -> str:
        return self.name_zh or f"{self.number}号窗口"

    @property
    def label_en(self) -> str:
        return self.name_en or f"Counter {self.number}"


@dataclass(frozen=True)
class RuleSettings:
    policy: str = "accumulating"
    max_wait_s: float = 1800.0  # maximum-wait guarantee for every ticket
    max_consecutive_priority: int = 3  # cap on priority calls in a row per counter (0 = none)
    green_channel_serves_others: bool = True
    # the maximum-wait guarantee holds at green channels too: a due ticket of any tier
    # goes before a VIP there (off: a green channel serves VIPs first, whatever the wait)
    guarantee_at_green_channel: bool = False
    transfer_placement: str = "priority"
    service_time_smoothing: float = 0.2  # weight of the newest service time in the running mean
    preference_bonus_s: float = 300.0  # a counter's preferred service counts as this much waiting
    deadline_lead_s: float = 300.0  # a ticket this close to its target wait goes first
    keep_promises: bool = False  # the wait printed on a ticket becomes a deadline (not fifo)
    promise_margin_s: float = 300.0  # promise = issued + estimate + max(this, frac × estimate)
    promise_margin_frac: float = 0.0


@dataclass(frozen=True)
class PrinterSettings:
    backend: str = "preview"  # preview | file | usb | serial | network
    paper: int = 80  # 58 or 80 mm
    encoding: str = "gb18030"  # gb18030 | gbk
    chinese_mode: bool = False  # send FS & / FS . around Chinese text
    native_qr: bool = True
    profile: str = "default"
    target: str = ""  # file path, serial port, host[:port], or usb "vid:pid"
    baudrate: int = 9600
    timeout_s: float = 0.2
    qr_url_prefix: str = "https://q.example-bank.cn/t/"
    notice_zh: str = "请留意叫号，过号请重新取号"
    notice_en: str = "Please listen for your number"


@dataclass(frozen=True)
class ReaderSettings:
    wedge: bool = True
    card_serial: str = ""  # pyserial URL of a serial magstripe reader, "" = none
    id_serial: str = ""  # pyserial URL of a GA/T 467 ID-card reader, "" = none
    baudrate: int = 115200  # of the ID-card reader
    card_baudrate: int = 9600  # of the serial magstripe reader


@dataclass(frozen=True)
class DisplaySettings:
    screen: int = 0  # monitor index for the full-screen display (0 = primary)
    hall_number_pt: int = 180
    counter_number_pt: int = 220
    recent_calls: int = 8
    announce_english: bool = True
    announce_repeat: int = 1
    volume: float = 0.8
    notice_zh: str = "欢迎光临，请保管好您的随身物品"
    notice_en: str = "Welcome. Please keep your belongings with you."


@dataclass(frozen=True)
class KioskSettings:
    idle_timeout_s: int = 30
    result_timeout_s: int = 10
    hide_cursor: bool = True
    manager_pin: str = "0000"
    large_print: bool = False


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

T = TypeVar("T")


class _Reader:
    """Reads one table of the file, naming every key it complains about."""

    def __init__(self, source: str, path: str, data: Any) -> None:
        self.source = source
        self.path = path
        if not isinstance(data, Mapping):
            raise self.error("", "must be a table")
        self.data = data

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, message: str) -> ConfigError:
        where = self.key(name) if name else (self.path or "(top level)")
        return ConfigError(f"{self.source}: {where}: {message}")

    def get(self, name: str, kind: type[T] | tuple[type, ...], default: Any = ...) -> Any:
        if name not in self.data:
            if default is ...:
                raise self.error(name, "is missing")
            return default
        value = self.data[name]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and bool not in kinds:
            raise self.error(name, f"must be {_kind_name(kinds)}, not {value!r}")
        if not isinstance(value, kinds):
            raise self.error(name, f"must be {_kind_name(kinds)}, not {value!r}")
        return value

    def check(self, name: str, ok: bool, message: str) -> None:
        if not ok:
            raise self.error(name, message)

    def only(self, names: set[str]) -> None:
        """Refuse a key this table does not have (a typo would otherwise be ignored)."""
        unknown = set(self.data) - names
        if unknown:
            raise self.error(sorted(unknown)[0], "is not a known setting")

    def table(self, name: str) -> _Reader:
        return _Reader(self.source, self.key(name), self.data.get(name, {}))

    def tables(self, name: str) -> list[_Reader]:
        items = self.data.get(name)
        if not isinstance(items, list) or not items:
            raise self.error(name, "must be a non-empty list of tables ([[" + name + "]])")
        return [_Reader(self.source, f"{self.key(name)}[{i}]", item)
                for i, item in enumerate(items)]


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
             list: "a list"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _clock_time(r: _Reader, name: str, default: time) -> time:
    raw = r.get(name, (str, time), None)
    if raw is None:
        return default
    if isinstance(raw, time):
        return raw
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", raw)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise r.error(name, f"must be a time like \"09:00\", not {raw!r}")
    return time(int(m.group(1)), int(m.group(2)))


def _dataclass_from(r: _Reader, cls: Callable[..., T], spec: dict[str, type | tuple[type, ...]],
                    allowed: Mapping[str, tuple[Any, ...]] | None = None) -> T:
    r.only(set(spec))
    values: dict[str, Any] = {}
    for name, kind in spec.items():
        if name in r.data:
            values[name] = r.get(name, kind)
            if allowed and name in allowed and values[name] not in allowed[name]:
                choices = ", ".join(str(a) for a in allowed[name])
                raise r.error(name, f"must be one of {choices}, not {values[name]!r}")
    return cls(**values)


def _load_branch(r: _Reader) -> BranchSettings:
    r.only({"code", "name_zh", "name_en", "timezone", "business_day_start_hour"})
    branch = BranchSettings(
        code=r.get("code", str),
        name_zh=r.get("name_zh", str),
        name_en=r.get("name_en", str),
        timezone=r.get("timezone", str, "Asia/Shanghai"),
        business_day_start_hour=r.get("business_day_start_hour", int, 4),
    )
    try:
        branch.tz  # noqa: B018 - validate the zone name now, not at first use
    except (ZoneInfoNotFoundError, ValueError):
        raise r.error("timezone", f"unknown time zone {branch.timezone!r}") from None
    r.check("business_day_start_hour", 0 <= branch.business_day_start_hour <= 23,
            "must be an hour from 0 to 23")
    return branch


def _load_tiers(top: _Reader) -> tuple[Tier, ...]:
    tiers = []
    for r in top.tables("tiers"):
        r.only({"key", "name_zh", "name_en", "rank", "rate", "base_s", "target_wait_s"})
        key = r.get("key", str)
        r.check("key", re.fullmatch(r"[a-z][a-z0-9_]*", key) is not None,
                f"must be a lower-case identifier, not {key!r}")
        tier = Tier(
            key=key, name_zh=r.get("name_zh", str), name_en=r.get("name_en", str),
            rank=r.get("rank", int), rate=r.get("rate", float, 1.0),
            base_s=r.get("base_s", float, 0.0), target_wait_s=r.get("target_wait_s", float, None),
        )
        r.check("rate", tier.rate > 0, "must be greater than 0")
        r.check("rank", tier.rank >= 0, "must be 0 or more")
        tiers.append(tier)
    keys = [t.key for t in tiers]
    ranks = [t.rank for t in tiers]
    if len(set(keys)) != len(keys):
        raise top.error("tiers", "tier keys must be unique")
    if len(set(ranks)) != len(ranks) or 0 not in ranks:
        raise top.error("tiers", "ranks must be unique and one tier must have rank 0 (regular)")
    return tuple(tiers)


def _load_services(top: _Reader) -> tuple[Service, ...]:
    services = []
    for r in top.tables("services"):
        r.only({"prefix", "name_zh", "name_en", "opens", "closes", "default_service_s",
                "target_wait_s", "self_service_hint_zh", "self_service_hint_en"})
        prefix = r.get("prefix", str)
        r.check("prefix", re.fullmatch(r"[A-Z]", prefix) is not None,
                f"must be one capital letter A-Z, not {prefix!r}")
        s = Service(
            prefix=prefix, name_zh=r.get("name_zh", str), name_en=r.get("name_en", str),
            opens=_clock_time(r, "opens", time(9, 0)), closes=_clock_time(r, "closes", time(17, 0)),
            default_service_s=r.get("default_service_s", float, 300.0),
            target_wait_s=r.get("target_wait_s", float, None),
            self_service_hint_zh=r.get("self_service_hint_zh", str, ""),
            self_service_hint_en=r.get("self_service_hint_en", str, ""),
        )
        r.check("closes", s.closes > s.opens, "must be later than opens")
        r.check("default_service_s", s.default_service_s > 0, "must be greater than 0")
        services.append(s)
    prefixes = [s.prefix for s in services]
    if len(set(prefixes)) != len(prefixes):
        raise top.error("services", "service prefixes must be unique")
    return tuple(services)


def _load_counters(top: _Reader, prefixes: set[str]) -> tuple[Counter, ...]:
    counters = []
    for r in top.tables("counters"):
        r.only({"number", "services", "name_zh", "name_en", "green_channel"})
        number = r.get("number", int)
        r.check("number", 1 <= number <= 999, "must be from 1 to 999")
        served = r.get("services", list)
        r.check("services", bool(served), "must name at least one service")
        for p in served:
            r.check("services", p in prefixes, f"names unknown service {p!r}")
        counters.append(Counter(
            number=number, services=tuple(served), name_zh=r.get("name_zh", str, ""),
            name_en=r.get("name_en", str, ""), green_channel=r.get("green_channel", bool, False),
        ))
    numbers = [c.number for c in counters]
    if len(set(numbers)) != len(numbers):
        raise top.error("counters", "counter numbers must be unique")
    return tuple(counters)


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
    for text in overrides:
        apply_override(raw, text)
    if overrides:
        source = f"{source} (with --set {' '.join(overrides)})"
    top = _Reader(source, "", raw)
    known = {"branch", "tiers", "services", "counters", "rules", "printer", "readers",
             "display", "kiosk", "security", "database"}
    unknown = set(raw) - known
    if unknown:
        raise top.error(sorted(unknown)[0], "is not a known section")

    branch = _load_branch(top.table("branch"))
    tiers = _load_tiers(top)
    services = _load_services(top)
    counters = _load_counters(top, {s.prefix for s in services})
    rules = _dataclass_from(
        top.table("rules"), RuleSettings,
        {"policy": str, "max_wait_s": float, "max_consecutive_priority": int,
         "green_channel_serves_others": bool, "guarantee_at_green_channel": bool,
         "transfer_placement": str,
         "service_time_smoothing": float, "preference_bonus_s": float,
         "deadline_lead_s": float,
         "keep_promises": bool, "promise_margin_s": float, "promise_margin_frac": float},
        {"policy": POLICIES, "transfer_placement": PLACEMENTS},
    )
    printer = _dataclass_from(
        top.table("printer"), PrinterSettings,
        {"backend": str, "paper": int, "encoding": str, "chinese_mode": bool, "native_qr": bool,
         "profile": str, "target": str, "baudrate": int, "timeout_s": float,
         "qr_url_prefix": str, "notice_zh": str, "notice_en": str},
        {"backend": ("preview", "file", "usb", "serial", "network"), "paper": (58, 80),
         "encoding": ("gb18030", "gbk")},
    )
    readers = _dataclass_from(
        top.table("readers"), ReaderSettings,
        {"wedge": bool, "card_serial": str, "id_serial": str, "baudrate": int,
         "card_baudrate": int},
    )
    display = _dataclass_from(
        top.table("display"), DisplaySettings,
        {"screen": int, "hall_number_pt": int, "counter_number_pt": int, "recent_calls": int,
         "announce_english": bool, "announce_repeat": int, "volume": float,
         "notice_zh": str, "notice_en": str},
    )
    kiosk = _dataclass_from(
        top.table("kiosk"), KioskSettings,
        {"idle_timeout_s": int, "result_timeout_s": int, "hide_cursor": bool,
         "manager_pin": str, "large_print": bool},
    )
    security = top.table("security")
    security.only({"mode", "hash_secret"})
    top.table("database").only({"url"})
    mode = env.get("KIOSK_MODE") or security.get("mode", str, "demo")
    if mode not in ("demo", "production"):
        raise security.error("mode", f"must be demo or production, not {mode!r}")
    secret = env.get("KIOSK_HASH_SECRET") or security.get("hash_secret", str, EXAMPLE_SECRET)
    if mode == "production" and secret == EXAMPLE_SECRET:
        raise ConfigError(
            f"{source}: security.hash_secret: production mode refuses the example secret; "
            "set KIOSK_HASH_SECRET or security.hash_secret"
        )
    if len(secret) < 16:
        raise security.error("hash_secret", "must be at least 16 characters")
    database_url = env.get("KIOSK_DATABASE_URL") or top.table("database").get("url", str, "")

    return Settings(
        branch=branch, tiers=tiers, services=services, counters=counters, rules=rules,
        printer=printer, readers=readers, display=display, kiosk=kiosk,
        database_url=database_url, hash_secret=secret, mode=mode, source=source,
    )
