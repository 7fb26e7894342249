"""The supervisor's roster exports (CSV and XLSX) never hand a spreadsheet a live formula
(security review, issue 12, finding 7): a shift's name is text wherever it is written."""

import csv
import io
from datetime import date

import numpy as np
import openpyxl

from callcenter.staffing.roster import Roster

SHIFT = "=cmd|' /C calc'!A0"


def roster_with_a_shift_named(name: str) -> Roster:
    return Roster(status="optimal", dates=[date(2026, 12, 1)], contracted=[2], hired=[2], ended=[0], shifts=[{name: 2}],
                  required=np.array([[2]]), rostered=np.array([[2]]), cost_yen=32_000, day_rate_yen=16_000,
                  min_contract_days=31)


def test_a_formula_for_a_shift_name_is_quoted_in_the_roster_csv():
    rows = list(csv.reader(io.StringIO(roster_with_a_shift_named(SHIFT).csv().decode("utf-8-sig"))))
    assert rows[0][4] == "'" + SHIFT
    assert rows[1] == ["2026-12-01", "2", "2", "0", "2", "2", "2"]  # numbers untouched


def test_a_formula_for_a_shift_name_is_a_text_cell_in_the_roster_xlsx():
    sheet = openpyxl.load_workbook(io.BytesIO(roster_with_a_shift_named(SHIFT).xlsx())).worksheets[0]
    cell = sheet.cell(1, 5)
    assert (cell.value, cell.data_type, cell.quotePrefix) == (SHIFT, "s", True)
    assert [c.value for c in sheet[2]] == ["2026-12-01", 2, 2, 0, 2, 2, 2]


def test_the_roster_exports_are_headed_in_japanese():
    roster = roster_with_a_shift_named("9:00-18:00")
    headings = ["日付", "契約人数", "新規契約", "契約終了", "9:00-18:00", "必要人数（ピーク時）", "配置人数（ピーク時）"]
    rows = list(csv.reader(io.StringIO(roster.csv().decode("utf-8-sig"))))
    assert rows[0] == headings and rows[-1] == ["総額（円）", "32000"]
    sheet = openpyxl.load_workbook(io.BytesIO(roster.xlsx())).worksheets[0]
    assert sheet.title == "シフト案" and [c.value for c in sheet[1]] == headings
