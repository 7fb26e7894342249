"""How many agents an interval needs: Erlang C (callers wait forever) and Erlang A (callers
hang up after an exponentially distributed patience).

Both are exact. Erlang C goes through the Erlang B recursion, B(n) = A·B(n-1) / (n + A·B(n-1)),
which never forms a factorial or a power, so 20,000 calls an interval do not overflow. Erlang A
(M/M/n+M) uses the birth-death chain itself: its stationary distribution, computed as running
products of ratios and truncated where the tail is negligible. The service level of Erlang A
(answered within T, of all offered calls) needs the time until a waiting caller reaches an
agent; that is a chain of exponential stages (one per caller ahead), solved by uniformisation.

Every function takes arrays (one value per interval) as well as scalars.

Definitions used in the output:
- service level: the share of offered calls answered within the target time;
- probability of wait: the share of calls that find every agent busy;
- average speed of answer (ASA): the mean wait over all offered calls (Little: Lq / λ);
- occupancy: the share of agents' staffed time spent talking;
- abandonment rate: the share of offered calls that hang up before an answer.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

TAIL = 1e-12  # Erlang A: the chain is cut where the remaining probability is below this


@dataclass(frozen=True)
class Performance:
    agents: int
    service_level: float
    probability_of_wait: float
    average_speed_of_answer_s: float
    occupancy: float
    abandonment_rate: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def offered_load(calls: float, interval_s: float, aht_s: float) -> float:
    """Traffic in erlangs: calls per interval times handle time over the interval's length."""
    return calls * aht_s / interval_s


def erlang_b(agents: np.ndarray | int, load: np.ndarray | float) -> np.ndarray:
    """Blocking probability, by the stable recursion; vectorised over intervals."""
    agents = np.asarray(agents, dtype=np.int64)
    load = np.asarray(load, dtype=float)
    agents, load = np.broadcast_arrays(agents, load)
    blocking = np.ones(load.shape)
    for n in range(1, int(agents.max(initial=0)) + 1):
        step = load * blocking / (n + load * blocking)
        blocking = np.where(agents >= n, step, blocking)
    return blocking


def erlang_c(agents, load) -> np.ndarray:
    """Probability that a caller waits (every agent busy); 1 when the load is at or over capacity."""
    agents = np.asarray(agents, dtype=float)
    load = np.asarray(load, dtype=float)
    blocking = erlang_b(agents.astype(np.int64), load)
    with np.errstate(divide="ignore", invalid="ignore"):
        waiting = agents * blocking / (agents - load * (1 - blocking))
    return np.where(agents > load, np.clip(waiting, 0.0, 1.0), 1.0)


def erlang_c_performance(agents, calls, interval_s, aht_s, target_s) -> dict[str, np.ndarray]:
    """Service level, probability of wait, ASA and occupancy for `agents` on each interval."""
    agents = np.asarray(agents, dtype=float)
    load = offered_load(np.asarray(calls, dtype=float), interval_s, aht_s)
    waits = erlang_c(agents, load)
    spare = (agents - load) / aht_s  # the rate at which a queue drains, per second
    stable = agents > load
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        service_level = np.where(stable, 1 - waits * np.exp(-spare * target_s), 0.0)
        asa = np.where(stable, waits / spare, np.inf)
        occupancy = np.where(agents > 0, np.minimum(load / agents, 1.0), 1.0)
    return dict(service_level=service_level, probability_of_wait=waits, average_speed_of_answer_s=asa,
                occupancy=occupancy)


def erlang_a_performance(agents: int, calls: float, interval_s: float, aht_s: float, target_s: float,
                         patience_s: float) -> Performance:
    """Erlang A (M/M/n+M) for one interval, exactly (see the module's docstring)."""
    rate = calls / interval_s              # λ, calls per second
    mu = 1 / aht_s                         # service rate of one agent
    theta = 1 / patience_s                 # abandonment rate of one waiting caller
    n = int(agents)
    # stationary distribution of the number in system, as log-probabilities up to normalisation
    logs = [0.0]
    i = 0
    while True:
        death = (i + 1) * mu if i + 1 <= n else n * mu + (i + 1 - n) * theta
        if death <= 0:
            break
        logs.append(logs[-1] + math.log(rate) - math.log(death) if rate > 0 else -math.inf)
        i += 1
        if i > n and logs[-1] - max(logs) < math.log(TAIL) and logs[-1] < logs[-2]:
            break
        if i > n + 1_000_000:
            raise ValueError("the queue does not settle; check the patience and the load")
    logs = np.array(logs)
    probabilities = np.exp(logs - logs.max())
    probabilities /= probabilities.sum()
    waiting = probabilities[n:]            # states n, n+1, …: every agent busy
    queue_ahead = np.arange(len(waiting))  # callers already waiting when one more arrives
    probability_of_wait = float(waiting.sum())
    queue_length = float((queue_ahead * waiting).sum())
    abandonment = theta * queue_length / rate if rate > 0 else 0.0
    answered_late_or_never = _not_answered_within(queue_ahead, n * mu, theta, target_s)
    service_level = 1 - probability_of_wait + float((waiting * (1 - answered_late_or_never)).sum())
    busy = rate * (1 - abandonment) * aht_s
    return Performance(agents=n, service_level=service_level, probability_of_wait=probability_of_wait,
                       average_speed_of_answer_s=queue_length / rate if rate > 0 else 0.0,
                       occupancy=min(busy / n, 1.0) if n else 1.0, abandonment_rate=abandonment)


def _not_answered_within(ahead: np.ndarray, service_rate: float, theta: float, target_s: float) -> np.ndarray:
    """For a caller arriving with k callers ahead: the probability of NOT reaching an agent within
    target_s before hanging up. With j callers ahead the caller moves up at rate nμ + jθ and hangs
    up at rate θ. Uniformised at the chain's fastest rate, a backward recursion over the number
    of steps gives u_m(j) = P(answered within m steps | j ahead) for every j at once."""
    stages = len(ahead)
    top = service_rate + stages * theta + theta
    advance = (service_rate + np.arange(stages) * theta) / top
    stay = 1 - advance - theta / top
    poisson_mean = top * target_s
    steps = int(poisson_mean + 10 * math.sqrt(poisson_mean) + 20)
    within = np.zeros(stages)     # u_m
    reached = np.zeros(stages)    # Σ_m P(N(T) = m) · u_m
    log_weight = -poisson_mean
    for m in range(steps + 1):
        reached += math.exp(log_weight) * within
        ahead_done = np.concatenate(([1.0], within[:-1]))  # one step further on: answered when j = 0 moves
        within = advance * ahead_done + stay * within
        log_weight += math.log(poisson_mean) - math.log(m + 1)
    return 1 - reached


@dataclass(frozen=True)
class Requirement:
    """Agents needed for one interval, before and after shrinkage, and how the interval then runs."""

    agents: int
    scheduled: int
    performance: Performance

    def as_dict(self) -> dict:
        return self.performance.as_dict() | dict(agents=self.agents, scheduled=self.scheduled)


def required_agents(*, calls: float, interval_s: float, aht_s: float, target_s: float, service_level: float,
                    max_occupancy: float = 1.0, shrinkage: float = 0.0, patience_s: float | None = None,
                    max_abandonment: float | None = None) -> Requirement:
    """The fewest agents meeting the service level, the occupancy cap and, with patience, the
    abandonment cap. With patience (Erlang A) that may be fewer than the offered load."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage is a share below 1 (0.3 for 30%)")
    load = offered_load(calls, interval_s, aht_s)
    if calls <= 0:
        empty = Performance(0, 1.0, 0.0, 0.0, 0.0, 0.0 if patience_s else None)
        return Requirement(0, 0, empty)

    def meets(agents: int) -> Performance | None:
        performance = _performance(agents, calls, interval_s, aht_s, target_s, patience_s)
        fine = (performance.service_level >= service_level and performance.occupancy <= max_occupancy
                and (max_abandonment is None or (performance.abandonment_rate or 0) <= max_abandonment))
        return performance if fine else None

    # every target gets easier with each agent added, so the fewest agents is found by halving
    low = 0 if patience_s else math.floor(load)   # known not to be enough
    high = int(load * 3) + 50
    if meets(high) is None:
        raise ValueError("no staffing up to three times the load meets these targets")
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if meets(middle) else (middle, high)
    return Requirement(high, math.ceil(high / (1 - shrinkage) - 1e-9), meets(high))


def _performance(agents, calls, interval_s, aht_s, target_s, patience_s) -> Performance:
    if patience_s:
        return erlang_a_performance(agents, calls, interval_s, aht_s, target_s, patience_s)
    figures = erlang_c_performance(agents, calls, interval_s, aht_s, target_s)
    return Performance(agents=agents, **{key: float(value) for key, value in figures.items()})


def required_agents_per_interval(*, calls: np.ndarray, interval_s: float, aht_s: float, target_s: float,
                                 service_level: float, max_occupancy: float = 1.0) -> np.ndarray:
    """Erlang C requirement for many intervals at once (a 90-day plan in one call), vectorised:
    all intervals step up together until each meets its targets."""
    calls = np.asarray(calls, dtype=float)
    load = offered_load(calls, interval_s, aht_s)
    agents = np.where(calls > 0, np.floor(load) + 1, 0.0)
    agents = np.maximum(agents, np.ceil(load / max_occupancy - 1e-9))
    for _ in range(int(load.max(initial=0)) + 100):
        figures = erlang_c_performance(np.maximum(agents, 1), calls, interval_s, aht_s, target_s)
        short = (calls > 0) & (figures["service_level"] < service_level)
        if not short.any():
            return agents.astype(int)
        agents = agents + short
    raise ValueError("the requirement did not settle")
