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
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cached_property

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

    @property
    def keeps_promises(self) -> bool:
        """Whether promise deadlines count (never under fifo, the no-priority baseline)."""
        return self.tiered and self.rules.keep_promises

    def deadline(self, c: Candidate) -> datetime | None:
        """When `c` is late: the earlier of its target deadline and (when promises are
        kept) its promise deadline; None when it has neither."""
        target = self.target_s(c.service, c.tier)
        at = None if target is None else c.rank_at + timedelta(seconds=target)
        if c.promised_at is not None and self.keeps_promises:
            at = c.promised_at if at is None else min(at, c.promised_at)
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


def remaining_service_s(mean_s: float, elapsed_s: float) -> float:
    """How much longer a counter stays busy with its current customer: the service
    mean less what has passed, but a customer already past the mean still needs a little
    while (a tenth of the mean). The service's forecast and the simulator both use this."""
    return max(mean_s - elapsed_s, 0.1 * mean_s)


def _waited_s(now: datetime, c: Candidate) -> float:
    return (now - c.rank_at).total_seconds()


def _oldest_key(c: Candidate) -> tuple[datetime, int]:
    return c.rank_at, c.ticket_id


def _pinned_choice(pinned: Sequence[Candidate]) -> Candidate:
    return min(pinned, key=lambda c: (c.pin, c.rank_at, c.ticket_id))


def _due_choice(now: datetime, pool: Sequence[Candidate], policy: Policy) -> Candidate | None:
    """The due ticket with the earliest deadline (then the oldest), or None."""
    best: Candidate | None = None
    best_key: tuple[datetime, datetime, int] | None = None
    due_by = now + timedelta(seconds=max(0.0, policy.deadline_lead_s))
    for c in pool:
        deadline = policy.deadline(c)
        if deadline is None or deadline >= due_by:
            continue
        key = (deadline, c.rank_at, c.ticket_id)
        if best_key is None or key < best_key:
            best, best_key = c, key
    return best


def _policy_choice(counter: CounterState, now: datetime, pool: Sequence[Candidate],
                   policy: Policy) -> Candidate:
    last = len(counter.services) - 1
    bonus = {s: policy.preference_bonus_s * (last - i) for i, s in enumerate(counter.services)}

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
    eligible = [c for c in candidates if c.service in served]
    if not eligible:
        return None
    pinned = [c for c in eligible if c.pin is not None]
    if pinned:
        return _pinned_choice(pinned)
    pool = eligible
    if counter.green_channel and policy.tiered:
        if policy.rules.guarantee_at_green_channel:
            due = _due_choice(now, pool, policy)
            if due is not None:
                return due
        priority = [c for c in pool if policy.is_priority(c.tier)]
        if priority:
            pool = priority
        elif not policy.rules.green_channel_serves_others:
            return None
    due = _due_choice(now, pool, policy)
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
        return replace(counter, consecutive_priority=counter.consecutive_priority + 1)
    if counter.consecutive_priority:
        return replace(counter, consecutive_priority=0)
    return counter


def _promise_key(c: Candidate) -> tuple[datetime, datetime, int]:
    assert c.promised_at is not None
    return c.promised_at, c.rank_at, c.ticket_id


def group_heads(waiting: Sequence[Candidate]) -> list[Candidate]:
    """What storage passes to `pick_next`: each (service, tier) group's rank head (smallest
    (rank_at, ticket_id)) and promise head (smallest (promised_at, rank_at, ticket_id) among
    those with a promise), each ticket once, plus every pinned ticket."""
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
    return [*heads.values(), *extra, *pinned]


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
    """

    per_hour: Mapping[tuple[str, str], float]
    until_s: float

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


class _Queue:
    """The forecast's queue: (service, tier) groups in arrival order (with their promise
    heads when promises are kept), pins, and the expected arrivals that join it as the
    fast-forward clock passes their time."""

    def __init__(self, now: datetime, waiting: Sequence[Candidate],
                 expected: ExpectedArrivals | None, promises: bool = False) -> None:
        self.now = now
        self.groups: dict[tuple[str, str], deque[Candidate]] = {}
        self.promised: dict[tuple[str, str], list[tuple[datetime, datetime, int]]] = {}
        self.by_id: dict[int, Candidate] = {}
        self.pinned: list[Candidate] = []
        for c in sorted(waiting, key=_oldest_key):
            if c.pin is not None:
                self.pinned.append(c)
                continue
            key = (c.service, c.tier)
            self.groups.setdefault(key, deque()).append(c)
            if promises and c.promised_at is not None:
                self.promised.setdefault(key, []).append(_promise_key(c))
                self.by_id[c.ticket_id] = c
        for heap in self.promised.values():
            heapq.heapify(heap)
        self.taken: set[int] = set()
        self.future = deque(expected.schedule() if expected else ())
        for _, service, tier in self.future:
            self.groups.setdefault((service, tier), deque())
        # expected customers get ticket ids no real ticket has
        self.next_id = min([0, *(c.ticket_id for c in waiting)]) - 1

    def keys_for(self, services: Sequence[str]) -> list[tuple[str, str]]:
        return [k for s in services for k in self.groups if k[0] == s]

    def heads(self, keys: Sequence[tuple[str, str]], services: Sequence[str]) -> list[Candidate]:
        """What storage would pass: rank and promise heads of these groups, and pins."""
        out = []
        for key in keys:
            dq = self.groups[key]
            if not dq:
                continue
            out.append(dq[0])
            heap = self.promised.get(key)
            while heap and heap[0][2] in self.taken:
                heapq.heappop(heap)
            if heap and heap[0][2] != dq[0].ticket_id:
                out.append(self.by_id[heap[0][2]])
        out += [p for p in self.pinned if p.service in services]
        return out

    def admit(self, t: float) -> None:
        """Expected customers who have come by `t` seconds after now join the queue."""
        while self.future and self.future[0][0] <= t:
            at, service, tier = self.future.popleft()
            self.groups[(service, tier)].append(
                Candidate(self.next_id, service, tier, self.now + timedelta(seconds=at)))
            self.next_id -= 1

    def next_arrival_s(self, services: Sequence[str]) -> float | None:
        return next((at for at, s, _ in self.future if s in services), None)

    def take(self, c: Candidate) -> None:
        if c.pin is not None:
            self.pinned.remove(c)
            return
        group = self.groups[(c.service, c.tier)]
        if group[0] == c:
            group.popleft()
        else:  # a promise head called before older tickets of its group
            group.remove(c)
        self.taken.add(c.ticket_id)


def forecast(
    now: datetime,
    counters: Sequence[tuple[CounterState, float]],
    waiting: Sequence[Candidate],
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
    return _fast_forward(now, counters, waiting, service_time_s, policy, breaks, expected,
                         ())[0]


NewTicket = tuple[str, str]  # (service, tier) of a ticket that would be taken now


def forecast_with_new(
    now: datetime,
    counters: Sequence[tuple[CounterState, float]],
    waiting: Sequence[Candidate],
    service_time_s: Mapping[str, float],
    policy: Policy,
    new: Sequence[NewTicket],
) -> tuple[dict[int, Forecast], dict[NewTicket, Forecast | None]]:
    """`forecast` of the queue, and for each (service, tier) in `new` where one more
    ticket of that group taken now would stand (None: no open counter reaches it), in one
    fast-forward.

    Each answer for `new` is exactly `forecast` run with that one ticket added (id -1):
    until the moment the policy would choose it, the run with the ticket is this run (a
    candidate that is not chosen changes no choice), so at each call the new ticket is
    tried in its group's place, and only while no older ticket of its group waits (an
    older one of the same group always goes first). Promise deadlines break that
    argument (a newer ticket of the group may be due first), so with promises kept each
    answer is its own run, as before.
    """
    if policy.keeps_promises:
        tickets = forecast(now, counters, waiting, service_time_s, policy) if waiting else {}
        found: dict[NewTicket, Forecast | None] = {}
        for service, tier in new:
            probe = Candidate(-1, service, tier, now, None)
            found[(service, tier)] = forecast(now, counters, [*waiting, probe],
                                              service_time_s, policy).get(-1)
        return tickets, found
    return _fast_forward(now, counters, waiting, service_time_s, policy, None, None, new)


def _fast_forward(
    now: datetime,
    counters: Sequence[tuple[CounterState, float]],
    waiting: Sequence[Candidate],
    service_time_s: Mapping[str, float],
    policy: Policy,
    breaks: Mapping[int, Sequence[Break]] | None,
    expected: ExpectedArrivals | None,
    new: Sequence[NewTicket],
) -> tuple[dict[int, Forecast], dict[NewTicket, Forecast | None]]:
    queue = _Queue(now, waiting, expected, policy.keeps_promises)
    states = [state for state, _ in counters]
    served_keys = [queue.keys_for(st.services) for st in states]
    heap = [(max(0.0, busy), i) for i, (_, busy) in enumerate(counters)]
    heapq.heapify(heap)
    result: dict[int, Forecast] = {}
    real = {c.ticket_id for c in waiting}
    pending = {key: Candidate(-1, key[0], key[1], now) for key in new}
    placed: dict[NewTicket, Forecast | None] = {}
    # a new ticket can be chosen only once no older ticket of its group waits; groups only
    # shrink (expected customers join as newer ones), so once ready it stays ready
    ready = {key for key in pending if _no_older(queue.groups.get(key), pending[key])}
    while heap and (len(result) < len(real) or pending):
        t, i = heapq.heappop(heap)
        resume = _after_break(t, (breaks or {}).get(states[i].number, ()))
        if resume > t:
            heapq.heappush(heap, (resume, i))
            continue
        queue.admit(t)
        served = states[i].services
        heads = queue.heads(served_keys[i], served)
        at = now + timedelta(seconds=t)
        for key in [k for k in ready if k[0] in served]:
            if _chooses_new(states[i], at, heads, queue.groups.get(key), pending[key],
                            policy):
                placed[key] = Forecast(ahead=len(result), wait_s=t)
                del pending[key]
                ready.discard(key)
        choice = pick_next(states[i], at, heads, policy)
        if choice is None:
            later = queue.next_arrival_s(served)
            if later is not None:  # idle until someone it may serve is expected
                heapq.heappush(heap, (later, i))
            continue
        queue.take(choice)
        key = (choice.service, choice.tier)
        if key in pending and key not in ready \
                and _no_older(queue.groups.get(key), pending[key]):
            ready.add(key)
        if choice.ticket_id in real:
            result[choice.ticket_id] = Forecast(ahead=len(result), wait_s=t)
        states[i] = record_call(states[i], choice, policy)
        busy = service_time_s.get(choice.service, DEFAULT_SERVICE_S)
        heapq.heappush(heap, (t + busy, i))
    return result, {key: placed.get(key) for key in new}


def _no_older(group: deque[Candidate] | None, probe: Candidate) -> bool:
    """Whether no ticket of `probe`'s group that waited longer is still in it."""
    return not group or _oldest_key(probe) < _oldest_key(group[0])


def _chooses_new(counter: CounterState, at: datetime, heads: list[Candidate],
                 group: deque[Candidate] | None, probe: Candidate, policy: Policy) -> bool:
    """Whether the counter would call `probe` were it in the queue in its group's place
    (no older ticket of its group waits)."""
    head = group[0] if group else None
    trial = [c for c in heads if c is not head]
    trial.append(probe)
    choice = pick_next(counter, at, trial, policy)
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
