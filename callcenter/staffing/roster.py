"""A roster proposal (シフト案): how many dispatched agents to contract, when, and on which shifts,
covering every half hour's requirement at the least cost. Solved exactly with OR-Tools CP-SAT.

Dispatched staff (派遣) are contracted for at least `min_contract_days` days at a time (31 under
the dispatch rules for short contracts); a contracted agent works at most one shift on each
open day and is paid a day rate for every open day of the contract.

A contract starts and ends on a working day: its last day is the last day the agent is needed,
not the weekend or holiday after it. Nor does the plan churn: once contracts end, no new one
starts within `REHIRE_GAP_DAYS` (the agents already trained are kept through a short lull instead).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from ortools.sat.python import cp_model

from secretariat.core.spreadsheet import csv_row, xlsx_row


@dataclass(frozen=True)
class Shift:
    name: str
    start: int    # first half hour, counted from opening (0 = 9:00)
    length: int   # half hours

    def covers(self, interval: int) -> bool:
        return self.start <= interval < self.start + self.length


STANDARD_SHIFTS = (Shift("9:00-18:00", 0, 18), Shift("9:00-13:00", 0, 8), Shift("13:00-18:00", 8, 10),
                   Shift("11:00-16:00", 4, 10))
REHIRE_GAP_DAYS = 14
STATUS_JA = {"optimal": "最適解", "feasible": "時間内の最良解"}


@dataclass
class Roster:
    status: str
    dates: list[date]
    contracted: list[int]                     # agents under contract each day
    hired: list[int]                          # contracts starting each day (their first day)
    ended: list[int]                          # contracts ending each day (their last day)
    shifts: list[dict[str, int]]              # per day: shift name → agents
    required: np.ndarray                      # days × intervals
    rostered: np.ndarray                      # days × intervals
    cost_yen: int
    day_rate_yen: int
    min_contract_days: int
    rehire_gap_days: int = REHIRE_GAP_DAYS
    notes: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_JA[self.status]

    def rows(self) -> list[list]:
        names = [shift for shift in self.shifts[0]] if self.shifts else []
        return [[day.isoformat(), contracted, hired, ended, *(shifts[name] for name in names),
                 int(required.max()), int(rostered.max())]
                for day, contracted, hired, ended, shifts, required, rostered in
                zip(self.dates, self.contracted, self.hired, self.ended, self.shifts, self.required, self.rostered)]

    def headings(self) -> list[str]:
        """The columns of `rows()`: 新規契約 counts contracts whose first day it is, 契約終了 those whose
        last day it is; a shift's column is headed by its hours (9:00-18:00)."""
        names = list(self.shifts[0]) if self.shifts else []
        return ["日付", "契約人数", "新規契約", "契約終了", *names, "必要人数（ピーク時）", "配置人数（ピーク時）"]

    def csv(self) -> bytes:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(csv_row(self.headings()))
        writer.writerows(csv_row(row) for row in self.rows())
        writer.writerow([])
        writer.writerow(["総額（円）", self.cost_yen])
        return buffer.getvalue().encode("utf-8-sig")

    def xlsx(self) -> bytes:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("シフト案")
        sheet.append(xlsx_row(sheet, self.headings()))
        for row in self.rows():
            sheet.append(xlsx_row(sheet, row))
        sheet.append([])
        sheet.append(["総額（円）", self.cost_yen])
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


def propose_roster(*, required: np.ndarray, dates: list[date], open_days: list[bool],
                   shifts: tuple[Shift, ...] = STANDARD_SHIFTS, min_contract_days: int = 31,
                   day_rate_yen: int = 16_000, rehire_gap_days: int = REHIRE_GAP_DAYS,
                   seconds: float = 20.0) -> Roster:
    """The cheapest contracts and shifts that cover `required` (agents per half hour, per day)."""
    days, intervals = required.shape
    model = cp_model.CpModel()
    cap = int(required.max(initial=0)) * 2 + 5
    hired = [model.new_int_var(0, cap if open_days[d] else 0, f"hired{d}") for d in range(days)]
    ended = [model.new_int_var(0, cap if open_days[d] else 0, f"ended{d}") for d in range(days)]
    contracted = [model.new_int_var(0, cap, f"contracted{d}") for d in range(days)]
    work = {(d, s): model.new_int_var(0, cap, f"work{d}_{s}") for d in range(days) for s in range(len(shifts))}
    for d in range(days):
        model.add(contracted[d] == (contracted[d - 1] - ended[d - 1] if d else 0) + hired[d])
        model.add(ended[d] <= contracted[d])
        # nobody leaves before serving the minimum contract: contracts ended by day d (their last
        # day) ≤ contracts that started on or before day d − L + 1
        model.add(sum(ended[:d + 1]) <= sum(hired[:max(0, d - min_contract_days + 2)]))
        model.add(sum(work[d, s] for s in range(len(shifts))) <= (contracted[d] if open_days[d] else 0))
        for i in range(intervals):
            need = int(required[d, i])
            if need:
                model.add(sum(work[d, s] for s, shift in enumerate(shifts) if shift.covers(i)) >= need)
    _forbid_churn(model, hired=hired, ended=ended, cap=cap, gap_days=rehire_gap_days)
    paid_days = sum(contracted[d] for d in range(days) if open_days[d])
    # the other terms only break ties: fewer contracts, then fewer shifts
    model.minimize(paid_days * day_rate_yen + (sum(hired) + sum(ended)) * 100 + sum(work.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise ValueError("no roster covers this requirement with these shifts")
    plan = [{shift.name: int(solver.value(work[d, s])) for s, shift in enumerate(shifts)} for d in range(days)]
    rostered = np.array([[sum(plan[d][shift.name] for shift in shifts if shift.covers(i)) for i in range(intervals)]
                         for d in range(days)])
    contracted_values = [int(solver.value(v)) for v in contracted]
    return Roster(status="optimal" if status == cp_model.OPTIMAL else "feasible", dates=dates,
                  contracted=contracted_values, hired=[int(solver.value(v)) for v in hired],
                  ended=[int(solver.value(v)) for v in ended], shifts=plan,
                  required=required, rostered=rostered, day_rate_yen=day_rate_yen, min_contract_days=min_contract_days,
                  rehire_gap_days=rehire_gap_days,
                  cost_yen=sum(c for c, open_day in zip(contracted_values, open_days) if open_day) * day_rate_yen)


def _forbid_churn(model: cp_model.CpModel, *, hired: list, ended: list, cap: int, gap_days: int) -> None:
    """No contract starts within `gap_days` after the last day of one that ended."""
    days = len(hired)
    ends = [model.new_bool_var(f"ends{d}") for d in range(days)]
    starts = [model.new_bool_var(f"starts{d}") for d in range(days)]
    for d in range(days):
        model.add(ended[d] <= cap * ends[d])
        model.add(hired[d] <= cap * starts[d])
        for later in range(d + 1, min(days, d + 1 + gap_days)):
            model.add_bool_or([ends[d].Not(), starts[later].Not()])
