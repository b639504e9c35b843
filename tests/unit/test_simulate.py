"""The day simulator and `kiosk simulate`: scenarios, determinism, bars, errors."""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.errors import ConfigError
from kiosk.queue.simulate import (
    compare,
    day_seeds,
    draw_customers,
    draw_days,
    load_scenario,
    simulate,
)
from kiosk.queue.tradeoff import Baseline

ROOT = Path(__file__).resolve().parents[2]
BUSY = ROOT / "config" / "scenarios" / "busy-day.toml"
QUIET = ROOT / "config" / "scenarios" / "quiet-day.toml"


@pytest.fixture(scope="module")
def busy():  # type: ignore[no-untyped-def]
    return load_scenario(BUSY)


def test_busy_day_is_the_day_the_issue_describes(busy) -> None:  # type: ignore[no-untyped-def]
    counters = {c.number: c for c in busy.settings.counters if c.number in busy.counters}
    assert len(counters) == 6 and busy.hours == 8
    assert sum(c.green_channel for c in counters.values()) == 1
    assert busy.arrivals == "poisson"
    days = draw_days(busy, 1, 40)
    per_day = [len(d) for d in days]
    assert 310 <= statistics.fmean(per_day) <= 330
    assert statistics.pstdev(per_day) > 8  # Poisson days differ (sd about 18)
    customers = [c for d in days for c in d]
    vip = sum(1 for c in customers if busy.settings.tier(c.tier).priority)
    assert 0.13 <= vip / len(customers) <= 0.17
    assert busy.breaks  # a lunchtime dip
    assert busy.days == 160  # "a busy day" is a pooled sample of 160 of them


def test_same_seed_same_days(busy) -> None:  # type: ignore[no-untyped-def]
    a = simulate(busy, "accumulating", 7, days=2)
    b = simulate(busy, "accumulating", 7, days=2)
    assert [(r.day, r.customer, r.called_s, r.counter, r.estimate_s) for r in a.records] == \
           [(r.day, r.customer, r.called_s, r.counter, r.estimate_s) for r in b.records]
    assert a.to_json() | {"elapsed_s": 0, "elapsed_total_s": 0} == \
        b.to_json() | {"elapsed_s": 0, "elapsed_total_s": 0}
    assert {r.day for r in a.records} == {1, 2}


def test_days_are_independent_and_documented(busy) -> None:  # type: ignore[no-untyped-def]
    assert day_seeds(7, 3) == [7001, 7002, 7003]
    three = draw_days(busy, 7, 3)
    assert three[0] == draw_customers(busy, 7001)
    assert three[:2] == draw_days(busy, 7, 2)  # a longer run only adds days
    assert three[0] != three[1] != three[2]
    assert not set(day_seeds(1, 20)) & set(day_seeds(2, 20))
    assert len(draw_days(busy, 7)) == busy.days


def test_statistics_are_pooled_over_all_customers_of_all_days(busy) -> None:  # type: ignore[no-untyped-def]
    days = draw_days(busy, 4, 2)
    one = [simulate(busy, "fifo", 4, customers=[d]) for d in days]
    both = simulate(busy, "fifo", 4, customers=days)
    assert both.days == 2 and both.customers == sum(r.customers for r in one)
    counts = [r.tiers["regular"].count for r in one]
    pooled = sum(n * r.tiers["regular"].mean_wait_s for n, r in zip(counts, one, strict=True))
    assert both.tiers["regular"].mean_wait_s == pytest.approx(pooled / sum(counts))
    assert both.tiers["regular"].max_wait_s == max(r.tiers["regular"].max_wait_s for r in one)
    waits = sorted(r.wait_s for r in both.records if r.customer.tier == "regular")
    assert both.tiers["regular"].p95_wait_s == _p95(waits)
    assert both.elapsed_s == pytest.approx(both.elapsed_total_s / 2)


def test_every_policy_sees_the_same_customers(busy) -> None:  # type: ignore[no-untyped-def]
    results = compare(busy, 3, days=2)
    days = [sorted(((r.day, r.customer) for r in result.records), key=lambda d: (d[0], d[1].id))
            for result in results.values()]
    assert days[0] == days[1] == days[2]
    assert len(days[0]) == sum(len(d) for d in draw_days(busy, 3, 2))


def test_over_max_not_in_fifo_counts_the_same_customer_of_the_same_day(busy) -> None:  # type: ignore[no-untyped-def]
    results = compare(busy, 1, days=3)
    fifo, acc = results["fifo"], results["accumulating"]
    limit = busy.settings.rules.max_wait_s
    in_fifo = {(r.day, r.customer.id) for r in fifo.records
               if r.customer.tier == "regular" and r.wait_s > limit}
    mine = {(r.day, r.customer.id) for r in acc.records
            if r.customer.tier == "regular" and r.wait_s > limit}
    assert acc.regular_over_max_not_in_fifo == len(mine - in_fifo)
    assert fifo.regular_over_max_not_in_fifo == 0
    assert simulate(busy, "accumulating", 1, days=1).regular_over_max_not_in_fifo is None


def test_days_over_max_counts_the_days_fifo_kept_within_it(busy) -> None:  # type: ignore[no-untyped-def]
    results = compare(busy, 2, days=6)  # seed 2 has days of both kinds
    fifo, acc = results["fifo"], results["accumulating"]
    limit = busy.settings.rules.max_wait_s

    def days_over(result):  # type: ignore[no-untyped-def]
        return {r.day for r in result.records if r.customer.tier == "regular" and r.wait_s > limit}

    kept = set(range(1, 7)) - days_over(fifo)
    assert 0 < len(kept) < 6
    assert acc.fifo_days_within_max == fifo.fifo_days_within_max == len(kept)
    assert acc.regular_over_max_days_not_in_fifo == len(kept & days_over(acc))
    assert fifo.regular_over_max_days_not_in_fifo == 0


# The bars are read on 160 pooled Poisson days with confidence intervals (`kiosk simulate
# --compare`, figures in README); the tests here run few days and check how the figures
# are made and what they must show even on few days.


@pytest.fixture(scope="module")
def few(busy):  # type: ignore[no-untyped-def]
    """busy-day, 12 days (seed 3), fifo and accumulating, read against fifo."""
    results = compare(busy, 3, policies=("fifo", "accumulating"), days=12)
    baseline = Baseline(busy, results["fifo"], resamples=200)
    return results, baseline


def test_fifo_against_itself_is_one_with_no_spread(few) -> None:  # type: ignore[no-untyped-def]
    results, baseline = few
    itself = baseline.against(results["fifo"])
    for interval in (itself.vip_mean, itself.regular_mean, itself.regular_p95):
        assert (interval.value, interval.low, interval.high) == (1.0, 1.0, 1.0)
    assert itself.over_difference_pp.value == 0.0


def test_vip_lane_ratios_come_with_paired_intervals(few) -> None:  # type: ignore[no-untyped-def]
    results, baseline = few
    acc = baseline.against(results["accumulating"])
    assert acc.days == 12
    for interval in (acc.vip_mean, acc.regular_mean, acc.regular_p95):
        assert interval.low < interval.value < interval.high
    assert acc.vip_mean.high < 0.5  # the VIP tiers wait far less than under fifo
    assert acc.regular_mean.low > 1.0  # and regular customers pay for it (conservation)
    regular = [r for r in results["accumulating"].records if r.customer.tier == "regular"]
    over = sum(r.wait_s > busy_max_wait(baseline) for r in regular)
    assert acc.regular_over_pct == pytest.approx(100 * over / len(regular))
    assert acc.over_difference_pp.value == pytest.approx(acc.regular_over_pct
                                                         - acc.fifo_over_pct)


def busy_max_wait(baseline: Baseline) -> float:
    return baseline.scenario.settings.rules.max_wait_s


def test_busy_days_estimates_beat_naive_by_30pct_within_3_minutes(busy) -> None:  # type: ignore[no-untyped-def]
    acc = simulate(busy, "accumulating", 1, days=20)
    assert acc.estimate_mae_s <= 180
    assert acc.estimate_mae_s <= 0.70 * acc.naive_estimate_mae_s


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def _promising(scenario, keep: bool, margin_s: float = 300.0):  # type: ignore[no-untyped-def]
    rules = replace(scenario.settings.rules, keep_promises=keep, promise_margin_s=margin_s)
    return replace(scenario, settings=replace(scenario.settings, rules=rules))


def test_keeping_promises_keeps_more_printed_waits_but_costs_vips(busy) -> None:  # type: ignore[no-untyped-def]
    """Promise keeping (off by default): the printed wait + 5 min becomes a deadline.
    Over ten busy days (seed 1) a quarter fewer regular customers wait past their promise
    (12.0% -> 9.2%), but their waits hardly change (p95 24:59 -> 24:34) while the VIP
    mean rises by two thirds (1:27 -> 2:24): the counters' time is the same, the promise
    only moves it. That is why it is off: on seeds 1-20 and 21-60 no margin made the
    issue's bars hold together on more days."""
    late: dict[bool, list[bool]] = {}
    waits: dict[str, list[float]] = {}
    for keep in (False, True):
        scenario = _promising(busy, keep)
        for r in simulate(scenario, "accumulating", 1, days=10).records:
            if r.estimate_s is not None and r.customer.tier == "regular":
                late.setdefault(keep, []).append(r.wait_s > r.estimate_s + 300.0)
            group = "regular" if r.customer.tier == "regular" else "vip"
            waits.setdefault(f"{keep}.{group}", []).append(r.wait_s)
    assert statistics.fmean(late[True]) < 0.85 * statistics.fmean(late[False])
    assert abs(_p95(waits["True.regular"]) / _p95(waits["False.regular"]) - 1) < 0.03
    assert statistics.fmean(waits["True.vip"]) > 1.3 * statistics.fmean(waits["False.vip"])


def test_quiet_day_keeps_everyone_within_target() -> None:
    result = simulate(load_scenario(QUIET), "accumulating", 1, days=20)
    assert result.days == 20
    assert 140 * 20 <= result.customers <= 160 * 20
    assert result.tiers["regular"].within_target_pct == 100.0
    assert result.tiers["vip"].mean_wait_s < 120


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


def scenario_text(**replace: str) -> str:
    text = BUSY.read_text(encoding="utf-8").replace('"../branch.toml"',
                                                   json.dumps(str(ROOT / "config" / "branch.toml")))
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize(("replace", "message"), [
    ({"customers = 320": "customers = \"many\""},
     "scenario.customers: must be a whole number, not 'many'"),
    ({"by_hour = [12, 19, 14, 8, 7, 12, 18, 10]": "by_hour = [1, 2]"},
     "arrivals.by_hour: must list 8 non-negative weights"),
    ({"platinum = 2": "diamond = 2"}, "tiers.diamond: is not a known tier"),
    ({"[services.vip]": "[services.gold_plus]"}, "services.gold_plus: is not a tier key"),
    ({"[service_times.A]": "[service_times.Z]"}, "service_times.Z: is not a service"),
    ({'from = "11:30"': 'from = "lunch"'}, "breaks[0].from: must be a time"),
    ({"counter = 1\n": "counter = 9\n"}, "breaks[0].counter: must be one of"),
    ({"cv = 0.6": "cv = -1"}, "service_times.A.cv: must be 0 or more, not -1"),
    ({"[arrivals]": "[arrival]"}, "arrival: is not a known section"),
    ({"[scenario]": "[scenario\n"}, "not valid TOML"),
    ({"days = 160": "days = 0"}, "scenario.days: must be 1 or more, not 0"),
    ({"days = 160": "days = 2.5"}, "scenario.days: must be a whole number, not 2.5"),
    ({"days = 160": 'days = "20"'}, "scenario.days: must be a whole number, not '20'"),
])
def test_bad_scenario_names_file_and_key(tmp_path: Path, replace: dict[str, str],
                                         message: str) -> None:
    path = write(tmp_path, scenario_text(**replace))
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)


# The scenario file is checked like the branch file (config.validate): the whole error is
# one sentence, "FILE: key.path: what is wrong".
@pytest.mark.parametrize(("replace", "sentence"), [
    # out of range
    ({"customers = 320": "customers = 200000"},
     "scenario.customers: must be at most 100000, not 200000"),
    ({"no_show_rate = 0.05": "no_show_rate = 1.5"},
     "scenario.no_show_rate: must be at most 1, not 1.5"),
    ({"mean_s = 285": "mean_s = 0.5"}, "service_times.A.mean_s: must be 1 or more, not 0.5"),
    ({"cv = 0.6": "cv = inf"}, "service_times.A.cv: must be a finite number, not inf"),
    ({"by_hour = [12, 19, 14, 8, 7, 12, 18, 10]": "by_hour = [12, 19, -14, 8, 7, 12, 18, 10]"},
     "arrivals.by_hour[2]: must be 0 or more, not -14"),
    ({"V = 5\nA = 45\nB = 50": "V = 0\nA = 0\nB = 0"},
     "services.vip: weights must add up to more than 0"),
    ({"counter = 1\n": "counter = 0\n"}, "breaks[0].counter: must be 1 or more, not 0"),
    # wrong type
    ({"no_show_rate = 0.05": 'no_show_rate = "low"'},
     "scenario.no_show_rate: must be a number, not 'low'"),
    ({"regular = 85": "regular = true"}, "tiers.regular: must be a number, not True"),
    ({"by_hour = [12, 19, 14, 8, 7, 12, 18, 10]": 'by_hour = "busy"'},
     "arrivals.by_hour: must be a list, not 'busy'"),
    ({'name = "busy-day"': "name = 7"}, "scenario.name: must be text, not 7"),
    ({"counters = [1, 2, 3, 4, 5, 6]": "counters = [1, 2, 3.5]"},
     "scenario.counters[2]: must be a whole number, not 3.5"),
    # unknown key
    ({"customers = 320": "customers = 320\nseed = 4"}, "scenario.seed: is not a known setting"),
    ({"mean_s = 285": "mean = 285"}, "service_times.A.mean: is not a known setting"),
    ({'to = "12:15"': 'until = "12:15"'}, "breaks[0].until: is not a known setting"),
    ({"[arrivals]": "[arrivals]\nby_minute = [1]\n"},
     "arrivals.by_minute: is not a known setting"),
    # bad time
    ({'opens = "09:00"': 'opens = "9am"'},
     "scenario.opens: must be a time like \"09:00\", not '9am'"),
    ({'from = "11:30"': 'from = "25:00"'},
     "breaks[0].from: must be a time like \"09:00\", not '25:00'"),
    ({'closes = "17:00"': 'closes = "08:00"'}, "scenario.closes: must be later than opens"),
    ({'from = "11:30"': 'from = "08:30"'},
     "breaks[0].from: must not be before the branch opens (09:00)"),
    ({'to = "13:45"': 'to = "17:30"'}, "breaks[4].to: must not be after the branch closes (17:00)"),
    # arrivals, service-time distributions, warm-up
    ({'arrivals = "poisson"': 'arrivals = "uniform"'},
     "scenario.arrivals: must be one of poisson, fixed, not 'uniform'"),
    ({'arrivals = "poisson"': "arrivals = 1"},
     "scenario.arrivals: must be text, not 1"),
    ({"mean_s = 285\ncv = 0.6": 'mean_s = 285\ndistribution = "gamma"'},
     "service_times.A.distribution: must be one of lognormal, exponential, not 'gamma'"),
    ({"mean_s = 285\ncv = 0.6": 'mean_s = 285\ndistribution = "exponential"\ncv = 0.6'},
     "service_times.A.cv: must be left out for an exponential service time (its cv is 1)"),
    ({"customers = 320 ": "warm_up_s = 28800\ncustomers = 320 "},
     "scenario.warm_up_s: must be shorter than the opening hours"),
    ({"customers = 320 ": "warm_up_s = -60\ncustomers = 320 "},
     "scenario.warm_up_s: must be 0 or more, not -60"),
])
def test_bad_scenario_value_is_one_sentence_naming_file_and_key(
        tmp_path: Path, replace: dict[str, str], sentence: str) -> None:
    path = write(tmp_path, scenario_text(**replace))
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    assert str(err.value) == f"{path}: {sentence}"


def test_scenario_and_branch_file_give_the_same_sentence(tmp_path: Path) -> None:
    """One checker for both files: a bad number in either reads the same way."""
    branch = tmp_path / "branch.toml"
    text = (ROOT / "config" / "branch.toml").read_text(encoding="utf-8")
    branch.write_text(text.replace("max_consecutive_priority = 2 ",
                                   'max_consecutive_priority = "few" '), encoding="utf-8")
    scenario = write(tmp_path, scenario_text(**{"days = 160": 'days = "few"'}).replace(
        json.dumps(str(ROOT / "config" / "branch.toml")), '"branch.toml"'))
    with pytest.raises(ConfigError) as err:
        load_scenario(scenario)
    assert str(err.value) == f"{scenario}: scenario.days: must be a whole number, not 'few'"
    fixed = scenario_text().replace(json.dumps(str(ROOT / "config" / "branch.toml")),
                                    '"branch.toml"')
    scenario.write_text(fixed, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_scenario(scenario)
    assert str(err.value) == \
        f"{branch}: rules.max_consecutive_priority: must be a whole number, not 'few'"


def test_missing_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_scenario(tmp_path / "nope.toml")


# --- the command --------------------------------------------------------------------------


def test_simulate_compare_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--scenario", str(BUSY), "--compare", "--seed", "2", "--days", "3",
                 "--resamples", "100", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["policies", "against_fifo", "fifo_on_other_days", "resamples"]
    acc = data["against_fifo"]["accumulating"]
    assert acc["days"] == 3
    assert acc["vip_mean_ratio"]["low"] <= acc["vip_mean_ratio"]["value"] <= \
        acc["vip_mean_ratio"]["high"] < 1
    assert data["against_fifo"]["fifo"]["regular_p95_ratio"] == \
        {"value": 1.0, "low": 1.0, "high": 1.0}
    assert data["fifo_on_other_days"]["seed"] == 3
    assert list(data["policies"]) == ["fifo", "strict", "accumulating"]
    assert data["policies"]["fifo"]["regular_over_max_not_in_fifo"] == 0
    for result in data["policies"].values():
        assert result["days"] == 3 and result["seed"] == 2
        assert isinstance(result["regular_over_max_not_in_fifo"], int)
        assert result["elapsed_total_s"] >= result["elapsed_s"]
        assert set(result["tiers"]) == {"regular", "purple_gold", "gold", "platinum", "vip"}
        for tier in result["tiers"].values():
            assert {"mean_wait_s", "p95_wait_s", "max_wait_s", "within_target_pct"} <= set(tier)
        assert result["estimate_mae_s"] < result["naive_estimate_mae_s"]
        assert 0 < result["elapsed_s"] <= 2.0
    assert data["policies"]["accumulating"]["tiers"]["vip"]["mean_wait_s"] < \
        data["policies"]["fifo"]["tiers"]["vip"]["mean_wait_s"]


def test_simulate_one_policy_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--scenario", str(QUIET), "--policy", "strict", "--seed", "5",
                 "--days", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("quiet-day (seed 5, 3 days pooled):")
    assert "strict" in out and "fifo" not in out
    assert "All VIP tiers" in out and "forecast error (MAE)" in out


def test_simulate_compare_table_has_a_column_per_policy(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--scenario", str(BUSY), "--compare", "--days", "4",
                 "--resamples", "100"]) == 0
    lines = capsys.readouterr().out.splitlines()
    days = draw_days(load_scenario(BUSY), 1, 4)
    assert lines[0].startswith(f"busy-day (seed 1, 4 days pooled): "
                               f"{sum(len(d) for d in days)} customers,")
    assert "95% intervals, paired bootstrap over the days" in lines[0]
    assert lines[2].split() == ["fifo", "strict", "accumulating"]
    vip = next(line for line in lines if "VIP mean wait, of fifo's" in line)
    assert vip.split()[7:9] == ["100.0%", "(100.0-100.0)"]  # fifo against itself
    assert any(line.startswith("fifo on 4 other days (seed 2) against fifo") for line in lines)
    bars = lines[lines.index("Bars (accumulating, 4 days, 95% intervals):"):]
    assert [b.split(":")[0].strip() for b in bars[1:]] == [
        "VIP mean wait <= 30% of fifo's", "regular p95 <= 115% of fifo's",
        "regulars over 30"]


def test_sweep_runs_each_value_against_fifo_as_configured(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--scenario", str(BUSY), "--days", "3", "--seed", "3", "--json",
                 "--sweep", "rules.guarantee_at_green_channel=false,true"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["policy"] == "accumulating"
    assert data["key"] == "rules.guarantee_at_green_channel"
    assert [r["value"] for r in data["runs"]] == ["false", "true"]
    as_configured = compare(load_scenario(BUSY), 3, days=3)
    assert data["fifo"]["tiers"] == json.loads(json.dumps(
        as_configured["fifo"].to_json()["tiers"]))
    off, on = data["runs"]
    assert off["tiers"] == as_configured["accumulating"].to_json()["tiers"]
    assert off["regular_over_max_not_in_fifo"] == \
        as_configured["accumulating"].regular_over_max_not_in_fifo
    keeping = simulate(load_scenario(BUSY, overrides=["rules.guarantee_at_green_channel=true"]),
                       "accumulating", 3, days=3)
    assert on["tiers"] == keeping.to_json()["tiers"] != off["tiers"]


def test_set_changes_a_setting_for_the_run(capsys: pytest.CaptureFixture[str]) -> None:
    def regular_p95(*flags: str) -> float:
        assert main(["simulate", "--scenario", str(BUSY), "--policy", "accumulating",
                     "--days", "2", "--json", *flags]) == 0
        return float(json.loads(capsys.readouterr().out)["tiers"]["regular"]["p95_wait_s"])

    assert regular_p95("--set", "rules.max_consecutive_priority=1",
                       "--set", "tiers.platinum.rate=20") != regular_p95()


def test_sweep_table_and_fifo_against_itself(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--scenario", str(BUSY), "--days", "4", "--policy", "fifo",
                 "--sweep", "rules.preference_bonus_s=300,240"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("busy-day (seed 1, 4 days pooled): fifo with each value of "
                               "rules.preference_bonus_s, against fifo")
    assert lines[2].split() == ["300", "240"]
    share = next(line for line in lines if line.strip().startswith("of fifo's"))
    assert share.split()[-2] == "100%"  # the configured value is fifo itself
    not_in = next(line for line in lines if "not under fifo" in line)
    assert not_in.split()[-2] == "0"


@pytest.mark.parametrize(("flags", "message"), [
    (["--sweep", "rules.max_wait_s"], "--sweep rules.max_wait_s: expected KEY=V1,V2,..."),
    (["--sweep", "rules.max_wait_s=1,,2"], "expected KEY=V1,V2,..."),
    (["--sweep", "rules.max_wait_s=1500", "--compare"], "--sweep runs one policy"),
    (["--sweep", "rules.max_wait_s=soon"], "rules.max_wait_s: must be a number"),
    (["--set", "tiers.diamond.rate=2"], "no tiers entry with key = diamond"),
])
def test_bad_sweep_or_set_is_one_line(capsys: pytest.CaptureFixture[str], flags: list[str],
                                      message: str) -> None:
    assert main(["simulate", "--scenario", str(QUIET), "--days", "1", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kiosk: ") and "\n" not in err and message in err


def test_days_option_overrides_the_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--scenario", str(QUIET), "--policy", "fifo", "--days", "1"]) == 0
    assert capsys.readouterr().out.startswith("quiet-day (seed 1, 1 day): ")
    assert main(["simulate", "--scenario", str(QUIET), "--compare", "--days", "0"]) == 2
    assert capsys.readouterr().err.strip() == \
        "kiosk: --days must be a whole number from 1 to 1000."


def test_simulate_bad_scenario_is_one_line_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, scenario_text(**{"customers = 320": "customers = -5"}))
    assert main(["simulate", "--scenario", str(path), "--compare"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == f"kiosk: {path}: scenario.customers: must be 1 or more, not -5"


def test_simulate_can_keep_promises(capsys: pytest.CaptureFixture[str]) -> None:
    def vip_mean(*flags: str) -> float:
        assert main(["simulate", "--scenario", str(BUSY), "--policy", "accumulating",
                     "--days", "2", "--json", *flags]) == 0
        return float(json.loads(capsys.readouterr().out)["tiers"]["vip"]["mean_wait_s"])

    assert vip_mean("--keep-promises", "on", "--promise-margin", "0") > vip_mean()
    assert vip_mean("--keep-promises", "off", "--promise-margin", "0") == vip_mean()
    assert main(["simulate", "--promise-margin", "-5"]) == 2
    assert capsys.readouterr().err.strip() == \
        "kiosk: --promise-margin must be 0 seconds or more."


def test_simulate_unknown_policy_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", "--policy", "lottery"])
    assert exit_.value.code == 2
    assert "invalid choice: 'lottery'" in capsys.readouterr().err


def test_frontier_writes_the_curve_and_its_table(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "curve"
    assert main(["simulate", "--scenario", str(BUSY), "--frontier", "--days", "3",
                 "--resamples", "100", "--sweep", "rules.deadline_lead_s=0,600",
                 "--sweep", "vip.base_factor=2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("busy-day: 8 ways of calling on 3 days, each against fifo")
    assert "| 2:1 priority cycle |" in text and "| rules.deadline_lead_s=600 |" in text
    assert "As configured: VIP mean" in text and "Meet all three bars" in text
    for name in ("curve.png", "curve-over.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
    rows = (tmp_path / "curve.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + 8 and rows[0].startswith("label,kind,on_curve,on_over_curve,")
    assert len((tmp_path / "curve.md").read_text(encoding="utf-8").splitlines()) == 2 + 8


@pytest.mark.parametrize(("flags", "message"), [
    (["--sweep", "vip.rate_factor=lots"], "--sweep vip.rate_factor: a factor is a number "
                                          "from 0 to 100, not 'lots'"),
    (["--out", "/nonexistent/dir/curve"], "--out /nonexistent/dir/curve: the folder "
                                          "/nonexistent/dir does not exist."),
    (["--set", "rules.policy=fifo"], "the curve is read against fifo"),
])
def test_bad_frontier_is_one_line(capsys: pytest.CaptureFixture[str], flags: list[str],
                                  message: str) -> None:
    assert main(["simulate", "--scenario", str(QUIET), "--days", "1", "--resamples", "100",
                 "--frontier", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kiosk: ") and "\n" not in err and message in err
