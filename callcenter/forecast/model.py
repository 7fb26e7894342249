"""The busy-curve model: how many calls a programme's mailings bring, day by day and per half hour.

    calls(day) = open(day) × weekday(day) × ( Σ_waves size × response(day − wave day)
                                              + targets × deadline_rush(deadline − day)
                                              + targets × base )

`response` (per mailed household, by days since the mailing), `deadline_rush` (per target, by
days left) and `base` are fitted by non-negative least squares to a library of past programmes;
the weekday factors and the intraday shape are their averages. A day already under way is
re-forecast from what has come in so far. `backtest` holds out each past programme in turn.

The library is all paper: every household was mailed a form to send back. A programme whose
households may also answer online (ファストパス) or by letting a push notice (支給のお知らせ) stand
gets fewer calls, and the model says so in its own terms: each mailed household and each target
counts with its plan's `call_weight`, the expected paper share plus the online share times the
online households' relative call rate (`ONLINE_CALL_RATE`, or the programme's measured rate; see
`callcenter.forecast.channels`). A paper-only plan has weight exactly 1: its forecast is the
library's. The paper-form part of each wave's response also gives the mailroom its figure, the
paper forms expected back per day (`BusyCurve.paper_returns`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

from callcenter.forecast.samples import INTERVALS, load_history
from callcenter.inquiries.clock import is_business_day

LAGS = 35
RUSH = 11

# Calls from a household that answers online or by push, relative to one that answers on paper.
# An assumption until a programme measures its own (`callcenter.forecast.channels`): the online
# form checks the answers on the spot and prefills the account, so the "how do I fill in the account
# section", "why was my form sent back" and "I lost the form" calls mostly go; push households need
# no form at all. "Is this a scam?", "am I eligible?" and "when will I be paid?" stay: about half.
ONLINE_CALL_RATE = 0.5
# Of the households that answer on paper, the share whose form comes back by the deadline: an
# assumption (confirmation-form programmes see nine in ten households answer; the rest expire).
PAPER_RETURN_RATE = 0.9


@dataclass(frozen=True)
class Plan:
    """What is known of a programme before its phones ring: mailings, deadline, size."""

    start: date
    days: int
    targets: int
    deadline_day: int
    waves: tuple[tuple[int, int], ...]  # (day, households mailed)
    paper_share: float = 1.0            # expected share of households answering on paper
    online_call_rate: float = ONLINE_CALL_RATE  # an online or push household's calls per a paper one's

    @property
    def call_weight(self) -> float:
        """What a household counts for in calls, against the all-paper library: the paper share at
        full weight, the online share (web and push) at the online households' relative rate."""
        return self.paper_share + (1.0 - self.paper_share) * self.online_call_rate

    @classmethod
    def from_history(cls, entry: dict) -> "Plan":
        return cls(start=date.fromisoformat(entry["start"]), days=len(entry["intervals"]), targets=entry["targets"],
                   deadline_day=entry["deadline_day"], waves=tuple((w["day"], w["size"]) for w in entry["waves"]))

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=d) for d in range(self.days)]


def features(plan: Plan) -> np.ndarray:
    """Per day: households mailed `lag` days before (one column per lag), targets in the deadline
    rush's column for the days left, and targets again for the base; each household counted with
    the plan's `call_weight` (1 for the all-paper library)."""
    rows = np.zeros((plan.days, LAGS + RUSH + 1))
    weight = plan.call_weight
    for day in range(plan.days):
        for wave_day, size in plan.waves:
            lag = day - wave_day
            if 0 <= lag < LAGS:
                rows[day, lag] += size * weight
        left = plan.deadline_day - day
        if 0 <= left < RUSH:
            rows[day, LAGS + left] = plan.targets * weight
        rows[day, -1] = plan.targets * weight
    return rows


def _nonnegative_least_squares(matrix: np.ndarray, target: np.ndarray) -> np.ndarray:
    active = np.ones(matrix.shape[1], dtype=bool)
    for _ in range(matrix.shape[1]):
        solution = np.zeros(matrix.shape[1])
        solution[active] = np.linalg.lstsq(matrix[:, active], target, rcond=None)[0]
        negative = solution < 0
        if not negative.any():
            return solution
        active &= ~negative
    return np.clip(solution, 0, None)


@dataclass
class BusyCurve:
    coefficients: np.ndarray
    weekday: np.ndarray   # 7 factors, Monday first
    shape: np.ndarray     # share of a day's calls in each half hour

    def open_factors(self, plan: Plan) -> np.ndarray:
        return np.array([self.weekday[d.weekday()] if is_business_day(d) else 0.0 for d in plan.dates()])

    def daily(self, plan: Plan) -> np.ndarray:
        return self.open_factors(plan) * (features(plan) @ self.coefficients)

    def intervals(self, plan: Plan) -> np.ndarray:
        return self.daily(plan)[:, None] * self.shape[None, :]

    def paper_returns(self, plan: Plan) -> np.ndarray:
        """Paper forms expected back per day (返送見込み): the paper households' forms
        (targets × paper share × `PAPER_RETURN_RATE`), arriving as the waves' fitted response runs
        (an assumption: forms come back on the same curve as the calls each mailing brings). Post is
        delivered on business days only: a closed day's forms arrive on the next business day."""
        response = np.clip(self.coefficients[:LAGS], 0, None)
        weights = np.zeros(plan.days)
        for day in range(plan.days):
            for wave_day, size in plan.waves:
                if 0 <= day - wave_day < LAGS:
                    weights[day] += size * response[day - wave_day]
        if weights.sum() <= 0:
            return weights
        returns = plan.targets * plan.paper_share * PAPER_RETURN_RATE * weights / weights.sum()
        return _on_business_days(returns, plan.dates())



def _on_business_days(amounts: np.ndarray, dates: list[date]) -> np.ndarray:
    """Each closed day's amount moved to the next business day (the plan's last day keeps what is left)."""
    moved, carry = np.zeros_like(amounts), 0.0
    for index, (amount, day) in enumerate(zip(amounts, dates)):
        carry += amount
        if is_business_day(day) or index == len(dates) - 1:
            moved[index], carry = carry, 0.0
    return moved


def reforecast_day(forecast: np.ndarray, actual_so_far: list[int]) -> np.ndarray:
    """A day under way: the half hours gone are what came in, the rest the forecast scaled by how
    the day has run so far (within ×0.5 … ×2, so one odd half hour cannot swing the day)."""
    done = len(actual_so_far)
    expected = float(np.asarray(forecast)[:done].sum())
    ratio = float(np.clip(sum(actual_so_far) / expected, 0.5, 2.0)) if expected > 0 and done else 1.0
    return np.concatenate([np.asarray(actual_so_far, dtype=float), np.asarray(forecast)[done:] * ratio])


def fit(history: list[dict]) -> BusyCurve:
    daily = [np.array(entry["intervals"]).sum(axis=1) for entry in history]
    plans = [Plan.from_history(entry) for entry in history]
    weekday = _weekday_factors(plans, daily)
    rows, targets = [], []
    for plan, actual in zip(plans, daily):
        factors = np.array([weekday[d.weekday()] for d in plan.dates()])
        open_days = factors > 0
        rows.append(features(plan)[open_days] * factors[open_days, None])
        targets.append(actual[open_days])
    coefficients = _nonnegative_least_squares(np.vstack(rows), np.concatenate(targets))
    intervals = np.vstack([np.array(entry["intervals"]) for entry in history]).sum(axis=0).astype(float)
    return BusyCurve(coefficients=coefficients, weekday=weekday, shape=intervals / intervals.sum())


def _weekday_factors(plans: list[Plan], daily: list[np.ndarray]) -> np.ndarray:
    """Each weekday's calls against its week's average, over the whole library."""
    sums, counts = np.zeros(7), np.zeros(7)
    for plan, actual in zip(plans, daily):
        for week in range(0, plan.days - 6, 7):
            block = actual[week:week + 7]
            mean = block.sum() / 5
            if mean <= 0:
                continue
            for offset in range(7):
                weekday = (plan.start + timedelta(days=week + offset)).weekday()
                sums[weekday] += block[offset] / mean
                counts[weekday] += 1
    factors = np.where(counts > 0, sums / np.maximum(counts, 1), 0.0)
    return factors / factors[:5].mean()


@lru_cache(maxsize=1)
def shipped_model() -> BusyCurve:
    """The busy curve fitted to the shipped history: fitted once per process, not per page."""
    return fit(load_history())


@lru_cache(maxsize=1)
def shipped_backtest() -> dict:
    """The shipped history's backtest (six fits), likewise computed once."""
    return backtest(load_history())


def wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Weighted absolute percentage error: Σ|actual − forecast| / Σ actual."""
    total = float(np.sum(actual))
    return float(np.abs(np.asarray(actual) - np.asarray(forecast)).sum() / total) if total else 0.0


def backtest(history: list[dict] | None = None) -> dict:
    """Hold out each programme in turn, fit the rest, forecast it: WAPE per day and per interval."""
    history = history if history is not None else load_history()
    results = []
    for held_out in range(len(history)):
        model = fit(history[:held_out] + history[held_out + 1:])
        entry = history[held_out]
        plan = Plan.from_history(entry)
        actual = np.array(entry["intervals"], dtype=float)
        forecast = model.intervals(plan)
        results.append(dict(programme=entry["name"], wape_day=wape(actual.sum(axis=1), forecast.sum(axis=1)),
                            wape_interval=wape(actual, forecast)))
    return dict(programmes=results, wape_day=float(np.mean([r["wape_day"] for r in results])),
                wape_interval=float(np.mean([r["wape_interval"] for r in results])))


__all__ = ["BusyCurve", "INTERVALS", "ONLINE_CALL_RATE", "PAPER_RETURN_RATE", "Plan", "backtest", "fit",
           "reforecast_day", "shipped_backtest", "shipped_model", "wape"]
