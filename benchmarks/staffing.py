"""Benchmark: staffing a 90-day programme at 30-minute intervals (4,320 intervals).

    .venv/bin/python benchmarks/staffing.py [--days 90] [--patience-s 120]

Erlang C for every interval at once (the target: under a second), then Erlang A interval by
interval for comparison. The call volumes are a synthetic busy curve: a mailing-wave peak that
decays, business hours only.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from callcenter.staffing.erlang import required_agents, required_agents_per_interval


def busy_curve(days: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    day = np.arange(days * 48) // 48
    slot = np.arange(days * 48) % 48
    open_hours = (slot >= 18) & (slot < 36)                      # 9:00-18:00
    daily = 3000 * np.exp(-day / 12) + 300                       # the wave's decay after mailing
    intraday = np.sin(np.pi * (slot - 18) / 18).clip(0) + 0.2
    return np.where(open_hours, rng.poisson(daily * intraday / 18), 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--patience-s", type=float, default=120)
    arguments = parser.parse_args()
    calls = busy_curve(arguments.days)
    started = time.perf_counter()
    agents = required_agents_per_interval(calls=calls, interval_s=1800, aht_s=180, target_s=20, service_level=0.8,
                                          max_occupancy=0.9)
    erlang_c_s = time.perf_counter() - started
    print(f"{len(calls):,} intervals ({arguments.days} days × 48), {int(calls.sum()):,} calls, "
          f"peak {int(calls.max())} calls an interval")
    print(f"Erlang C, all intervals at once: {erlang_c_s * 1000:.0f} ms; peak {agents.max()} agents, "
          f"{agents.sum() / 2:,.0f} agent-hours")
    busy = calls > 0
    started = time.perf_counter()
    erlang_a = [required_agents(calls=float(c), interval_s=1800, aht_s=180, target_s=20, service_level=0.8,
                                max_occupancy=0.9, patience_s=arguments.patience_s).agents for c in calls[busy]]
    erlang_a_s = time.perf_counter() - started
    print(f"Erlang A (patience {arguments.patience_s:g} s), interval by interval: {erlang_a_s:.1f} s; "
          f"{sum(erlang_a) / 2:,.0f} agent-hours")


if __name__ == "__main__":
    main()
