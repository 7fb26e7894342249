"""The sample history of past programmes the forecast is fitted to, and how it was made.

`history.json` beside this module is the shipped library: six programmes of different sizes,
mailing patterns and deadlines, with calls per half hour over business hours. It was generated
by `write_history()` below from a process shaped like real secretariats' experience (a surge
two to four days after each mailing that decays over two weeks, Monday peaks, a smaller rush
in the last week before the deadline, a late-morning and early-afternoon intraday double hump),
with Poisson noise. No real call data is in the repository.
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from pathlib import Path

import numpy as np

HISTORY = Path(__file__).with_name("history.json")
OPEN_FROM, INTERVALS = 9 * 2, 18          # 9:00-18:00, 30-minute intervals
WEEKDAY = [1.35, 1.1, 1.0, 0.95, 0.9, 0.0, 0.0]


def intraday_shape() -> np.ndarray:
    slots = np.arange(INTERVALS)
    shape = 1.0 + 0.6 * np.exp(-((slots - 3.5) / 2.2) ** 2) + 0.45 * np.exp(-((slots - 10) / 2.5) ** 2)
    shape[6:8] *= 0.8  # lunch
    return shape / shape.sum()


def _response(lag: int) -> float:
    """Calls per mailed household `lag` days after the mailing."""
    if lag < 1:
        return 0.0
    return 0.05 * (lag ** 1.6) * math.exp(-lag / 2.6) / 3.4


def write_history(path: Path = HISTORY, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    programmes = []
    shapes = [(12_000, [(0, 1.0)], 60), (45_000, [(0, 0.6), (9, 0.4)], 75), (8_000, [(0, 1.0)], 45),
              (90_000, [(0, 0.4), (7, 0.35), (14, 0.25)], 90), (30_000, [(0, 0.7), (21, 0.3)], 70),
              (20_000, [(0, 0.5), (5, 0.5)], 60)]
    for number, (targets, waves, deadline) in enumerate(shapes, start=1):
        start = date(2023, 4, 3) + timedelta(days=70 * number)
        days = deadline + 10
        wave_list = [dict(day=day, size=int(targets * share)) for day, share in waves]
        daily = []
        for d in range(days):
            when = start + timedelta(days=d)
            mean = sum(w["size"] * _response(d - w["day"]) for w in wave_list)
            to_deadline = deadline - d
            mean += targets * 0.0012 * math.exp(-to_deadline / 3) if 0 <= to_deadline <= 10 else 0
            mean += targets * 0.0004
            daily.append(mean * WEEKDAY[when.weekday()])
        intervals = [rng.poisson(np.asarray(intraday_shape()) * m).tolist() if m > 0 else [0] * INTERVALS
                     for m in daily]
        programmes.append(dict(name=f"sample-{number}", start=start.isoformat(), targets=targets,
                               deadline_day=deadline, waves=wave_list, intervals=intervals))
    path.write_text(json.dumps({"programmes": programmes}, separators=(",", ":")), encoding="utf-8")


def load_history(path: Path = HISTORY) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["programmes"]


if __name__ == "__main__":
    write_history()
