"""Who is called next and how long everyone waits: the rules as pure functions."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.config import RuleSettings, Tier
from kiosk.queue.rules import (
    DEFAULT_PREFERENCE_BONUS_S,
    PROBE_ID,
    Candidate,
    CounterState,
    ExpectedArrivals,
    Forecast,
    Horizon,
    Policy,
    WaitingSet,
    booked_arrivals,
    forecast,
    group_heads,
    learned_arrivals,
    pick_next,
    project,
    promise_deadline,
    record_call,
)

NOW = datetime(2026, 11, 24, 11, 0, 0)
TIERS = {
    "regular": Tier("regular", "普通", "Regular", rank=0, rate=1.0),
    "gold": Tier("gold", "黄金", "Gold", rank=1, rate=4.0, base_s=300.0, target_wait_s=600.0),
    "platinum": Tier("platinum", "白金", "Platinum", rank=2, rate=6.0, base_s=600.0,
                     target_wait_s=300.0),
}
SERVICES = ("A", "B", "C")
TARGETS: dict[str, float | None] = {"A": 1500.0, "B": 1500.0, "C": None}


def policy(name: str = "accumulating", **rules: object) -> Policy:
    base = RuleSettings(policy=name, max_wait_s=1800.0, max_consecutive_priority=3)
    return Policy(name=name, tiers=TIERS, service_targets=TARGETS, rules=replace(base, **rules))


def relaxed(name: str) -> Policy:
    """No guarantee and no cap: the bare policy."""
    return Policy(name=name, tiers={k: replace(t, target_wait_s=None) for k, t in TIERS.items()},
                  service_targets={s: None for s in SERVICES},
                  rules=RuleSettings(policy=name, max_wait_s=0.0, max_consecutive_priority=0))


def ticket(i: int, waited_s: float, tier: str = "regular", service: str = "A",
           pin: int | None = None) -> Candidate:
    return Candidate(i, service, tier, NOW - timedelta(seconds=waited_s), pin)


COUNTER = CounterState(1, ("A", "B"))
GREEN = CounterState(6, ("A", "B"), green_channel=True)

# --- strategies ---------------------------------------------------------------------------

def _promise(waited: int, promised_after_s: int | None) -> datetime | None:
    """A promise deadline `promised_after_s` after arrival (any order within a group)."""
    if promised_after_s is None:
        return None
    return NOW - timedelta(seconds=waited) + timedelta(seconds=promised_after_s)


candidates_st = st.lists(
    st.builds(
        lambda i, service, tier, waited, pin, promised_after: Candidate(
            i, service, tier, NOW - timedelta(seconds=waited), pin,
            _promise(waited, promised_after)),
        st.integers(1, 10_000), st.sampled_from(SERVICES), st.sampled_from(list(TIERS)),
        st.one_of(st.integers(0, 4000), st.sampled_from([0, 300, 1600])),  # ties happen
        st.one_of(st.none(), st.none(), st.none(), st.integers(1, 5)),
        st.one_of(st.none(), st.integers(0, 5000), st.sampled_from([0, 600, 1600])),
    ),
    max_size=40,
    unique_by=lambda c: c.ticket_id,
)
counter_st = st.builds(
    CounterState, st.integers(1, 9),
    st.lists(st.sampled_from(SERVICES), min_size=1, max_size=3, unique=True).map(tuple),
    st.booleans(), st.integers(0, 5),
)
policy_st = st.builds(
    lambda p, lead: replace(p, deadline_lead_s=lead),
    st.builds(policy, st.sampled_from(["fifo", "strict", "accumulating"]),
              max_consecutive_priority=st.integers(0, 3),
              green_channel_serves_others=st.booleans(),
              guarantee_at_green_channel=st.booleans(),
              keep_promises=st.booleans()),
    st.sampled_from([0.0, 0.0, 120.0, 300.0]),
)


# --- pick_next: concrete cases ------------------------------------------------------------


def test_nothing_to_serve_returns_none() -> None:
    assert pick_next(COUNTER, NOW, [], policy()) is None
    assert pick_next(COUNTER, NOW, [ticket(1, 100, service="C")], policy()) is None


def test_fifo_calls_the_longest_waiting_whatever_the_tier() -> None:
    waiting = [ticket(1, 300), ticket(2, 100, "platinum"), ticket(3, 200, "gold")]
    assert pick_next(COUNTER, NOW, waiting, policy("fifo")).ticket_id == 1


def test_strict_calls_the_highest_tier_first() -> None:
    waiting = [ticket(1, 1000), ticket(2, 10, "gold"), ticket(3, 5, "platinum")]
    assert pick_next(COUNTER, NOW, waiting, relaxed("strict")).ticket_id == 3


def test_accumulating_vip_overtakes_a_recent_regular_but_not_a_long_waiting_one() -> None:
    # gold: 300 + 4 × 60 = 540 points; regular: seconds waited
    assert pick_next(COUNTER, NOW, [ticket(1, 400), ticket(2, 60, "gold")],
                     relaxed("accumulating")).ticket_id == 2
    assert pick_next(COUNTER, NOW, [ticket(1, 700), ticket(2, 60, "gold")],
                     relaxed("accumulating")).ticket_id == 1


def test_overdue_ticket_goes_first_even_under_strict() -> None:
    waiting = [ticket(1, 1501, service="A"), ticket(2, 10, "platinum")]
    assert pick_next(COUNTER, NOW, waiting, policy("strict")).ticket_id == 1


def test_a_ticket_about_to_pass_its_deadline_is_called_before_it_does() -> None:
    # regular: target 1500 s, 250 s to go; gold (300 + 4 × 250 = 1300 points) outscores
    # it, but gold has 350 s to go, and the counter will be busy for minutes
    waiting = [ticket(1, 1250), ticket(2, 250, "gold")]
    ahead = replace(policy(), deadline_lead_s=300.0)
    assert pick_next(COUNTER, NOW, waiting, ahead).ticket_id == 1
    assert pick_next(COUNTER, NOW, waiting, replace(ahead, deadline_lead_s=0.0)).ticket_id == 2
    assert pick_next(COUNTER, NOW, [ticket(1, 1100), waiting[1]], ahead).ticket_id == 2


def test_furthest_past_its_target_goes_first() -> None:
    # platinum target 300 s: 200 s late; regular target 1500 s: 100 s late
    waiting = [ticket(1, 1600), ticket(2, 500, "platinum")]
    assert pick_next(COUNTER, NOW, waiting, policy("fifo", max_wait_s=1800.0)).ticket_id == 1
    assert pick_next(COUNTER, NOW, waiting, policy("strict")).ticket_id == 2


def test_fifo_ignores_tier_targets() -> None:
    assert policy("fifo").target_s("A", "platinum") == 1500.0
    assert policy("strict").target_s("A", "platinum") == 300.0
    assert policy("strict").target_s("C", "regular") == 1800.0


def test_pin_beats_overdue_and_tier_lowest_pin_first() -> None:
    waiting = [ticket(1, 3000), ticket(2, 10, "platinum"), ticket(3, 5, pin=2),
               ticket(4, 1, pin=1, service="B")]
    assert pick_next(COUNTER, NOW, waiting, policy()).ticket_id == 4


def test_pin_for_a_service_the_counter_does_not_serve_is_left_alone() -> None:
    waiting = [ticket(1, 30), ticket(2, 5, service="C", pin=1)]
    assert pick_next(COUNTER, NOW, waiting, policy()).ticket_id == 1


def test_green_channel_serves_priority_tiers_first() -> None:
    waiting = [ticket(1, 1700), ticket(2, 5, "gold")]
    assert pick_next(GREEN, NOW, waiting, policy()).ticket_id == 2
    assert pick_next(GREEN, NOW, waiting[:1], policy()).ticket_id == 1


def test_green_channel_may_be_kept_for_vips_only() -> None:
    only_vips = policy(green_channel_serves_others=False)
    assert pick_next(GREEN, NOW, [ticket(1, 1700)], only_vips) is None
    assert pick_next(GREEN, NOW, [ticket(1, 1700), ticket(2, 1, "gold")],
                     only_vips).ticket_id == 2


def test_green_channel_may_keep_the_maximum_wait_guarantee() -> None:
    late_regular, fresh_gold, fresh_regular = ticket(1, 1700), ticket(2, 5, "gold"), ticket(3, 60)
    keeps = policy(guarantee_at_green_channel=True)
    assert pick_next(GREEN, NOW, [late_regular, fresh_gold], policy()).ticket_id == 2
    assert pick_next(GREEN, NOW, [late_regular, fresh_gold], keeps).ticket_id == 1
    # only a due ticket goes first: otherwise the green channel still serves VIPs first
    assert pick_next(GREEN, NOW, [fresh_regular, fresh_gold], keeps).ticket_id == 2
    # even where the green channel is kept for VIPs only
    vips_only = policy(guarantee_at_green_channel=True, green_channel_serves_others=False)
    assert pick_next(GREEN, NOW, [late_regular], vips_only).ticket_id == 1


def test_green_channel_is_an_ordinary_counter_under_fifo() -> None:
    waiting = [ticket(1, 100), ticket(2, 5, "gold")]
    assert pick_next(GREEN, NOW, waiting, policy("fifo",
                     green_channel_serves_others=False)).ticket_id == 1


def test_cap_on_consecutive_priority_calls() -> None:
    waiting = [ticket(1, 100), ticket(2, 5, "gold")]
    tired = replace(COUNTER, consecutive_priority=3)
    assert pick_next(replace(COUNTER, consecutive_priority=2), NOW, waiting,
                     policy()).ticket_id == 2
    assert pick_next(tired, NOW, waiting, policy()).ticket_id == 1
    assert pick_next(tired, NOW, waiting[1:], policy()).ticket_id == 2  # no regular waits
    assert pick_next(replace(GREEN, consecutive_priority=9), NOW, waiting,
                     policy()).ticket_id == 2  # the green channel has no cap
    assert pick_next(tired, NOW, waiting, policy(max_consecutive_priority=0)).ticket_id == 2


def test_record_call_counts_priority_calls_in_a_row() -> None:
    p = policy()
    c = record_call(COUNTER, ticket(1, 0, "gold"), p)
    c = record_call(c, ticket(2, 0, "platinum"), p)
    assert c.consecutive_priority == 2
    assert record_call(c, ticket(3, 0), p).consecutive_priority == 0
    assert record_call(COUNTER, ticket(1, 0, "gold"), policy("fifo")).consecutive_priority == 0


@pytest.mark.parametrize("name", ["fifo", "accumulating"])
def test_counter_preference_is_a_bonus_not_a_rule(name: str) -> None:
    p = relaxed(name)
    bonus = p.preference_bonus_s
    assert bonus == DEFAULT_PREFERENCE_BONUS_S > 0
    # COUNTER prefers A to B: an A ticket gets `bonus` extra points
    assert pick_next(COUNTER, NOW, [ticket(1, 100 + bonus - 10, service="B"), ticket(2, 100)],
                     p).ticket_id == 2
    assert pick_next(COUNTER, NOW, [ticket(1, 100 + bonus + 10, service="B"), ticket(2, 100)],
                     p).ticket_id == 1


def test_preference_never_lifts_a_lower_tier_under_strict() -> None:
    waiting = [ticket(1, 5000), ticket(2, 1, "gold", service="B")]
    assert pick_next(COUNTER, NOW, waiting, relaxed("strict")).ticket_id == 2


@pytest.mark.parametrize("name", ["fifo", "strict", "accumulating"])
def test_equal_arrival_goes_to_the_smaller_ticket_id_as_storage_heads_assume(name: str) -> None:
    waiting = [ticket(7, 100), ticket(3, 100), ticket(5, 100)]
    assert pick_next(COUNTER, NOW, waiting, policy(name)).ticket_id == 3
    assert group_heads(waiting) == [waiting[1]]


def promised(c: Candidate, in_s: float) -> Candidate:
    """`c` with a promise deadline `in_s` seconds from NOW."""
    return replace(c, promised_at=NOW + timedelta(seconds=in_s))


def test_a_vip_overtakes_a_regular_only_while_the_printed_wait_is_kept() -> None:
    # gold: 300 + 4 × 60 = 540 points beat 400 s of regular waiting
    keeps = policy(keep_promises=True)
    regular, gold = ticket(1, 400), ticket(2, 60, "gold")
    assert pick_next(COUNTER, NOW, [promised(regular, 900), gold], keeps).ticket_id == 2
    # the regular customer's promise runs out within the lead (300 s): called first
    assert pick_next(COUNTER, NOW, [promised(regular, 200), gold], keeps).ticket_id == 1
    assert pick_next(COUNTER, NOW, [promised(regular, -60), gold], keeps).ticket_id == 1
    # promises not kept, or fifo's plain order, or a pin: the promise changes nothing
    assert pick_next(COUNTER, NOW, [promised(regular, 200), gold], policy()).ticket_id == 2
    assert pick_next(COUNTER, NOW, [promised(regular, 200), ticket(3, 500)],
                     policy("fifo", keep_promises=True)).ticket_id == 3
    assert pick_next(COUNTER, NOW, [promised(regular, 0), ticket(4, 1, pin=1)],
                     keeps).ticket_id == 4


def test_earliest_promise_or_target_deadline_goes_first() -> None:
    keeps = policy(keep_promises=True)
    # regular 1: target deadline in 100 s; regular 2 (came later): promised in 50 s
    waiting = [ticket(1, 1400), promised(ticket(2, 200), 50)]
    assert pick_next(COUNTER, NOW, waiting, keeps).ticket_id == 2
    assert pick_next(COUNTER, NOW, [ticket(1, 1400), promised(ticket(2, 200), 150)],
                     keeps).ticket_id == 1
    assert keeps.deadline(waiting[1]) == NOW + timedelta(seconds=50)
    assert keeps.deadline(ticket(3, 0, service="C")) == NOW + timedelta(seconds=1800)


def test_promise_deadline_is_estimate_plus_margin() -> None:
    p = policy(promise_margin_s=300.0, promise_margin_frac=0.5)
    assert promise_deadline(NOW, 400.0, p) == NOW + timedelta(seconds=400 + 300)
    assert promise_deadline(NOW, 1000.0, p) == NOW + timedelta(seconds=1000 + 500)
    assert promise_deadline(NOW, None, p) is None


def test_group_heads_add_each_groups_earliest_promise() -> None:
    waiting = [promised(ticket(1, 500), 900), promised(ticket(2, 300), 100),
               promised(ticket(3, 200), 100), ticket(4, 100, "gold")]
    # 2 and 3 are promised alike: the one that waited longer heads the promises
    assert group_heads(waiting) == [waiting[0], waiting[3], waiting[1]]
    assert group_heads([promised(ticket(1, 500), 10), ticket(2, 300)]) == \
        [promised(ticket(1, 500), 10)]


def test_forecast_keeps_promises_it_is_given() -> None:
    times = {"A": 300.0}
    waiting = [promised(ticket(1, 400), 500), ticket(2, 60, "gold"), ticket(3, 50, "gold")]
    free = forecast(NOW, [(COUNTER, 0.0)], waiting, times, policy())
    assert [free[i].ahead for i in (1, 2, 3)] == [2, 0, 1]
    # the regular customer's promise is due by the second call (at 300 s, 200 s to go)
    kept = forecast(NOW, [(COUNTER, 0.0)], waiting, times, policy(keep_promises=True))
    assert [kept[i].ahead for i in (1, 2, 3)] == [1, 0, 2]


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown policy"):
        policy("random")


# --- pick_next: properties ----------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(candidates_st, counter_st, policy_st, st.integers(0, 3000))
def test_choosing_from_group_heads_equals_choosing_from_everyone(
        waiting: list[Candidate], counter: CounterState, p: Policy, later_s: int) -> None:
    at = NOW + timedelta(seconds=later_s)
    assert pick_next(counter, at, group_heads(waiting), p) == pick_next(counter, at, waiting, p)


@settings(max_examples=200, deadline=None)
@given(candidates_st, counter_st, policy_st)
def test_a_pin_always_wins(waiting: list[Candidate], counter: CounterState, p: Policy) -> None:
    pinned = [c for c in waiting if c.pin is not None and c.service in counter.services]
    chosen = pick_next(counter, NOW, waiting, p)
    if pinned:
        assert chosen is not None and chosen.pin == min(c.pin or 0 for c in pinned)


@settings(max_examples=200, deadline=None)
@given(candidates_st, counter_st)
def test_strict_never_calls_a_lower_tier_while_a_higher_one_waits(
        waiting: list[Candidate], counter: CounterState) -> None:
    unpinned = [replace(c, pin=None) for c in waiting]
    chosen = pick_next(replace(counter, green_channel=False), NOW, unpinned, relaxed("strict"))
    served = [c for c in unpinned if c.service in counter.services]
    if served:
        assert chosen is not None
        assert TIERS[chosen.tier].rank == max(TIERS[c.tier].rank for c in served)


@settings(max_examples=200, deadline=None)
@given(candidates_st, counter_st, policy_st)
def test_an_overdue_ticket_is_passed_only_by_pins_or_earlier_deadlines(
        waiting: list[Candidate], counter: CounterState, p: Policy) -> None:
    """The max-wait guarantee: once late, a ticket is called before anyone whose deadline
    is later, so nobody who arrives after it became late can ever pass it (no starvation;
    a promise deadline is never before its ticket's arrival). It holds at green channels
    too where they keep the guarantee (and under fifo, where they are ordinary counters)."""
    if p.tiered and not p.rules.guarantee_at_green_channel:
        counter = replace(counter, green_channel=False)
    chosen = pick_next(counter, NOW, waiting, p)
    if chosen is None or chosen.pin is not None:
        return

    def deadline(c: Candidate) -> datetime:
        at = p.deadline(c)  # the target's, or an earlier kept promise
        assert at is not None
        return at

    late = [c for c in waiting if c.service in counter.services and deadline(c) < NOW]
    if late:
        assert deadline(chosen) <= min(deadline(c) for c in late)


def _flood(p: Policy) -> float | None:
    """One counter, a platinum customer every 60 s, each served in 120 s, and one regular
    customer who came at 0: when is the regular customer called (None: never, in 4 h)?"""
    counter = CounterState(1, ("A",))
    waiting = [ticket(0, 0)]
    t, arrived = 10.0, 0
    while t < 4 * 3600:
        while 60 * arrived + 1 <= t:
            waiting.append(Candidate(arrived + 1, "A", "platinum",
                                     NOW + timedelta(seconds=60 * arrived + 1)))
            arrived += 1
        chosen = pick_next(counter, NOW + timedelta(seconds=t), waiting, p)
        assert chosen is not None
        if chosen.ticket_id == 0:
            return t
        waiting.remove(chosen)
        t += 120
    return None


@pytest.mark.parametrize("name", ["strict", "accumulating"])
def test_a_regular_customer_is_not_starved_by_a_flood_of_vips(name: str) -> None:
    assert _flood(relaxed(name)) is None  # without the guarantee: starved
    called = _flood(policy(name, max_consecutive_priority=0))
    # The regular's deadline is 1500 s; only the 20 platinum customers who came before
    # 1200 s (deadline = arrival + 300 s) have earlier deadlines, so at most they go first.
    assert called is not None and called <= 10 + 21 * 120


# --- forecast -----------------------------------------------------------------------------


def test_forecast_one_counter_serves_in_turn() -> None:
    waiting = [ticket(1, 30), ticket(2, 20), ticket(3, 10, service="B")]
    result = forecast(NOW, [(COUNTER, 100.0)], waiting, {"A": 240.0, "B": 400.0}, policy("fifo"))
    assert result == {1: Forecast(0, 100.0), 2: Forecast(1, 340.0), 3: Forecast(2, 580.0)}


def test_forecast_skips_tickets_no_open_counter_serves() -> None:
    result = forecast(NOW, [(COUNTER, 0.0)], [ticket(1, 5, service="C")], {}, policy())
    assert result == {}
    assert forecast(NOW, [], [ticket(1, 5)], {}, policy()) == {}


def test_forecast_more_counters_shorter_waits() -> None:
    waiting = [ticket(i, 100 - i) for i in range(10)]
    one = forecast(NOW, [(COUNTER, 0.0)], waiting, {"A": 300.0}, policy())
    two = forecast(NOW, [(COUNTER, 0.0), (replace(COUNTER, number=2), 0.0)], waiting,
                   {"A": 300.0}, policy())
    assert one[9].wait_s == 2700.0
    assert two[9].wait_s == 1200.0


def test_forecast_respects_breaks() -> None:
    result = forecast(NOW, [(COUNTER, 0.0)], [ticket(1, 5), ticket(2, 1)], {"A": 300.0},
                      policy(), breaks={1: [(200.0, 900.0)]})
    assert result[1].wait_s == 0.0
    assert result[2].wait_s == 900.0  # free at 300, but at lunch until 900


def test_forecast_keeps_counting_priority_calls() -> None:
    waiting = [ticket(i, 100 - i, "gold") for i in range(4)] + [ticket(9, 50)]
    result = forecast(NOW, [(replace(COUNTER, consecutive_priority=1), 0.0)], waiting,
                      {"A": 60.0}, policy(max_consecutive_priority=2))
    assert result[0].ahead == 0  # second priority call in a row
    assert result[9].ahead == 1  # then the cap lets the regular in


def test_forecast_counts_vips_expected_to_come_and_overtake() -> None:
    waiting = [ticket(1, 60), ticket(2, 30)]
    counters = [(COUNTER, 200.0)]
    times = {"A": 300.0}
    alone = forecast(NOW, counters, waiting, times, policy())
    assert alone == {1: Forecast(0, 200.0), 2: Forecast(1, 500.0)}
    # four gold customers an hour for A, the first expected 7.5 minutes from now
    gold = ExpectedArrivals({("A", "gold"): 4.0}, until_s=3000.0)
    assert gold.schedule() == [(450.0, "A", "gold"), (1350.0, "A", "gold"),
                               (2250.0, "A", "gold")]
    busy = forecast(NOW, [(COUNTER, 400.0)], waiting, times, policy(), expected=gold)
    # free at 400: regular 1; free at 700: the gold customer who came at 450
    # (300 + 4 × 250 = 1300 points) goes before regular 2 (730 s waited)
    assert busy == {1: Forecast(0, 400.0), 2: Forecast(1, 1000.0)}
    # under fifo the gold customer waits their turn
    assert forecast(NOW, [(COUNTER, 400.0)], waiting, times, policy("fifo"),
                    expected=gold) == {1: Forecast(0, 400.0), 2: Forecast(1, 700.0)}


def test_forecast_with_expected_arrivals_ends_when_nobody_can_be_served() -> None:
    waiting = [ticket(1, 60, service="C")]  # no open counter serves C
    many = ExpectedArrivals({("A", "regular"): 600.0, ("B", "gold"): 60.0}, until_s=8 * 3600.0)
    started = time.perf_counter()
    assert forecast(NOW, [(COUNTER, 0.0)], waiting, {"A": 60.0}, policy(), expected=many) == {}
    assert time.perf_counter() - started < 1.0
    # an idle counter waits for the next expected customer it may serve
    later = ExpectedArrivals({("A", "platinum"): 1.0}, until_s=7200.0)
    result = forecast(NOW, [(GREEN, 0.0)], [ticket(1, 10, service="C"), ticket(2, 5)],
                      {"A": 300.0}, policy(), expected=later)
    assert result == {2: Forecast(0, 0.0)}


def test_learned_arrivals_count_the_last_hour() -> None:
    opened = NOW - timedelta(hours=2)
    issued = [(NOW - timedelta(minutes=m), "A", "regular") for m in range(0, 90, 3)]
    issued += [(NOW - timedelta(minutes=10), "B", "gold")]
    learned = learned_arrivals(NOW, issued, opened, NOW + timedelta(hours=1))
    assert learned.per_hour == {("A", "regular"): 20.0, ("B", "gold"): 1.0}
    assert learned.until_s == 3600.0
    # five minutes after opening two customers are not 24 an hour: at least 15 minutes
    early = learned_arrivals(opened + timedelta(minutes=5), [(opened, "A", "regular"),
                             (opened + timedelta(minutes=4), "A", "regular")],
                             opened, NOW)
    assert early.per_hour == {("A", "regular"): 8.0}


@settings(max_examples=100, deadline=None)
@given(candidates_st, st.lists(st.tuples(counter_st, st.integers(0, 600)), max_size=4),
       policy_st)
def test_forecast_equals_calling_pick_next_over_everyone(
        waiting: list[Candidate], counters: list[tuple[CounterState, int]], p: Policy) -> None:
    counters = [(replace(c, number=i), float(busy)) for i, (c, busy) in enumerate(counters)]
    times = {"A": 200.0, "B": 350.0, "C": 500.0}
    expected: dict[int, Forecast] = {}
    free = {i: (busy, c) for i, (c, busy) in enumerate(counters)}
    left = list(waiting)
    while free and left:
        i = min(free, key=lambda k: (free[k][0], k))
        t, state = free.pop(i)
        chosen = pick_next(state, NOW + timedelta(seconds=t), left, p)
        if chosen is None:
            # a green channel keeping the guarantee looks again when a ticket falls due
            due = [(p.deadline(c) - NOW).total_seconds() - p.deadline_lead_s for c in left
                   if c.service in state.services and p.deadline(c) is not None]
            if state.green_channel and p.tiered and p.rules.guarantee_at_green_channel \
                    and due:
                free[i] = (max(t, min(due)) + 1e-3, state)
            continue
        left.remove(chosen)
        expected[chosen.ticket_id] = Forecast(len(expected), t)
        free[i] = (t + times[chosen.service], record_call(state, chosen, p))
    assert forecast(NOW, counters, waiting, times, p) == expected


@settings(max_examples=300, deadline=None)
@given(candidates_st, st.lists(st.tuples(counter_st, st.integers(0, 600)), max_size=4),
       policy_st)
def test_new_tickets_in_one_run_stand_where_each_added_alone_would(
        waiting: list[Candidate], counters: list[tuple[CounterState, int]], p: Policy) -> None:
    """project answers, in one fast-forward, what a run of `forecast` with each
    new ticket added alone answers (the kiosk's buttons: one forecast per queue state)."""
    counters = [(replace(c, number=i), float(busy)) for i, (c, busy) in enumerate(counters)]
    times = {"A": 200.0, "B": 350.0, "C": 500.0}
    new = [(svc, tier) for svc in SERVICES for tier in TIERS]
    one = project(NOW, counters, waiting, times, p, new)
    tickets, found = one.placed, one.new
    assert tickets == forecast(NOW, counters, waiting, times, p)
    for svc, tier in new:
        alone = forecast(NOW, counters, [*waiting, Candidate(PROBE_ID, svc, tier, NOW)], times,
                         p)
        assert found[(svc, tier)] == alone.get(PROBE_ID), (svc, tier)


@settings(max_examples=300, deadline=None)
@given(candidates_st, st.lists(st.tuples(counter_st, st.integers(0, 600)), max_size=4),
       policy_st, st.integers(0, 12), st.sampled_from([0.0, 250.0, 900.0, 1e9]))
def test_a_horizon_answers_as_the_whole_run_up_to_it_and_bounds_the_rest(
        waiting: list[Candidate], counters: list[tuple[CounterState, int]], p: Policy,
        calls: int, seconds: float) -> None:
    """A fast-forward stopped at its horizon gives every ticket and new ticket it reached
    the whole run's answer; every other one the whole run reaches gets the horizon's place
    and wait as a lower bound, and one the whole run never reaches stays unreached."""
    counters = [(replace(c, number=i), float(busy)) for i, (c, busy) in enumerate(counters)]
    times = {"A": 200.0, "B": 350.0, "C": 500.0}
    new = [(svc, tier) for svc in SERVICES for tier in TIERS]
    whole = project(NOW, counters, waiting, times, p, new)
    assert whole.bound is None
    near = project(NOW, counters, waiting, times, p, new, Horizon(seconds, calls))
    answers = [(whole.of(c), near.of(c), True) for c in waiting]
    # with promises kept each new ticket is a run of its own, with a horizon of its own
    answers += [(whole.new[k], near.new[k], not p.keeps_promises) for k in new]
    for full, bounded, same_run in answers:
        if bounded is None:
            assert full is None
        elif not bounded.beyond:
            assert bounded == full
        else:
            assert bounded == near.bound or not same_run
            assert full is not None and full.ahead >= bounded.ahead
            assert full.wait_s >= bounded.wait_s
    if near.bound is not None:
        assert near.bound.wait_s >= seconds or len(near.placed) <= calls


@settings(max_examples=200, deadline=None)
@given(candidates_st, st.lists(st.tuples(st.integers(0, 2), st.integers(0, 39)), max_size=60))
def test_a_kept_waiting_set_is_the_set_built_afresh(
        waiting: list[Candidate], steps: list[tuple[int, int]]) -> None:
    """Tickets put, changed (pinned, unpinned, another tier, transferred) and discarded
    one at a time leave the groups, promise orders and pins a set built from the
    survivors has (what a station keeps between feed events)."""
    kept = WaitingSet()
    alive: dict[int, Candidate] = {}
    for op, i in steps:
        if not waiting:
            break
        c = waiting[i % len(waiting)]
        if op == 2:
            c = replace(alive.get(c.ticket_id, c), pin=None if c.pin else 1, tier="gold",
                        service="B", rank_at=c.rank_at - timedelta(seconds=i))
        if op:
            kept.put(c)
            alive[c.ticket_id] = c
        else:
            kept.discard(c.ticket_id)
            alive.pop(c.ticket_id, None)
    fresh = WaitingSet(alive.values())
    assert kept.groups == {k: g for k, g in fresh.groups.items()} | {
        k: [] for k in kept.groups if k not in fresh.groups}
    assert {k: v for k, v in kept.promised.items() if v} == fresh.promised
    assert kept.pinned == fresh.pinned and len(kept) == len(alive)
    assert kept.count_by_service() == {s: n for s, n in fresh.count_by_service().items()} | {
        s: 0 for s in kept.count_by_service() if s not in fresh.count_by_service()}


booked_st = st.lists(st.tuples(st.integers(0, 3000), st.sampled_from(SERVICES),
                               st.sampled_from(list(TIERS))), max_size=4)


@settings(max_examples=200, deadline=None)
@given(candidates_st, st.lists(st.tuples(counter_st, st.integers(0, 600)), max_size=4),
       policy_st, booked_st)
def test_booked_customers_to_come_count_in_every_new_ticket_s_place(
        waiting: list[Candidate], counters: list[tuple[CounterState, int]], p: Policy,
        booked: list[tuple[int, str, str]]) -> None:
    """Booked customers still to come (due at their slot) are in the one run's answer for
    each new ticket as they are in a run with that ticket added alone."""
    counters = [(replace(c, number=i), float(busy)) for i, (c, busy) in enumerate(counters)]
    times = {"A": 200.0, "B": 350.0, "C": 500.0}
    expected = booked_arrivals(NOW, [(NOW + timedelta(seconds=s), svc, tier)
                                     for s, svc, tier in booked], p)
    new = [(svc, tier) for svc in SERVICES for tier in TIERS]
    one = project(NOW, counters, waiting, times, p, new, expected=expected)
    assert one.placed == forecast(NOW, counters, waiting, times, p, expected=expected)
    for svc, tier in new:
        alone = forecast(NOW, counters, [*waiting, Candidate(PROBE_ID, svc, tier, NOW)], times,
                         p, expected=expected)
        assert one.new[(svc, tier)] == alone.get(PROBE_ID), (svc, tier)


def test_a_booking_to_come_lengthens_a_walk_in_s_wait_once_it_falls_due() -> None:
    """One counter, 5-minute services, two walk-ins waiting: a booked customer due in 12
    minutes goes ahead of the third walk-in (after the two already waiting)."""
    p = policy("fifo")
    counter = [(CounterState(1, ("A",)), 0.0)]
    waiting = [ticket(1, 120), ticket(2, 60)]
    new = [("A", "regular")]
    alone = project(NOW, counter, waiting, {"A": 300.0}, p, new)
    booked = booked_arrivals(NOW, [(NOW + timedelta(minutes=12), "A", "gold")], p)
    assert booked is not None and booked.booked[0][0] == 12 * 60 - p.deadline_lead_s
    withb = project(NOW, counter, waiting, {"A": 300.0}, p, new, expected=booked)
    assert alone.new[("A", "regular")] == Forecast(2, 600.0)
    assert withb.new[("A", "regular")] == Forecast(2, 900.0)  # the booked one, not counted
    late = booked_arrivals(NOW, [(NOW + timedelta(hours=2), "A", "gold")], p)
    assert project(NOW, counter, waiting, {"A": 300.0}, p, new,
                   expected=late).new[("A", "regular")] == Forecast(2, 600.0)


def test_forecast_places_thousands_waiting() -> None:
    """Every one of 2,000 waiting tickets gets a place and a wait, in call order (its
    speed is a `kiosk bench` figure, not a timed test)."""
    tiers = list(TIERS)
    waiting = [ticket(i, (i * 7919) % 3600, tiers[i % 7 % 3], SERVICES[i % 3])
               for i in range(2000)]
    counters = [(CounterState(n, SERVICES[n % 3:] + SERVICES[: n % 3], n == 6), 60.0 * n)
                for n in range(1, 7)]
    result = forecast(NOW, counters, waiting, {"A": 240.0, "B": 420.0, "C": 600.0}, policy())
    assert len(result) == 2000
    by_place = sorted(result.values(), key=lambda f: f.ahead)
    assert [f.ahead for f in by_place] == list(range(2000))
    assert all(a.wait_s <= b.wait_s for a, b in zip(by_place, by_place[1:], strict=False))
