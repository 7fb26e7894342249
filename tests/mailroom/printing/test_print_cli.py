import json

from pypdf import PdfReader
from typer.testing import CliRunner

from secretariat.cli import app


def test_the_barcode_command_prints_the_symbols_as_json():
    answer = CliRunner().invoke(app, ["print", "barcode", "--postal", "2630023", "--address",
                                      "千葉市稲毛区緑町3丁目30-8 郵便ビル403号", "--json"])
    assert answer.exit_code == 0
    assert json.loads(answer.output) == ["STC", "2", "6", "3", "0", "0", "2", "3", "3", "-", "3", "0", "-", "8",
                                         "-", "4", "0", "3", "CC4", "CC4", "CC4", "5", "SPC"]


def test_the_barcode_command_refuses_a_representative_postal_code():
    answer = CliRunner().invoke(app, ["print", "barcode", "--postal", "100-0000", "--address", "東京都千代田区"])
    assert answer.exit_code == 1 and "representative postal code" in answer.output


def test_forms_list_names_every_shipped_template():
    answer = CliRunner().invoke(app, ["forms", "list", "--json"])
    assert {row["id"] for row in json.loads(answer.output)} >= {"kakuninsho-hikazei", "cover-letter"}


def test_forms_layout_gives_boxes_in_millimetres_and_the_rules():
    layout = json.loads(CliRunner().invoke(app, ["forms", "layout", "kakuninsho-hikazei", "--json"]).output)
    fields = {field["name"]: field for page in layout["pages"] for field in page["fields"]}
    assert fields["account_number"] == {"name": "account_number", "label": "口座番号", "kind": "digits",
                                        "required": False, "box_mm": [45.0, 203.0, 70.0, 10.0], "cells": 7}
    assert [o["value"] for o in fields["account_choice"]["options"]] == ["on_file", "new"]
    assert layout["rules"][0] == {"rule": "exactly_one", "fields": ["receive", "decline"],
                                  "message": "「受け取ります」と「辞退します」のどちらか一つに✓を付けてください。"}
    assert len(layout["pages"][0]["page_codes_mm"]) == 2


def test_forms_sample_writes_the_pdf_and_a_manifest_of_its_pages(tmp_path):
    out, manifest = tmp_path / "s.pdf", tmp_path / "s.json"
    answer = CliRunner().invoke(app, ["forms", "sample", "kakuninsho-hikazei", "--count", "3", "--out", str(out),
                                      "--manifest", str(manifest)])
    assert answer.exit_code == 0, answer.output
    rows = json.loads(manifest.read_text(encoding="utf-8"))
    assert [(r["pdf_page"], r["target"], r["page"]) for r in rows] == [(1, 1, 1), (2, 1, 2), (3, 2, 1), (4, 2, 2),
                                                                        (5, 3, 1), (6, 3, 2)]
    assert len(PdfReader(out).pages) == 6


def test_an_unknown_template_is_named_in_the_error():
    answer = CliRunner().invoke(app, ["forms", "layout", "nope"])
    assert answer.exit_code == 1 and "様式 'nope' はありません" in answer.output


def test_print_run_then_mailed_then_reissue_from_the_command_line(factory, cli, tmp_path):
    tenant = factory.tenant(households=3)
    printed = cli("print", "run", "--programme", tenant.programme.id, "--batch-size", 2)
    assert printed.exit_code == 0, printed.output
    assert "3 世帯、9 頁" in printed.output
    assert (tmp_path / "print-runs" / "run-0001" / "manifest.csv").exists()
    assert "印刷するものはありません" in cli("print", "run", "--programme", tenant.programme.id).output
    mailed = cli("print", "mailed", "--run", 1, "--date", "2026-11-20")
    assert mailed.exit_code == 0 and "3 世帯の発送日を 2026-11-20 と記録しました" in mailed.output
    again = cli("print", "reissue", tenant.households[0].id)
    assert again.exit_code == 0 and "-2" in again.output


def test_print_mailed_with_a_malformed_date_says_so(factory, cli):
    factory.tenant(households=1)
    answer = cli("print", "mailed", "--run", 1, "--date", "20/11/2026")
    assert answer.exit_code == 1 and "発送日の「20/11/2026」は日付として読めません" in answer.output


def test_print_run_for_an_unknown_programme_says_so(cli):
    answer = cli("print", "run", "--programme", 999)
    assert answer.exit_code == 1 and "事業 999 が見つかりません" in answer.output
