"""Appointments' rules as pure functions: capacity, lead time, grace, early/late/missed,
re-check-in, codes."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from kiosk.errors import QueueError
from kiosk.queue import booking_rules as br

DAY = date(2026, 11, 25)
SLOT = br.Slot(DAY, time(10, 30), 30)


def at(hh: int, mm: int, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hh, mm))


def slot(hh: int, mm: int, length_min: int = 30) -> br.Slot:
    return br.Slot(DAY, time(hh, mm), length_min)


def test_a_slot_holds_its_capacity_and_no_more() -> None:
    br.check_capacity("V", SLOT, [slot(10, 30)], {"V": 2})
    with pytest.raises(br.BookingRefused, match="10:30 slot of service V .* is full") as exc:
        br.check_capacity("V", SLOT, [slot(10, 30), slot(10, 30)], {"V": 2})
    assert exc.value.code == "capacity"


def test_bookings_of_other_slots_do_not_count_and_a_service_without_capacity_refuses() -> None:
    br.check_capacity("V", SLOT, [slot(10, 0), slot(11, 0)], {"V": 1})
    with pytest.raises(br.BookingRefused, match="takes no bookings"):
        br.check_capacity("B", SLOT, [], {"V": 2})


def test_an_overlapping_longer_slot_counts() -> None:
    long_slot = br.Slot(DAY, time(10, 0), 60)
    with pytest.raises(br.BookingRefused):
        br.check_capacity("V", long_slot, [slot(10, 30)], {"V": 1})


def test_a_longer_booking_that_began_earlier_counts_and_back_to_back_ones_do_not_add_up(
        ) -> None:
    for taken in ([slot(10, 0, 60)], [slot(10, 15)], [slot(10, 45)]):
        with pytest.raises(br.BookingRefused, match="is full"):
            br.check_capacity("V", SLOT, taken, {"V": 1})
    br.check_capacity("V", SLOT, [slot(10, 0), slot(11, 0)], {"V": 1})  # they touch it only
    # one until 10:45, one from 10:45: never two at once in the 10:30 slot
    br.check_capacity("V", SLOT, [slot(10, 15), slot(10, 45)], {"V": 2})
    with pytest.raises(br.BookingRefused, match="is full"):
        br.check_capacity("V", SLOT, [slot(10, 15), slot(10, 40)], {"V": 2})


def test_large_cash_is_booked_the_day_before() -> None:
    today = DAY
    with pytest.raises(br.BookingRefused, match="at least 1 day ahead.*2026-11-26") as exc:
        br.check_lead_time("large_cash", SLOT, at(9, 0), today, 1)
    assert exc.value.code == "lead_time"
    tomorrow = br.Slot(date(2026, 11, 26), time(9, 0), 30)
    br.check_lead_time("large_cash", tomorrow, at(16, 0), today, 1)
    br.check_lead_time("consultation", SLOT, at(9, 0), today, 1)  # same day is fine


def test_a_large_cash_booking_moves_within_its_day_but_not_to_a_day_too_soon() -> None:
    today = DAY  # the cash was ordered for today; the customer asks for 11:00 instead
    later = br.Slot(DAY, time(11, 0), 30)
    br.check_lead_time("large_cash", later, at(9, 0), today, 1, cash_ordered_for=DAY)
    with pytest.raises(br.BookingRefused, match="has passed"):
        br.check_lead_time("large_cash", SLOT, at(10, 45), today, 1, cash_ordered_for=DAY)
    with pytest.raises(br.BookingRefused, match="at least 1 day ahead"):
        br.check_lead_time("large_cash", later, at(9, 0), today, 1,
                           cash_ordered_for=date(2026, 11, 27))


def test_a_slot_in_the_past_is_refused() -> None:
    with pytest.raises(br.BookingRefused, match="has passed"):
        br.check_lead_time("consultation", SLOT, at(10, 31), DAY, 1)


def test_purpose_needs_a_band_only_for_large_cash() -> None:
    assert br.check_purpose("large_cash", "200k-500k") == "200k-500k"
    assert br.check_purpose("consultation", "200k-500k") == ""
    with pytest.raises(QueueError, match="amount band"):
        br.check_purpose("large_cash", "")
    with pytest.raises(QueueError, match="purpose"):
        br.check_purpose("lunch", "")


def test_early_in_grace_and_late() -> None:
    assert br.arrival(at(10, 10), at(10, 30), 10) == br.EARLY
    assert br.arrival(at(10, 30), at(10, 30), 10) == br.IN_GRACE
    assert br.arrival(at(10, 40), at(10, 30), 10) == br.IN_GRACE
    assert br.arrival(at(10, 41), at(10, 30), 10) == br.LATE


def test_an_early_ticket_waits_from_its_slot_a_later_one_from_its_arrival() -> None:
    assert br.booked_rank_at(at(10, 10), at(10, 30)) == at(10, 30)
    assert br.booked_rank_at(at(10, 35), at(10, 30)) == at(10, 35)


def test_missed_once_the_grace_window_is_over() -> None:
    assert not br.is_missed("booked", at(10, 30), 10, at(10, 40))
    assert br.is_missed("booked", at(10, 30), 10, at(10, 41))
    assert not br.is_missed("checked_in", at(10, 30), 10, at(12, 0))
    assert br.effective_state("booked", at(10, 30), 10, at(11, 0)) == "missed"
    assert br.effective_state("cancelled", at(10, 30), 10, at(11, 0)) == "cancelled"


def test_check_in_decisions() -> None:
    def decide(state: str, now: datetime, ticket_open: bool = False,
               day: date = DAY) -> br.CheckIn:
        return br.check_in(state, day, DAY, at(10, 30, day), 10, now, ticket_open)

    assert decide("booked", at(10, 5)) == br.CheckIn("booked", "early")
    assert decide("booked", at(10, 38)) == br.CheckIn("booked", "in_grace")
    assert decide("booked", at(10, 45)) == br.CheckIn("late", "late")
    assert decide("checked_in", at(10, 50), ticket_open=True).kind == "reprint"
    assert decide("missed", at(10, 50), ticket_open=True).kind == "reprint"  # late walk-in
    for state, ticket_open, code in (("cancelled", False, "cancelled"),
                                     ("checked_in", False, "used"),
                                     ("served", False, "used")):
        with pytest.raises(br.BookingRefused) as exc:
            decide(state, at(10, 20), ticket_open)
        assert exc.value.code == code
    with pytest.raises(br.BookingRefused, match="2026-11-26, not today") as exc:
        decide("booked", at(10, 20), day=date(2026, 11, 26))
    assert exc.value.code == "other_day"


def test_codes_are_six_digits_and_never_a_taken_one() -> None:
    draws = iter([42, 42, 7])
    assert br.new_code({"000042"}.__contains__, lambda _n: next(draws)) == "000007"
    code = br.new_code(lambda _c: False)
    assert len(code) == 6 and code.isdigit()


def test_a_code_is_six_ascii_digits() -> None:
    assert br.is_code("204617") and br.is_code("000000")
    for text in ("20461", "2046170", "20461a", "２０４６１７", "204 617", ""):
        assert not br.is_code(text), text


def test_a_new_code_only_for_a_booking_still_to_be_checked_in() -> None:
    br.check_code_reissue(7, "booked", DAY, DAY)
    br.check_code_reissue(7, "booked", DAY + timedelta(days=3), DAY)
    for state, why in (("cancelled", "cancelled"), ("checked_in", "used"), ("missed", "used")):
        with pytest.raises(br.BookingRefused, match="Booking 7 is") as exc:
            br.check_code_reissue(7, state, DAY, DAY)
        assert exc.value.code == why
    with pytest.raises(br.BookingRefused, match="has passed") as exc:
        br.check_code_reissue(7, "booked", DAY - timedelta(days=1), DAY)
    assert exc.value.code == "past"


def test_a_booking_code_hash_is_keyed_and_of_its_day() -> None:
    import hashlib
    import hmac

    from kiosk.identity import booking_code_hash

    digest = booking_code_hash(DAY, "204617", "branch-secret")
    assert digest == hmac.new(b"branch-secret", f"booking_code:{DAY}:204617".encode(),
                              hashlib.sha256).hexdigest()
    assert digest != booking_code_hash(DAY + timedelta(days=1), "204617", "branch-secret")
    assert digest != booking_code_hash(DAY, "204617", "another-secret")
    assert "204617" not in digest


def test_a_slot_lies_within_the_service_hours() -> None:
    br.slot_from(DAY, time(16, 30), 30, opens=time(9), closes=time(17))
    with pytest.raises(QueueError, match="within the service's hours"):
        br.slot_from(DAY, time(16, 45), 30, opens=time(9), closes=time(17))


def test_punctual_is_called_within_five_minutes_of_the_slot() -> None:
    assert br.punctual(at(10, 35), at(10, 30))
    assert not br.punctual(at(10, 36), at(10, 30))
    assert not br.punctual(None, at(10, 30))


def test_booking_figures_made_kept_late_missed_and_punctuality() -> None:
    from kiosk.queue.figures import BookingFact, Names, booking_rows

    names = Names("支行", "Branch", {"V": ("贵宾理财", "VIP wealth management"),
                                     "A": ("个人现金", "Personal cash")}, {}, {}, {})
    slot = at(10, 30)
    facts = [
        BookingFact("V", slot, "served", at(10, 20), at(10, 33)),  # kept, punctual
        BookingFact("V", slot, "checked_in", at(10, 25), at(10, 40)),  # kept, called late
        BookingFact("V", slot, "checked_in", at(10, 36), at(10, 37)),  # kept, came late
        BookingFact("V", slot, "missed", at(10, 50), at(11, 0)),  # past grace: missed, late
        BookingFact("V", slot, "booked", None, None),  # nobody came: missed by now
        BookingFact("A", at(15, 0), "booked", None, None),  # still to come
        BookingFact("A", at(15, 0), "cancelled", None, None),
    ]
    v, a, total = booking_rows(facts, names, 600, at(12, 0))
    assert (v.key, v.made, v.kept, v.late, v.missed) == ("V", 5, 3, 2, 2)
    assert (v.punctual_base, v.punctual, v.punctuality_pct) == (2, 1, 50.0)
    assert (a.made, a.cancelled, a.kept, a.missed, a.punctuality_pct) == (2, 1, 0, 0, None)
    assert (total.key, total.made, total.kept, total.missed) == ("all", 7, 3, 2)


def test_a_booked_ticket_is_due_at_its_slot_ahead_of_walk_ins() -> None:
    from kiosk.config import load_settings
    from kiosk.queue import rules
    from tests.conftest import EXAMPLE_CONFIG

    policy = rules.Policy.from_settings(load_settings(EXAMPLE_CONFIG, environ={}))
    counter = rules.CounterState(6, ("V", "A", "B"), green_channel=False)
    walk_in = rules.Candidate(1, "A", "regular", at(10, 10))  # due 10:35 (25 min target)
    early = rules.Candidate(2, "A", "regular", at(10, 30), booked_at=at(10, 30))
    in_grace = rules.Candidate(3, "A", "regular", at(10, 33), booked_at=at(10, 30))
    # early: not before its time (the walk-in goes first) ...
    assert rules.pick_next(counter, at(10, 20), [walk_in, early], policy) is walk_in
    # ... but once within the rules' lead of its slot, it is due and goes first
    assert rules.pick_next(counter, at(10, 26), [walk_in, early], policy) is early
    # in grace: already due (its deadline is the slot), ahead of the walk-in
    assert rules.pick_next(counter, at(10, 34), [walk_in, in_grace], policy) is in_grace
    # a walk-in due earlier (its deadline passed before the slot) still goes first
    old = rules.Candidate(4, "A", "regular", at(9, 50))  # due 10:15 (25 min target)
    assert rules.pick_next(counter, at(10, 34), [old, in_grace], policy) is old
    # storage passes booked tickets beside each group's head
    heads = rules.group_heads([walk_in, early, in_grace])
    assert {c.ticket_id for c in heads} == {1, 2, 3}


def test_a_customer_holds_one_booking_at_a_time() -> None:
    br.check_customer_free(SLOT, [slot(10, 0), slot(11, 0)])  # before and after: fine
    for held in (slot(10, 30), slot(10, 15), slot(10, 0, 60)):
        with pytest.raises(br.BookingRefused, match="already booked") as exc:
            br.check_customer_free(SLOT, [held])
        assert exc.value.code == "duplicate"


def test_a_kiosk_rests_from_codes_after_five_refused_within_ten_minutes() -> None:
    t0 = at(10, 0)
    four = [t0 + timedelta(minutes=2 * i) for i in range(4)]
    assert not br.code_entry_rests(four, at(10, 8))
    five = [*four, at(10, 9)]
    assert br.code_entry_rests(five, at(10, 9)) and br.code_entry_rests(five, at(10, 23))
    assert not br.code_entry_rests(five, at(10, 24))  # 15 minutes after the last
    spread = [t0 + timedelta(minutes=4 * i) for i in range(5)]  # five over 16 minutes
    assert not br.code_entry_rests(spread, at(10, 16))
    assert br.REFUSALS_KEPT >= br.CODE_LOOKBACK == br.CODE_WINDOW + br.CODE_REST


def test_a_slot_on_the_last_day_of_the_calendar_is_refused_not_overflowed() -> None:
    with pytest.raises(QueueError, match="within the service's hours"):
        br.slot_from(date(9999, 12, 31), time(23, 59), 30, opens=time(9), closes=time(17))
    with pytest.raises(QueueError, match="within the service's hours"):
        br.slot_from(DAY, time(16, 45), 30, opens=time(9), closes=time(17))
    assert br.slot_from(DAY, time(16, 30), 30, opens=time(9), closes=time(17)).ends == at(17, 0)


# --- a slot's capacity follows the counters at work (the branch's [[breaks]]) -------------

# the example branch's cash counters (1, 2, 3, 6) and its lunch breaks, two at a time
CASH = br.Staffing(frozenset({1, 2, 3, 6}), ((1, time(11, 30), time(12, 15)),
                                             (2, time(12, 15), time(13, 0)),
                                             (3, time(13, 0), time(13, 45))))


def test_a_slot_during_a_break_holds_its_share_of_the_capacity_rounded_down() -> None:
    assert br.slot_limit(1, slot(11, 0), CASH) == 1  # every cash counter at work
    assert br.slot_limit(1, slot(11, 30), CASH) == 0  # 1 × 3/4, rounded down
    assert br.slot_limit(2, slot(11, 30), CASH) == 1  # 2 × 3/4
    assert br.slot_limit(4, slot(11, 30), CASH) == 3
    assert br.slot_limit(2, slot(13, 30), CASH) == 1  # counter 3 is back only at 13:45
    assert br.slot_limit(2, slot(13, 45, 15), CASH) == 2  # a break ending at the start
    assert br.slot_limit(2, slot(11, 0), CASH) == 2  # one beginning at the end: neither
    assert br.slot_limit(2, slot(11, 30), None) == 2  # slots that do not follow breaks


def test_breaks_one_after_another_in_a_slot_count_at_its_thinnest_moment() -> None:
    # 12:00-12:30: counter 1 away until 12:15, counter 2 from 12:15: never two at once
    assert CASH.away(slot(12, 0)) == (1, 2)
    assert CASH.fewest_at_work(slot(12, 0)) == 3
    both = br.Staffing(frozenset({1, 2}), ((1, time(11, 30), time(12, 15)),
                                           (2, time(12, 10), time(13, 0))))
    assert both.fewest_at_work(slot(12, 0)) == 0  # 12:10-12:15 nobody
    assert br.slot_limit(4, slot(12, 0), both) == 0
    assert br.slot_limit(4, slot(13, 0), both) == 4
    # a service no counter serves keeps what the branch file says
    assert br.slot_limit(2, slot(12, 0), br.Staffing(frozenset())) == 2


def test_a_slot_at_the_break_is_refused_with_the_next_free_slot() -> None:
    with pytest.raises(br.BookingRefused) as exc:
        br.check_capacity("A", slot(12, 0), [], {"A": 1}, CASH, closes=time(16, 30))
    assert exc.value.code == "break" and exc.value.next_free == time(14, 0)
    assert exc.value.away == (1, 2)
    assert str(exc.value) == (
        "The 12:00 slot of service A on 2026-11-25 is during a break of the counters that "
        "serve it (counters 1, 2 away; as few as 3 of 4 at work): it takes no bookings; "
        "the next free slot is 14:00.")


def test_a_slot_with_fewer_places_at_the_break_is_full_sooner() -> None:
    br.check_capacity("A", slot(12, 0), [], {"A": 2}, CASH)  # one place of two
    with pytest.raises(br.BookingRefused, match="takes 1 booking instead of 2, all "
                       "taken; the next free slot is 12:30") as exc:
        br.check_capacity("A", slot(12, 0), [slot(12, 0)], {"A": 2}, CASH,
                          closes=time(16, 30))
    assert exc.value.code == "break" and exc.value.next_free == time(12, 30)
    # full without the break too: the plain refusal
    with pytest.raises(br.BookingRefused, match="is full") as exc:
        br.check_capacity("A", slot(12, 0), [slot(12, 0)] * 2, {"A": 2}, CASH)
    assert exc.value.code == "capacity"


def test_a_full_slot_names_the_next_free_one_of_its_day_or_none() -> None:
    taken = [slot(10, 30), slot(11, 0)]
    with pytest.raises(br.BookingRefused, match="is full .*; the next free slot is "
                       "11:30") as exc:
        br.check_capacity("V", SLOT, taken, {"V": 1}, closes=time(17))
    assert exc.value.code == "capacity" and exc.value.next_free == time(11, 30)
    last = [slot(16, 0), slot(16, 30)]
    with pytest.raises(br.BookingRefused, match="no later slot that day is free") as exc:
        br.check_capacity("V", slot(16, 0), last, {"V": 1}, closes=time(17))
    assert exc.value.next_free is None
    # steps of the branch's slot length, each slot of the booking's length within hours
    assert br.next_free(slot(15, 0, 60), [slot(16, 0)], 1, None, 30, time(17)) is None
    quarter = [slot(15, 0, 15)]
    assert br.next_free(slot(14, 30, 60), quarter, 1, None, 30, time(17)) == time(15, 30)
    assert br.next_free(slot(14, 30, 60), quarter, 1, None, 15, time(17)) == time(15, 15)
    assert br.next_free(slot(11, 0), [], 1, CASH, 30, time(16, 30)) == time(14, 0)


# --- a slot's capacity follows the branch's expected load ---------------------------------

# the busy day's expected load (what its figures show): the peaks at 10:00 and 15:00
LOAD = br.Load({time(9): 0.70, time(10): 1.10, time(11): 0.98, time(12): 0.70,
                time(15): 1.05}, above=1.0, share=0.5)


def test_a_slot_in_a_busy_hour_holds_its_share_of_the_capacity_rounded_down() -> None:
    assert br.slot_limit(2, slot(10, 0), None, LOAD) == 1  # 1.10 > 1.0: 2 × 0.5
    assert br.slot_limit(2, slot(10, 30), None, LOAD) == 1
    assert br.slot_limit(3, slot(15, 0), None, LOAD) == 1  # 3 × 0.5 rounded down
    assert br.slot_limit(1, slot(15, 30), None, LOAD) == 0  # 1 × 0.5: none
    assert br.slot_limit(2, slot(11, 0), None, LOAD) == 2  # 0.98: not above 1.0
    assert br.slot_limit(2, slot(14, 0), None, LOAD) == 2  # an hour with no load known
    assert br.slot_limit(2, slot(10, 0), None, None) == 2  # slots that ignore the load
    # a slot across two hours takes the busier one's; the threshold is strict
    assert br.Load(LOAD.by_hour, 1.0, 0.5).expected(slot(9, 30, 60)) == 1.10
    assert br.slot_limit(2, slot(9, 30, 60), None, LOAD) == 1
    assert br.slot_limit(2, slot(9, 30), None, LOAD) == 2  # ends as the 10:00 hour begins
    assert br.slot_limit(2, slot(11, 0), None, br.Load(LOAD.by_hour, 0.98, 0.5)) == 2
    assert br.slot_limit(2, slot(11, 0), None, br.Load(LOAD.by_hour, 0.97, 0.5)) == 1


def test_the_busy_hour_rule_comes_on_top_of_the_breaks() -> None:
    lunch = br.Load({time(11): 0.98, time(12): 0.70}, above=0.9, share=0.5)
    assert br.slot_limit(4, slot(11, 30), CASH, lunch) == 1  # 4 × 3/4 = 3, then 3 × 0.5
    assert br.slot_limit(4, slot(12, 0), CASH, lunch) == 3  # the break alone


def test_a_slot_in_a_busy_hour_is_refused_with_the_next_free_slot() -> None:
    br.check_capacity("A", slot(10, 0), [], {"A": 2}, load=LOAD)  # one place of two
    with pytest.raises(br.BookingRefused) as exc:  # 10:30 is taken too: 11:00 has room
        br.check_capacity("A", slot(10, 0), [slot(10, 0), slot(10, 30)], {"A": 2},
                          load=LOAD, closes=time(16, 30))
    assert exc.value.code == "busy" and exc.value.next_free == time(11, 0)
    assert str(exc.value) == (
        "The 10:00 slot of service A on 2026-11-25 is in one of the branch's busiest hours "
        "(expected load 110% of the counters at work, above 100%): it takes 1 booking "
        "instead of 2, all taken; the next free slot is 11:00.")
    with pytest.raises(br.BookingRefused, match="takes no bookings; the next free slot is "
                       "16:00") as exc:
        br.check_capacity("A", slot(15, 0), [], {"A": 1}, load=LOAD, closes=time(16, 30))
    assert exc.value.code == "busy"
    # full without the rule too: the plain refusal
    with pytest.raises(br.BookingRefused, match="is full") as exc:
        br.check_capacity("A", slot(10, 0), [slot(10, 0)] * 2, {"A": 2}, load=LOAD)
    assert exc.value.code == "capacity"
