import json

from sqlmodel import select
from secretariat.core.auth.models import User
from secretariat.core.programmes.models import Programme


def test_init_is_safe_to_run_twice(cli):
    assert cli("init").exit_code == 0
    assert cli("init").exit_code == 0


def test_an_admin_sets_up_a_municipality_a_programme_and_a_liaison(cli, session):
    assert cli("municipalities", "add", "121002", "千葉県千葉市").exit_code == 0
    added = cli("programmes", "add", "--municipality", "121002", "--name", "臨時特別給付金",
                "--reference-date", "2026-12-01", "--opens", "2026-12-01", "--deadline", "2027-02-28",
                "--per-household", "70000", "--channel", "paper", "--channel", "web")
    assert added.exit_code == 0, added.output
    assert cli("users", "add", "chiba", "--role", "liaison", "--municipality", "121002").exit_code == 0
    listed = cli("users", "list")
    assert "chiba" in listed.output and "liaison" in listed.output
    assert session.exec(select(Programme)).one().channels == ["paper", "web"]


def test_an_unknown_municipality_is_an_error_that_changes_nothing(cli, session):
    answer = cli("users", "add", "someone", "--role", "liaison", "--municipality", "999999")
    assert answer.exit_code == 1 and "自治体コード「999999」の自治体はありません" in answer.output
    assert session.exec(select(User)).all() == []


def test_a_municipality_code_with_a_bad_check_digit_is_refused(cli):
    answer = cli("municipalities", "add", "121003", "千葉市")
    assert answer.exit_code == 1 and "チェックデジットが合いません（正しくは 121002）" in answer.output


def test_a_malformed_date_is_refused_by_name(cli):
    cli("municipalities", "add", "121002", "千葉県千葉市")
    answer = cli("programmes", "add", "--municipality", "121002", "--name", "給付金", "--reference-date",
                 "2026-12-01", "--opens", "R8.12.1", "--deadline", "2027-02-28")
    assert answer.exit_code == 1 and "受付開始日の「R8.12.1」は日付として読めません" in answer.output


def test_an_api_token_is_printed_once(cli):
    cli("users", "add", "robot", "--role", "supervisor")
    answer = cli("users", "token", "robot", "--name", "nightly")
    assert answer.exit_code == 0 and answer.output.strip().startswith("sct_")


def test_the_demo_runs_a_programme_end_to_end_and_says_where_its_files_are(cli, tmp_path):
    answer = cli("demo", "--households", "60", "--dir", str(tmp_path / "demo"))
    assert answer.exit_code == 0, answer.output
    assert "各段階で行ったこと" in answer.output and "出力ファイル" in answer.output
    summary = json.loads((tmp_path / "demo" / "demo-summary.json").read_text(encoding="utf-8"))
    stages = {row["stage"]: row["count"] for row in summary["stages"]}
    assert stages["対象者一覧の取込（SFTP）"] == 60 and stages["印刷"] == 60
    assert stages["受付"] > 0 and stages["振込結果"] > 0
    assert sum(sum(counts.values()) for counts in summary["statuses"].values()) == 60
    received = tmp_path / "demo" / "exchange" / "121002" / "received"
    assert {p.suffix for p in received.iterdir()} >= {".csv", ".xlsx", ".txt"}


def test_the_demo_mixes_paper_online_and_push_and_counts_days_to_payment_per_channel(cli, tmp_path):
    assert cli("demo", "--households", "60", "--dir", str(tmp_path / "demo")).exit_code == 0
    summary = json.loads((tmp_path / "demo" / "demo-summary.json").read_text(encoding="utf-8"))
    chiba, sakai = ({line["channel"]: line for line in lines} for lines in summary["channels"].values())
    assert chiba["paper"]["households"] > 0 and chiba["web"]["households"] > 0
    assert sakai["push"]["households"] > 0 and sakai["push"]["paid"] > 0
    assert sakai["push"]["median_days_notice_to_payment"] > 0


def test_the_demo_writes_a_zengin_file_whose_records_are_120_bytes_and_totals_match(cli, tmp_path):
    from exchange.results.zengin import read_zengin

    assert cli("demo", "--households", "40", "--dir", str(tmp_path / "demo")).exit_code == 0
    zengin = next((tmp_path / "demo" / "exchange" / "121002" / "received").glob("*.zengin.txt")).read_bytes()
    assert {len(record) for record in zengin.split(b"\r\n")[:-1]} == {120}
    assert read_zengin(zengin).transfers


def test_a_command_on_a_store_never_initialised_says_to_run_init_in_japanese(tmp_path):
    from typer.testing import CliRunner

    from secretariat.cli import app as cli_app

    empty = tmp_path / "never-initialised"
    answer = CliRunner().invoke(cli_app, ["users", "add", "zz", "--role", "admin"],
                                env={"SECRETARIAT_DATA_DIR": str(empty), "SECRETARIAT_DATABASE_URL": "",
                                     "SECRETARIAT_NEW_PASSWORD": "abcDEF123456!x"})
    assert answer.exit_code == 1, answer.output
    assert "データベースが初期化されていない" in answer.output and "secretariat init" in answer.output
    assert "Traceback" not in answer.output and "sqlite3" not in answer.output
