import json

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
