"""Who is called next, and how long everyone will wait: pure functions over plain data.

No database, no Qt. The storage layer hands these functions plain `Candidate`s and
`CounterState`s; the simulator hands them the same, so the rules a branch runs are the
rules it simulates.

Contract with the storage layer (it keeps call-next fast with 10,000 tickets waiting):
within one (service, tier) group of unpinned tickets, a ticket that has waited longer
(earlier `rank_at`) never ranks below one that has waited less, except through its
promise (`promised_at`, see step 4), which is not in `rank_at` order. So storage passes,
for each (service, tier) group of unpinned waiting tickets:
- the rank head: the smallest (rank_at, ticket_id);
- the promise head: among tickets with a `promised_at`, the smallest
  (promised_at, rank_at, ticket_id) (often the same ticket as the rank head);
plus every pinned ticket, and `pick_next` chooses the same ticket it would choose from the
full list (`group_heads` is that selection; a property test proves the equivalence).
`promised_at` is written once, when the ticket is issued (`promise_deadline`), and kept
across transfers like `rank_at`; None (no estimate, or tickets issued before promises were
kept) means the ticket has only its maximum-wait target.

How a counter chooses (`pick_next`), first rule that applies wins:

1. Only tickets of the services the counter serves are considered.
2. Pin: a manager's pinned ticket goes first, lowest pin first (then oldest).
3. Green channel: a green-channel counter considers only priority tiers (rank > 0) while
   any waits; with none waiting it serves the others, or nobody when
   `rules.green_channel_serves_others` is false. With `rules.guarantee_at_green_channel`
   the maximum-wait guarantee (step 4) comes first there: a due ticket of any tier goes
   before the VIPs, so on a crowded day the green channel also takes the regular customers
   about to pass their maximum wait.
4. Maximum-wait guarantee: a ticket is due once its deadline (arrival + its target, the
   smallest of `rules.max_wait_s`, its service's `target_wait_s` and its tier's
   `target_wait_s`) is less than `rules.deadline_lead_s` away: the counter calling now is
   tied up for about one service time, so a ticket that would pass its deadline before
   the next call is called now, not once it is already late. Due tickets go first; among
   several, the earliest deadline first, then the oldest.
   Promise keeping (`rules.keep_promises`, not under fifo): the wait printed on a ticket
   is a promise. Its promise deadline `promised_at` = issued + estimate + margin
   (`promise_deadline`: the margin is the larger of `rules.promise_margin_s` and
   `rules.promise_margin_frac` × estimate). A ticket's deadline is then the earlier of
   its target deadline and its promise deadline, so a VIP who came later overtakes a
   regular customer only while that customer's printed wait is kept.
5. Cap on priority calls: after `rules.max_consecutive_priority` priority-tier calls in a
   row (0 = no cap), a counter that is not a green channel takes a regular ticket if one
   waits.
6. The policy ranks what is left by a score in "priority points" (seconds of regular
   waiting); highest wins, ties go to the oldest ticket:
   - fifo: waited seconds;
   - strict: tier rank first, then waited seconds;
   - accumulating (Stanford, Taylor & Ziedins 2014): tier.base_s + tier.rate × waited.
   Counter preference is a bonus on top of the score: `preference_bonus_s` points (300,
   i.e. five minutes of regular waiting) for each place a service stands ahead of the
   counter's last service. It reorders tickets of similar standing, never overrides
   steps 1-5, and under `strict` it never lifts a lower tier above a higher one.

`fifo` models a queue system without priority, the baseline the others are compared with:
under it no tier counts as a priority tier, so green channels are ordinary counters, the
cap never triggers, and only service targets and `rules.max_wait_s` apply (not tier
targets). Pins and counter preference still apply.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from operator import attrgetter

from kiosk.config import POLICIES, RuleSettings, Settings, Tier

DEFAULT_SERVICE_S = 300.0
DEFAULT_PREFERENCE_BONUS_S = 300.0
DEFAULT_DEADLINE_LEAD_S = 300.0
_UNKNOWN_TIER = Tier(key="", name_zh="", name_en="", rank=0, rate=1.0)


@dataclass(frozen=True)
class Candidate:
    """A waiting ticket as the rules see it."""

    ticket_id: int
    service: str  # service prefix, e.g. "A"
    tier: str  # tier key, e.g. "gold"
    rank_at: datetime  # when its priority started growing (arrival; kept across transfers)
    pin: int | None = None  # a manager's position: lower goes first, beats every rule
    # the promise deadline: issued at + the printed estimate + a margin (`promise_deadline`),
    # fixed at issue time and kept across transfers; None = no promise
    promised_at: datetime | None = None
    # a booked customer's slot (预约, kiosk/queue/appointments.py): their deadline under
    # every policy, so a booked customer who came in time is due at the slot; None = walk-in
    booked_at: datetime | None = None


@dataclass(frozen=True)
class CounterState:
    """A counter as the rules see it."""

    number: int
    services: tuple[str, ...]  # preference order
    green_channel: bool = False
    consecutive_priority: int = 0  # priority-tier calls in a row at this counter


@dataclass(frozen=True)
class Policy:
    """Everything the rules need from the branch configuration."""

    name: str  # fifo | strict | accumulating
    tiers: Mapping[str, Tier]
    service_targets: Mapping[str, float | None]  # per-service maximum-wait target, seconds
    rules: RuleSettings
    preference_bonus_s: float = field(default=DEFAULT_PREFERENCE_BONUS_S)
    deadline_lead_s: float = field(default=DEFAULT_DEADLINE_LEAD_S)

    def __post_init__(self) -> None:
        if self.name not in POLICIES:
            raise ValueError(f"unknown policy {self.name!r}; expected one of {POLICIES}")

    @classmethod
    def from_settings(cls, settings: Settings, name: str | None = None) -> Policy:
        return cls(
            name=name or settings.rules.policy,
            tiers={t.key: t for t in settings.tiers},
            service_targets={s.prefix: s.target_wait_s for s in settings.services},
            rules=settings.rules,
            preference_bonus_s=settings.rules.preference_bonus_s,
            deadline_lead_s=settings.rules.deadline_lead_s,
        )

    @cached_property
    def lead(self) -> timedelta:
        """`deadline_lead_s` as a time span (never negative)."""
        return timedelta(seconds=max(0.0, self.deadline_lead_s))

    @property
    def keeps_promises(self) -> bool:
        """Whether promise deadlines count (never under fifo, the no-priority baseline)."""
        return self.tiered and self.rules.keep_promises

    def deadline(self, c: Candidate) -> datetime | None:
        """When `c` is late: the earliest of its target deadline, (when promises are kept)
        its promise deadline and (booked) its slot; None when it has none of them."""
        target = self.target_s(c.service, c.tier)
        at = None if target is None else c.rank_at + timedelta(seconds=target)
        if c.promised_at is not None and self.keeps_promises:
            at = c.promised_at if at is None else min(at, c.promised_at)
        if c.booked_at is not None:
            at = c.booked_at if at is None else min(at, c.booked_at)
        return at

    def tier(self, key: str) -> Tier:
        """The tier of that key; an unknown key (config changed since) counts as regular."""
        return self.tiers.get(key, _UNKNOWN_TIER)

    @property
    def tiered(self) -> bool:
        """False for fifo, which models a queue without priority: no ticket is a priority
        ticket (green channels and the cap have nothing to act on) and tier targets are
        not used, only service targets and `rules.max_wait_s`."""
        return self.name != "fifo"

    def is_priority(self, tier: str) -> bool:
        return self.tiered and self.tier(tier).priority

    def target_s(self, service: str, tier: str) -> float | None:
        """The maximum-wait target the rules apply to a (service, tier) ticket, or None."""
        known = self._targets
        if (service, tier) in known:
            return known[(service, tier)]
        return self.configured_target_s(service, tier, self.tiered)

    def configured_target_s(self, service: str, tier: str, tiered: bool = True) -> float | None:
        """The smallest of `rules.max_wait_s`, the service's and (tiered) the tier's target."""
        limits = [self.rules.max_wait_s, self.service_targets.get(service)]
        if tiered:
            limits.append(self.tier(tier).target_wait_s)
        positive = [x for x in limits if x is not None and x > 0]
        return min(positive) if positive else None

    @cached_property
    def _targets(self) -> dict[tuple[str, str], float | None]:
        return {(s, t): self.configured_target_s(s, t, self.tiered)
                for s in self.service_targets for t in self.tiers}


@dataclass(frozen=True)
class Forecast:
    """Where a waiting ticket stands: people called before it and the expected wait."""

    ahead: int
    wait_s: float
    # a lower bound: the fast-forward stopped at its horizon before reaching the ticket,
    # which stands at least `ahead` places and `wait_s` seconds back
    beyond: bool = False


def remaining_service_s(mean_s: float, elapsed_s: float) -> float:
    """How much longer a counter stays busy with its current customer: the service
    mean less what has passed, but a customer already past the mean still needs a little
    while (a tenth of the mean). The service's forecast and the simulator both use this."""
    return max(mean_s - elapsed_s, 0.1 * mean_s)


def _waited_s(now: datetime, c: Candidate) -> float:
    return (now - c.rank_at).total_seconds()


def _oldest_key(c: Candidate) -> tuple[datetime, int]:
    return c.rank_at, c.ticket_id


_ARRIVAL = attrgetter("rank_at", "ticket_id")  # _oldest_key, in C: for sorting thousands


def _pinned_choice(pinned: Sequence[Candidate]) -> Candidate:
    return min(pinned, key=lambda c: (c.pin, c.rank_at, c.ticket_id))


Deadlines = Callable[[Candidate], datetime | None]  # Policy.deadline, or a memo of it


def _due_choice(now: datetime, pool: Sequence[Candidate], policy: Policy,
                deadlines: Deadlines) -> Candidate | None:
    """The due ticket with the earliest deadline (then the oldest), or None."""
    best: Candidate | None = None
    best_key: tuple[datetime, datetime, int] | None = None
    due_by = now + policy.lead
    for c in pool:
        deadline = deadlines(c)
        if deadline is None or deadline >= due_by:
            continue
        key = (deadline, c.rank_at, c.ticket_id)
        if best_key is None or key < best_key:
            best, best_key = c, key
    return best


@lru_cache(maxsize=256)
def _bonus(services: tuple[str, ...], bonus_s: float) -> dict[str, float]:
    """The preference bonus of each service at a counter serving `services` in that order
    (made once per service list; the result is only read)."""
    last = len(services) - 1
    return {s: bonus_s * (last - i) for i, s in enumerate(services)}


def _policy_choice(counter: CounterState, now: datetime, pool: Sequence[Candidate],
                   policy: Policy) -> Candidate:
    bonus = _bonus(counter.services, policy.preference_bonus_s)

    def key(c: Candidate) -> tuple[float, float, datetime, int]:
        waited = _waited_s(now, c)
        tier = policy.tier(c.tier)
        if not policy.tiered:
            rank, score = 0.0, waited
        elif policy.name == "strict":
            rank, score = float(tier.rank), waited
        else:
            rank, score = 0.0, tier.base_s + tier.rate * waited
        return -rank, -(score + bonus[c.service]), c.rank_at, c.ticket_id

    return min(pool, key=key)


def pick_next(
    counter: CounterState,
    now: datetime,
    candidates: Sequence[Candidate],
    policy: Policy,
) -> Candidate | None:
    """The ticket this counter should call now, or None when it may serve none of them."""
    served = set(counter.services)
    return _choose(counter, now, [c for c in candidates if c.service in served], policy,
                   policy.deadline)


def _choose(counter: CounterState, now: datetime, eligible: Sequence[Candidate],
            policy: Policy, deadlines: Deadlines) -> Candidate | None:
    """`pick_next` among tickets all of the counter's services (the fast-forward's heads
    are: it skips the filter); `deadlines` is `policy.deadline` (the fast-forward passes
    a memo of it)."""
    if not eligible:
        return None
    pinned = [c for c in eligible if c.pin is not None]
    if pinned:
        return _pinned_choice(pinned)
    pool = eligible
    if counter.green_channel and policy.tiered:
        if policy.rules.guarantee_at_green_channel:
            due = _due_choice(now, pool, policy, deadlines)
            if due is not None:
                return due
        priority = [c for c in pool if policy.is_priority(c.tier)]
        if priority:
            pool = priority
        elif not policy.rules.green_channel_serves_others:
            return None
    due = _due_choice(now, pool, policy, deadlines)
    if due is not None:
        return due
    cap = policy.rules.max_consecutive_priority
    if cap > 0 and not counter.green_channel and counter.consecutive_priority >= cap:
        regular = [c for c in pool if not policy.is_priority(c.tier)]
        if regular:
            pool = regular
    return _policy_choice(counter, now, pool, policy)


def record_call(counter: CounterState, called: Candidate, policy: Policy) -> CounterState:
    """The counter after it called `called`: counts priority-tier calls in a row."""
    if policy.is_priority(called.tier):
        return CounterState(counter.number, counter.services, counter.green_channel,
                            counter.consecutive_priority + 1)
    if counter.consecutive_priority:
        return CounterState(counter.number, counter.services, counter.green_channel, 0)
    return counter


def _promise_key(c: Candidate) -> tuple[datetime, datetime, int]:
    assert c.promised_at is not None
    return c.promised_at, c.rank_at, c.ticket_id


def group_heads(waiting: Sequence[Candidate]) -> list[Candidate]:
    """What storage passes to `pick_next`: each (service, tier) group's rank head (smallest
    (rank_at, ticket_id)) and promise head (smallest (promised_at, rank_at, ticket_id) among
    those with a promise), each ticket once, plus every pinned ticket and every booked one
    (their slot is a deadline out of rank order; a branch has few)."""
    heads: dict[tuple[str, str], Candidate] = {}
    promise_heads: dict[tuple[str, str], Candidate] = {}
    pinned = []
    for c in waiting:
        if c.pin is not None:
            pinned.append(c)
            continue
        key = (c.service, c.tier)
        head = heads.get(key)
        if head is None or _oldest_key(c) < _oldest_key(head):
            heads[key] = c
        if c.promised_at is not None:
            first = promise_heads.get(key)
            if first is None or _promise_key(c) < _promise_key(first):
                promise_heads[key] = c
    extra = [c for key, c in promise_heads.items() if heads[key] != c]
    chosen = {c.ticket_id for c in (*heads.values(), *extra)}
    booked = [c for c in waiting if c.booked_at is not None and c.pin is None
              and c.ticket_id not in chosen]
    return [*heads.values(), *extra, *booked, *pinned]


def promise_deadline(issued_at: datetime, estimate_s: float | None,
                     policy: Policy) -> datetime | None:
    """The promise deadline of a ticket issued at `issued_at` with the printed estimate
    `estimate_s`: issued + estimate + the margin (the larger of `rules.promise_margin_s`
    and `rules.promise_margin_frac` × estimate); None without an estimate. Storage keeps
    it as the ticket's `promised_at`; it counts only while `rules.keep_promises` is on."""
    if estimate_s is None:
        return None
    rules = policy.rules
    margin = max(rules.promise_margin_s, rules.promise_margin_frac * estimate_s)
    return issued_at + timedelta(seconds=estimate_s + margin)


Break = tuple[float, float]  # (from_s, until_s) after `now`: the counter calls nobody


@dataclass(frozen=True)
class ExpectedArrivals:
    """Customers expected to take a ticket after `now`, for `forecast`.

    A ticket issued later can still be called first: a VIP under `strict` or
    `accumulating`, a counter's preferred service, a due ticket. A forecast that assumes
    nobody else comes promises a regular customer too short a wait on a busy day.
    `per_hour` is the expected arrivals per hour of each (service, tier) group, e.g. learned
    from the last hour's tickets; they are spread evenly (a group with rate r arrives at
    0.5/r, 1.5/r, ... hours) until `until_s` seconds after `now` (closing time).
    `booked` are the booked customers still to come (预约): (seconds after now they are
    expected, service, tier, their slot); each joins with its slot as its deadline.
    """

    per_hour: Mapping[tuple[str, str], float]
    until_s: float
    booked: tuple[tuple[float, str, str, datetime], ...] = ()

    def schedule(self) -> list[tuple[float, str, str]]:
        """(seconds after now, service, tier) of every expected arrival, in time order."""
        out = []
        for (service, tier), rate in self.per_hour.items():
            if rate <= 0:
                continue
            gap = 3600.0 / rate
            at = gap / 2
            while at < self.until_s:
                out.append((at, service, tier))
                at += gap
        out.sort()
        return out

    def arrivals(self) -> list[tuple[float, str, str, datetime | None]]:
        """The schedule and the booked customers, (seconds after now, service, tier, slot
        or None), in time order."""
        out: list[tuple[float, str, str, datetime | None]] = [
            (at, service, tier, None) for at, service, tier in self.schedule()]
        out += self.booked
        out.sort(key=lambda a: a[0])
        return out


def booked_arrivals(now: datetime, bookings: Iterable[tuple[datetime, str, str]],
                    policy: Policy) -> ExpectedArrivals | None:
    """The booked customers not yet checked in, (slot, service, tier) each, as expected
    arrivals: each comes when it falls due (its slot less the policy's deadline lead), or
    now if that has passed; None when there are none."""
    lead = policy.lead.total_seconds()
    booked = tuple(sorted((max(0.0, (slot - now).total_seconds() - lead), service, tier, slot)
                          for slot, service, tier in bookings))
    return ExpectedArrivals({}, 0.0, booked) if booked else None


def learned_arrivals(now: datetime, issued: Iterable[tuple[datetime, str, str]],
                     opened: datetime, closes: datetime, *,
                     window_s: float = 3600.0, min_window_s: float = 900.0) -> ExpectedArrivals:
    """Expected arrivals from the tickets issued in the last `window_s` seconds.

    `issued` holds (issued at, service, tier) of recent tickets (older ones are ignored);
    `opened` is when the branch opened today, so early in the day the rate is taken over
    the time open so far, but at least `min_window_s`, so that two customers at 09:01 are
    not read as 120 an hour. Arrivals are expected until `closes`.
    """
    span = min(window_s, max(min_window_s, (now - opened).total_seconds()))
    since = now - timedelta(seconds=span)
    counts: dict[tuple[str, str], int] = {}
    for at, service, tier in issued:
        if since < at <= now:
            counts[(service, tier)] = counts.get((service, tier), 0) + 1
    per_hour = {k: n * 3600.0 / span for k, n in counts.items()}
    return ExpectedArrivals(per_hour, max(0.0, (closes - now).total_seconds()))


class WaitingSet:
    """The waiting tickets in the order the rules read them, kept up to date in place.

    Per (service, tier) group the unpinned tickets in arrival order (rank_at, id) and those
    with a promise in promise order, plus the pinned ones. A station keeps one and applies
    each change (`put`, `discard`) instead of reading and sorting the whole queue again;
    a fast-forward reads it through cursors (`_Queue`) and never copies or changes it.
    """

    def __init__(self, waiting: Iterable[Candidate] = ()) -> None:
        self.groups: dict[tuple[str, str], list[Candidate]] = {}
        self.promised: dict[tuple[str, str], list[tuple[datetime, datetime, int]]] = {}
        self.by_id: dict[int, Candidate] = {}
        self.pinned: dict[int, Candidate] = {}
        self.booked: dict[int, Candidate] = {}  # unpinned booked tickets (also in groups)
        for c in sorted(waiting, key=_ARRIVAL):  # appended in order: no insertion cost
            self._add(c, append=True)

    def __len__(self) -> int:
        return len(self.by_id)

    def __iter__(self) -> Iterator[Candidate]:
        return iter(self.by_id.values())

    def get(self, ticket_id: int) -> Candidate | None:
        return self.by_id.get(ticket_id)

    def put(self, c: Candidate) -> None:
        """`c` waits, as given (replacing what was kept of the same ticket)."""
        if self.by_id.get(c.ticket_id) == c:
            return
        self.discard(c.ticket_id)
        self._add(c, append=False)

    def discard(self, ticket_id: int) -> None:
        """The ticket no longer waits (called, cancelled, gone): forgotten if kept."""
        c = self.by_id.pop(ticket_id, None)
        if c is None:
            return
        if c.pin is not None:
            del self.pinned[ticket_id]
            return
        self.booked.pop(ticket_id, None)
        key = (c.service, c.tier)
        group = self.groups[key]
        del group[bisect_left(group, _oldest_key(c), key=_oldest_key)]
        if c.promised_at is not None:
            promised = self.promised[key]
            del promised[bisect_left(promised, _promise_key(c))]

    def count_by_service(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for (service, _), group in self.groups.items():
            out[service] = out.get(service, 0) + len(group)
        for c in self.pinned.values():
            out[c.service] = out.get(c.service, 0) + 1
        return out

    def _add(self, c: Candidate, *, append: bool) -> None:
        self.by_id[c.ticket_id] = c
        if c.pin is not None:
            self.pinned[c.ticket_id] = c
            return
        key = (c.service, c.tier)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = []
        if append or not group or _oldest_key(group[-1]) < _oldest_key(c):
            group.append(c)  # the usual case: a new ticket is the newest of its group
        else:
            insort(group, c, key=_oldest_key)
        if c.promised_at is not None:
            insort(self.promised.setdefault(key, []), _promise_key(c))
        if c.booked_at is not None:
            self.booked[c.ticket_id] = c


@dataclass(frozen=True)
class Horizon:
    """How far a fast-forward looks: it stops after `seconds` of the day or `calls` calls,
    whichever comes first, so its cost does not grow with the queue. A ticket it does not
    reach by then is placed at the horizon, as a lower bound (`Forecast.beyond`)."""

    seconds: float
    calls: int


class _Queue:
    """One fast-forward's view of a `WaitingSet`: a cursor per group and per promise
    order, the tickets taken so far, pins, and the expected arrivals that join the queue
    as the fast-forward clock passes their time. The set itself is only read."""

    def __init__(self, now: datetime, waiting: WaitingSet,
                 expected: ExpectedArrivals | None, promises: bool = False) -> None:
        self.now = now
        self.waiting = waiting
        self.promises = promises
        self.at: dict[tuple[str, str], int] = {}  # cursor into waiting.groups[key]
        self.promise_at: dict[tuple[str, str], int] = {}  # cursor into waiting.promised[key]
        self.later: dict[tuple[str, str], deque[Candidate]] = {}  # expected, admitted
        self.pinned = sorted(waiting.pinned.values(), key=_oldest_key)
        self.taken: set[int] = set()
        self.future = deque(expected.arrivals() if expected else ())
        self.booked_later: list[Candidate] = []  # expected booked customers who have come
        self.keys = set(waiting.groups)
        self.keys.update((service, tier) for _, service, tier, _ in self.future)
        # expected customers get ticket ids no real ticket (all positive) nor a probe has
        self.next_id = -2
        # each group's head as last found: it changes only when a ticket of the group is
        # taken or an expected customer joins it
        self.first: dict[tuple[str, str], Candidate | None] = {}

    def keys_for(self, services: Sequence[str]) -> list[tuple[str, str]]:
        return [k for s in services for k in sorted(self.keys) if k[0] == s]

    def head(self, key: tuple[str, str]) -> Candidate | None:
        """The oldest ticket of the group not yet taken."""
        try:
            return self.first[key]
        except KeyError:
            found = self.first[key] = self._head(key)
            return found

    def _head(self, key: tuple[str, str]) -> Candidate | None:
        group = self.waiting.groups.get(key)
        if group:
            i = self.at.get(key, 0)
            while i < len(group) and group[i].ticket_id in self.taken:
                i += 1
            self.at[key] = i
            if i < len(group):
                return group[i]
        later = self.later.get(key)
        while later and later[0].ticket_id in self.taken:
            later.popleft()
        return later[0] if later else None

    def heads(self, keys: Sequence[tuple[str, str]], services: Sequence[str]) -> list[Candidate]:
        """What storage would pass: rank and promise heads of these groups, and pins."""
        out = []
        for key in keys:
            first = self.head(key)
            if first is None:
                continue
            out.append(first)
            if not self.promises:
                continue
            promised = self.waiting.promised.get(key)
            if promised:
                j = self.promise_at.get(key, 0)
                while j < len(promised) and promised[j][2] in self.taken:
                    j += 1
                self.promise_at[key] = j
                if j < len(promised) and promised[j][2] != first.ticket_id:
                    out.append(self.waiting.by_id[promised[j][2]])
        if self.waiting.booked or self.booked_later:  # due at their slot, out of rank order
            shown = {c.ticket_id for c in out}
            out += [c for c in (*self.waiting.booked.values(), *self.booked_later)
                    if c.service in services and c.ticket_id not in self.taken
                    and c.ticket_id not in shown]
        out += [p for p in self.pinned if p.service in services]
        return out

    def admit(self, t: float) -> None:
        """Expected customers who have come by `t` seconds after now join the queue."""
        while self.future and self.future[0][0] <= t:
            at, service, tier, slot = self.future.popleft()
            c = Candidate(self.next_id, service, tier,
                          slot or self.now + timedelta(seconds=at), booked_at=slot)
            self.later.setdefault((service, tier), deque()).append(c)
            self.first.pop((service, tier), None)
            if slot is not None:  # due at its slot: passed beside its group's head
                self.booked_later.append(c)
            self.next_id -= 1

    def next_arrival_s(self, services: Sequence[str]) -> float | None:
        return next((at for at, s, _, _ in self.future if s in services), None)

    def take(self, c: Candidate) -> None:
        if c.pin is not None:
            self.pinned.remove(c)
        else:  # the head, or a promise head called before older tickets of its group
            self.taken.add(c.ticket_id)
            self.first.pop((c.service, c.tier), None)


def reachable(counters: Iterable[CounterState], c: Candidate, policy: Policy) -> bool:
    """Whether some of these counters will call `c` once the tickets before it are gone:
    one serves its service and, at a green channel that serves only priority tiers, it
    is a priority ticket, a pinned one, or due there by the maximum-wait guarantee."""
    for st in counters:
        if c.service not in st.services:
            continue
        if c.pin is not None or not (st.green_channel and policy.tiered) \
                or policy.is_priority(c.tier) or policy.rules.green_channel_serves_others:
            return True
        if policy.rules.guarantee_at_green_channel and policy.deadline(c) is not None:
            return True
    return False


def forecast(
    now: datetime,
    counters: Sequence[tuple[CounterState, float]],
    waiting: Sequence[Candidate] | WaitingSet,
    service_time_s: Mapping[str, float],
    policy: Policy,
    *,
    breaks: Mapping[int, Sequence[Break]] | None = None,
    expected: ExpectedArrivals | None = None,
) -> dict[int, Forecast]:
    """Fast-forward the policy over the current queue.

    `counters` are the open counters with the seconds until each is free (0 when idle);
    `service_time_s` is the expected service time per service prefix. Returns a forecast
    for every waiting ticket that some open counter will reach; `ahead` counts the waiting
    tickets called before it.

    `breaks` (optional) maps a counter number to the periods, in seconds from `now`, in
    which it calls nobody (a lunch break): a counter free during one calls at its end. A
    closed counter that will open later can be passed with busy seconds = time to opening.
    `expected` (optional) adds the customers expected after `now`; without it nobody else
    is assumed to come.
    """
    return _fast_forward(now, counters, _as_set(waiting), service_time_s, policy, breaks,
                         expected, (), None).placed


NewTicket = tuple[str, str]  # (service, tier) of a ticket that would be taken now
# The id a ticket taken now is tried with: above every real ticket's, as its own will be,
# so that of two tickets taken in the same second the one already waiting goes first.
PROBE_ID = 2**62


@dataclass(frozen=True)
class Projection:
    """One fast-forward: the waiting tickets it placed, where a new ticket of each
    (service, tier) would stand, and, when it stopped at its horizon, the place and wait
    it had reached (`bound`, `beyond` set): every ticket it did not place that an open
    counter will reach stands at least that far back."""

    placed: dict[int, Forecast]
    new: dict[NewTicket, Forecast | None]
    bound: Forecast | None
    counters: tuple[CounterState, ...]
    policy: Policy

    def of(self, c: Candidate) -> Forecast | None:
        """Where waiting ticket `c` stands (None: no open counter reaches it)."""
        found = self.placed.get(c.ticket_id)
        if found is not None or self.bound is None:
            return found
        return self.bound if reachable(self.counters, c, self.policy) else None


def project(
    now: datetime,
    counters: Sequence[tuple[CounterState, float]],
    waiting: Sequence[Candidate] | WaitingSet,
    service_time_s: Mapping[str, float],
    policy: Policy,
    new: Sequence[NewTicket] = (),
    horizon: Horizon | None = None,
    expected: ExpectedArrivals | None = None,
) -> Projection:
    """`forecast` of the queue, and for each (service, tier) in `new` where one more
    ticket of that group taken now would stand (None: no open counter reaches it), in one
    fast-forward, looking no further than `horizon` (None: to the end of the queue).

    Each answer for `new` is exactly `forecast` run with that one ticket added (`PROBE_ID`):
    until the moment the policy would choose it, the run with the ticket is this run (a
    candidate that is not chosen changes no choice), so at each call the new ticket is
    tried in its group's place, and only while no older ticket of its group waits (an
    older one of the same group always goes first). Promise deadlines break that
    argument (a newer ticket of the group may be due first), so with promises kept each
    answer is its own run, as before.

    Within the horizon the answers are those of the run without one; beyond it, a ticket
    an open counter will reach gets the horizon's place and wait as a lower bound.
    `expected` adds the customers expected to come (the booked ones still to check in).
    """
    ws = _as_set(waiting)
    if policy.keeps_promises and new:
        base = project(now, counters, ws, service_time_s, policy, (), horizon, expected)
        found: dict[NewTicket, Forecast | None] = {}
        for service, tier in new:
            probe = Candidate(PROBE_ID, service, tier, now, None)
            ws.put(probe)
            try:
                found[(service, tier)] = project(now, counters, ws, service_time_s, policy,
                                                 (), horizon, expected).of(probe)
            finally:
                ws.discard(PROBE_ID)
        return replace(base, new=found)
    return _fast_forward(now, counters, ws, service_time_s, policy, None, expected, new,
                         horizon)


def _as_set(waiting: Sequence[Candidate] | WaitingSet) -> WaitingSet:
    return waiting if isinstance(waiting, WaitingSet) else WaitingSet(waiting)


def _fast_forward(
    now: datetime,
    counters: Sequence[tuple[CounterState, float]],
    waiting: WaitingSet,
    service_time_s: Mapping[str, float],
    policy: Policy,
    breaks: Mapping[int, Sequence[Break]] | None,
    expected: ExpectedArrivals | None,
    new: Sequence[NewTicket],
    horizon: Horizon | None,
) -> Projection:
    queue = _Queue(now, waiting, expected, policy.keeps_promises)
    deadlines = _memo_deadlines(policy)
    states = [state for state, _ in counters]
    served_keys = [queue.keys_for(st.services) for st in states]
    heap = [(max(0.0, busy), i) for i, (_, busy) in enumerate(counters)]
    heapq.heapify(heap)
    result: dict[int, Forecast] = {}
    real = waiting.by_id
    pending = {key: Candidate(PROBE_ID, key[0], key[1], now) for key in new}
    placed: dict[NewTicket, Forecast | None] = {}
    # a new ticket can be chosen only once no older ticket of its group waits; groups only
    # shrink (expected customers join as newer ones), so once ready it stays ready
    ready = {key for key in pending if _no_older(queue.head(key), pending[key])}
    calls = 0
    bound: Forecast | None = None
    while heap and (len(result) < len(real) or pending):
        t, i = heapq.heappop(heap)
        if horizon is not None and (t > horizon.seconds or calls >= horizon.calls):
            bound = Forecast(ahead=len(result), wait_s=t, beyond=True)
            break
        if breaks:
            resume = _after_break(t, breaks.get(states[i].number, ()))
            if resume > t:
                heapq.heappush(heap, (resume, i))
                continue
        if queue.future:
            queue.admit(t)
        served = states[i].services
        heads = queue.heads(served_keys[i], served)
        at = now + timedelta(seconds=t)
        for key in [k for k in ready if k[0] in served] if ready else ():
            if _chooses_new(states[i], at, heads, queue.head(key), pending[key], policy,
                            deadlines):
                placed[key] = Forecast(ahead=len(result), wait_s=t)
                del pending[key]
                ready.discard(key)
        choice = _choose(states[i], at, heads, policy, deadlines)  # of its services only
        if choice is None:
            probes = [pending[k] for k in ready if k[0] in served]
            later = _wake_s(states[i], t, at, [*heads, *probes], queue.next_arrival_s(served),
                            policy)
            if later is not None:  # idle until someone it may serve comes or is due
                heapq.heappush(heap, (later, i))
            continue
        queue.take(choice)
        calls += 1
        key = (choice.service, choice.tier)
        if key in pending and key not in ready and _no_older(queue.head(key), pending[key]):
            ready.add(key)
        if choice.ticket_id in real:
            result[choice.ticket_id] = Forecast(ahead=len(result), wait_s=t)
        states[i] = record_call(states[i], choice, policy)
        busy = service_time_s.get(choice.service, DEFAULT_SERVICE_S)
        heapq.heappush(heap, (t + busy, i))
    open_counters = tuple(state for state, _ in counters)
    if bound is not None:
        for key, probe in pending.items():
            placed[key] = bound if reachable(open_counters, probe, policy) else None
    return Projection(result, {key: placed.get(key) for key in new}, bound, open_counters,
                      policy)


def _memo_deadlines(policy: Policy) -> Deadlines:
    """`policy.deadline`, worked out once per ticket: a fast-forward asks it of the same
    heads at every call. Kept by the ticket's identity (the memo holds the ticket, so the
    identity is not reused while it lives); lives as long as one fast-forward."""
    memo: dict[int, tuple[Candidate, datetime | None]] = {}

    def deadline(c: Candidate) -> datetime | None:
        got = memo.get(id(c))
        if got is None or got[0] is not c:
            got = memo[id(c)] = (c, policy.deadline(c))
        return got[1]

    return deadline


def _wake_s(counter: CounterState, t: float, at: datetime, heads: Sequence[Candidate],
            arrival_s: float | None, policy: Policy) -> float | None:
    """When a counter that may call nobody now looks again: the next expected customer
    it may serve, or, at a green channel that keeps the maximum-wait guarantee, the
    moment the first ticket there falls due (None: never)."""
    times = [] if arrival_s is None else [arrival_s]
    if counter.green_channel and policy.tiered and policy.rules.guarantee_at_green_channel:
        lead = timedelta(seconds=max(0.0, policy.deadline_lead_s))
        for c in heads:
            deadline = policy.deadline(c)
            if deadline is not None and c.service in counter.services:
                # due once deadline < at + lead: a millisecond past that moment
                times.append(max(t, t + (deadline - lead - at).total_seconds()) + 1e-3)
    return min(times) if times else None


def _no_older(head: Candidate | None, probe: Candidate) -> bool:
    """Whether no ticket of `probe`'s group that waited longer (`head`, the group's
    oldest) is still in it."""
    return head is None or _oldest_key(probe) < _oldest_key(head)


def _chooses_new(counter: CounterState, at: datetime, heads: list[Candidate],
                 head: Candidate | None, probe: Candidate, policy: Policy,
                 deadlines: Deadlines) -> bool:
    """Whether the counter would call `probe` were it in the queue in its group's place
    (no older ticket of its group waits: `head` is the group's oldest, or None)."""
    # the group's head steps aside for the probe; a booked head stays (due at its slot,
    # it is passed beside the heads whatever its place)
    trial = [c for c in heads if c is not head or c.booked_at is not None]
    trial.append(probe)
    choice = _choose(counter, at, trial, policy, deadlines)
    return choice is probe


def _after_break(t: float, periods: Sequence[Break]) -> float:
    """The first moment from `t` that falls in none of the periods."""
    moved = True
    while moved:
        moved = False
        for start, end in periods:
            if start <= t < end:
                t, moved = end, True
    return t
