import json
import math

import numpy as np
import pytest

from callcenter.staffing.erlang import (erlang_a_performance, erlang_c_performance, required_agents,
                                        required_agents_per_interval)

REFERENCE = dict(calls=100, interval_s=1800, aht_s=180, target_s=20, service_level=0.8)


def test_erlang_c_agrees_with_the_published_reference_to_the_printed_precision():
    needed = required_agents(**REFERENCE, shrinkage=0.3)
    figures = needed.performance
    assert (needed.agents, needed.scheduled) == (14, 20)
    assert round(figures.service_level * 100, 1) == 88.8
    assert round(figures.probability_of_wait * 100, 1) == 17.4
    assert round(figures.average_speed_of_answer_s, 1) == 7.8
    assert round(figures.occupancy * 100, 1) == 71.4


def test_one_agent_fewer_misses_the_target():
    figures = erlang_c_performance(13, 100, 1800, 180, 20)
    assert figures["service_level"] < 0.8


def test_a_maximum_occupancy_can_ask_for_more_agents_than_the_service_level():
    assert required_agents(**REFERENCE, max_occupancy=0.6).agents == 17  # 10 erlangs / 17 = 58.8%


def test_neither_model_overflows_at_20000_calls_an_interval():
    big = dict(REFERENCE, calls=20_000)
    erlang_c = required_agents(**big)
    erlang_a = required_agents(**big, patience_s=120)
    for figures in (erlang_c.performance, erlang_a.performance):
        assert all(math.isfinite(value) for value in
                   (figures.service_level, figures.probability_of_wait, figures.average_speed_of_answer_s))
    assert erlang_c.agents > 2000 and 0.8 <= erlang_c.performance.service_level < 0.85


def test_erlang_a_with_endless_patience_is_erlang_c():
    a = erlang_a_performance(14, 100, 1800, 180, 20, patience_s=1e9)
    c = erlang_c_performance(14, 100, 1800, 180, 20)
    assert a.service_level == pytest.approx(float(c["service_level"]), abs=1e-6)
    assert a.probability_of_wait == pytest.approx(float(c["probability_of_wait"]), abs=1e-6)


def test_erlang_a_may_staff_below_the_offered_load_when_abandonment_is_allowed():
    needed = required_agents(calls=100, interval_s=1800, aht_s=180, target_s=20, service_level=0.5, patience_s=30,
                             max_abandonment=0.3)
    assert needed.agents < 10  # the offered load is 10 erlangs
    assert needed.performance.abandonment_rate <= 0.3


def simulate(agents, calls, interval_s, aht_s, target_s, patience_s, callers=300_000, seed=5):
    """An independent check: FIFO M/M/n+M by following callers one by one."""
    import heapq

    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(interval_s / calls, callers))
    services = rng.exponential(aht_s, callers)
    patience = rng.exponential(patience_s, callers)
    free = [0.0] * agents
    waited = answered_in_time = abandoned = queued_time = 0
    for arrival, service, willing in zip(arrivals, services, patience):
        wait = max(0.0, free[0] - arrival)
        if wait > willing:
            abandoned += 1
            queued_time += willing
            waited += 1
            continue
        waited += wait > 0
        queued_time += wait
        answered_in_time += wait <= target_s
        heapq.heapreplace(free, arrival + wait + service)
    return dict(service_level=answered_in_time / callers, probability_of_wait=waited / callers,
                abandonment_rate=abandoned / callers, average_speed_of_answer_s=queued_time / callers)


@pytest.mark.parametrize("agents, patience_s", [(9, 60), (11, 120), (14, 30)])
def test_erlang_a_agrees_with_a_simulation(agents, patience_s):
    exact = erlang_a_performance(agents, 100, 1800, 180, 20, patience_s)
    simulated = simulate(agents, 100, 1800, 180, 20, patience_s)
    assert exact.service_level == pytest.approx(simulated["service_level"], abs=0.01)
    assert exact.probability_of_wait == pytest.approx(simulated["probability_of_wait"], abs=0.01)
    assert exact.abandonment_rate == pytest.approx(simulated["abandonment_rate"], abs=0.01)
    assert exact.average_speed_of_answer_s == pytest.approx(simulated["average_speed_of_answer_s"], rel=0.05, abs=0.3)


def test_a_whole_plan_is_staffed_at_once_with_the_same_answers_as_one_by_one():
    calls = np.array([0, 5, 40, 100, 250, 1000])
    plan = required_agents_per_interval(calls=calls, interval_s=1800, aht_s=180, target_s=20, service_level=0.8)
    one_by_one = [required_agents(**dict(REFERENCE, calls=c)).agents for c in calls]
    assert list(plan) == one_by_one


def test_the_cli_prints_the_what_if_as_json(cli):
    answer = cli("callcenter", "erlang", "--calls", 100, "--interval-min", 30, "--aht-s", 180, "--target-s", 20,
                 "--service-level", 0.8, "--shrinkage", 0.3, "--json")
    assert answer.exit_code == 0, answer.output
    result = json.loads(answer.stdout)
    assert (result["agents"], result["scheduled"], result["model"]) == (14, 20, "erlang_c")
    assert "abandonment_rate" not in result


def test_the_cli_with_patience_uses_erlang_a(cli):
    answer = cli("callcenter", "erlang", "--calls", 100, "--interval-min", 30, "--aht-s", 180, "--target-s", 20,
                 "--service-level", 0.8, "--patience-s", 60, "--json")
    result = json.loads(answer.stdout)
    assert result["model"] == "erlang_a" and 0 < result["abandonment_rate"] < 0.1


def test_the_cli_refuses_a_service_level_given_as_a_percentage(cli):
    answer = cli("callcenter", "erlang", "--calls", 100, "--interval-min", 30, "--aht-s", 180, "--target-s", 20,
                 "--service-level", 80)
    assert answer.exit_code == 2 and "サービスレベルは割合（0 を超え 1 以下）" in answer.output
