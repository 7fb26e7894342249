"""`secretariat exchange …`: the SFTP drop, target-list import, result files and payments."""

from __future__ import annotations

import json
import signal
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from secretariat.core.auth.actor import Actor
from secretariat.core.cli_support import CLI_ACTOR, LazyConsole, cli_session, err
from secretariat.core.clock import today_jst
from secretariat.core.config import Settings

if TYPE_CHECKING:
    from exchange.drop.server import DropServer
    from exchange.results.models import BankProfile

# The modules behind each command (Paramiko, openpyxl, Alembic, SQLAlchemy) are imported in the
# command itself: every `secretariat` invocation loads this module to list its commands.
app = typer.Typer(no_args_is_help=True, help="自治体とのデータ連携: SFTP 受け渡し口、対象者一覧、結果ファイル、振込")
payments = typer.Typer(no_args_is_help=True, help="振込データ: 作成、承認（作成者とは別の人）、書き出し")
profiles = typer.Typer(no_args_is_help=True, help="銀行プロファイル: 振込の委託者と振込元の口座、"
                                                  "Zengin ファイルの形式")
accounts = typer.Typer(no_args_is_help=True, help="SFTP 受け渡し口のアカウント（自治体ごとに 1 つ）")
mappings = typer.Typer(no_args_is_help=True, help="対応表（項目定義）: 標準の対応表と、自治体ごとの対応表")
decisions = typer.Typer(no_args_is_help=True, help="支給決定: 事務局が起案し、自治体担当者が承認する支給決定リスト")
app.add_typer(decisions, name="decisions")
app.add_typer(payments, name="payments")
app.add_typer(profiles, name="bank-profile")
app.add_typer(accounts, name="accounts")
app.add_typer(mappings, name="mappings")
console = LazyConsole()


def drop_root(settings: Settings) -> Path:
    return settings.data_dir / "drop"


def host_key_file(settings: Settings) -> Path:
    return settings.data_dir / "drop-host-key"


def start_drop(settings: Settings, host: str, port: int) -> tuple[DropServer, int]:
    from exchange.drop.server import DropServer, load_host_key
    from exchange.drop_jobs import queue_drop_import
    from exchange.targets.encoding import limits_of
    from secretariat.core.db import make_engine
    from secretariat.migrations import migrate

    engine = make_engine(settings.database_url)
    migrate(engine)
    server = DropServer(engine=engine, drop_root=drop_root(settings), host_key=load_host_key(host_key_file(settings)),
                        processor=lambda login, path, name: queue_drop_import(engine, login, path, name,
                                                                              limits=limits_of(settings)),
                        max_file_bytes=settings.upload_max_bytes)
    return server, server.start(host, port)


@app.command()
def serve(host: Annotated[str, typer.Option(help="待ち受けるアドレス")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="SFTP のポート番号")] = 2222):
    """SFTP 受け渡し口を起動する（止めるまで動き続ける）"""
    from exchange.drop.server import host_key_line

    settings = Settings.from_env()
    server, bound = start_drop(settings, host, port)
    console.print(f"SFTP 受け渡しを {host}:{bound} で開始しました（フォルダ: {drop_root(settings)}）\n"
                  f"ホスト鍵（接続側で固定してください）: {host_key_line(server.host_key)}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    server.stop()


@accounts.command("add")
def accounts_add(municipality: Annotated[str, typer.Argument(help="自治体コード（6桁）")],
                 username: Annotated[str, typer.Argument(help="SFTP のユーザー名")],
                 key_file: Annotated[list[Path], typer.Option("--key-file", help="OpenSSH の公開鍵ファイル（`.pub`）。"
                                                                                 "複数あれば繰り返し指定する")],
                 programme: Annotated[int | None, typer.Option(help="届いた対象者一覧を取り込む事業の ID")] = None):
    """自治体に SFTP 受け渡し口のアカウントを作る（公開鍵でのログインのみ）"""
    from exchange.drop.accounts import create_drop_account
    from secretariat.core.programmes.service import get_programme
    from secretariat.core.tenancy.service import get_municipality_by_code

    with cli_session() as session:
        owner = get_municipality_by_code(session=session, actor=CLI_ACTOR, code=municipality)
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme) if programme else None
        keys = [line for path in key_file for line in path.read_text().splitlines()]
        account = create_drop_account(session=session, actor=CLI_ACTOR, municipality=owner, username=username,
                                      public_keys=keys, programme=target)
    console.print(f"自治体 {municipality} の SFTP アカウント {account.username} を作成しました")


MappingOption = Annotated[str | None, typer.Option(
    help="対応表: `templates/mappings` にある名前か、YAML ファイルのパス（省略時はその自治体の対応表）")]


@app.command()
def validate(file: Annotated[Path, typer.Argument(help="検査する対象者一覧のファイル")], mapping: MappingOption = None,
             programme: Annotated[int | None, typer.Option(help="この事業のファイルとして読む（自治体の対応表を使い、"
                                                                "基準日までの出生を認める）")] = None,
             as_json: Annotated[bool, typer.Option("--json", help="JSON で出力する")] = False):
    """対象者一覧を取り込まずに検査する（エラーがあれば終了コード 1）"""
    from exchange.targets.encoding import limits_of
    from exchange.targets.mapping import find_mapping, load_mapping
    from exchange.targets.validate import read_target_list

    if not file.is_file():
        err.print(f"[red]エラー:[/red] ファイル {file} がありません")
        raise typer.Exit(2)
    with _mapping_errors():
        chosen, reference_date = find_mapping(mapping) if mapping else load_mapping(), None
    if programme is not None:
        from exchange.targets.stored_mappings import mapping_for
        from secretariat.core.programmes.service import get_programme

        with cli_session() as session:
            target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
            chosen = chosen if mapping else mapping_for(session, target.municipality_id)[0]
            reference_date = target.reference_date
    listing = read_target_list(file, chosen, limits=limits_of(Settings.from_env()), reference_date=reference_date)
    report = listing.report()
    if as_json:
        print(json.dumps(report, ensure_ascii=False, default=str))
    else:
        _print_report(report)
    raise typer.Exit(0 if listing.ok else 1)


def _print_report(report: dict) -> None:
    from rich.table import Table

    console.print(f"{report['file']}: {report['encoding']}、{report['rows']} 行、{report['households']} 世帯、"
                  f"エラー {report['error_count']} 件、注意 {report['warning_count']} 件")
    table = Table("行", "列", "値", "コード", "内容")
    for kind in ("errors", "warnings"):
        for problem in report[kind][:200]:
            table.add_row(str(problem["row"]), problem["column"], problem["value"], problem["code"],
                          problem["message"])
    if report["errors"] or report["warnings"]:
        console.print(table)


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="取り込む対象者一覧または異動分のファイル")],
            programme: Annotated[int, typer.Option(help="事業 ID")], mapping: MappingOption = None,
            report: Annotated[Path | None, typer.Option(help="検査結果の CSV（CP932）もここに書き出す")] = None):
    """対象者一覧または異動分を取り込む（エラーが 1 件でもあれば何も取り込まない）"""
    from exchange.drop.processing import report_csv
    from exchange.targets.encoding import limits_of
    from exchange.targets.service import import_target_file
    from secretariat.core.messages import label_code
    from secretariat.core.programmes.service import get_programme

    with cli_session() as session:
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        record, listing = import_target_file(session=session, actor=CLI_ACTOR, programme=target, path=file,
                                             mapping=mapping, source="cli",
                                             limits=limits_of(Settings.from_env()))
    _print_report(listing.report())
    if report:
        report.write_bytes(report_csv(record.status, listing.errors, listing.warnings))
    console.print(f"対象者ファイル {record.id}: {label_code('import_status', record.status)}")
    raise typer.Exit(0 if record.status != "rejected" else 1)


@app.command()
def results(programme: Annotated[int, typer.Option(help="事業 ID")],
            out: Annotated[Path | None, typer.Option(help="書き出し先（省略時は自治体の受け渡し口の `outbox`）")] = None):
    """状況ファイルと、返戻・宛所不明・辞退の一覧（CP932 の CSV と XLSX）を書き出す"""
    from exchange.results.status import write_result_files
    from secretariat.core.programmes.service import get_programme
    from secretariat.core.tenancy.models import Municipality

    settings = Settings.from_env()
    with cli_session(settings) as session:
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        out = out or drop_root(settings) / session.get(Municipality, target.municipality_id).code / "outbox"
        written = write_result_files(session=session, actor=CLI_ACTOR, programme=target, out_dir=out, on=today_jst())
    for path in written:
        console.print(str(path))


@contextmanager
def _mapping_errors():
    """A refused mapping printed as its problems, one a line, and exit status 1."""
    from exchange.targets.mapping import MappingInvalid
    from secretariat.core.errors import DomainError

    try:
        yield
    except MappingInvalid as error:
        err.print(f"[red]エラー:[/red] 対応表 {error.source} に誤りがあります")
        for problem in error.problems:
            err.print(f"  {problem}", markup=False)
        raise typer.Exit(1) from None
    except DomainError as error:
        err.print(f"[red]エラー:[/red] {error.message}")
        raise typer.Exit(1) from None


@mappings.command("list")
def mappings_list():
    """標準の対応表（`templates/mappings`）と、独自の対応表を持つ自治体を一覧表示する"""
    from exchange.targets.mapping import load_mapping, mapping_names
    from exchange.targets.stored_mappings import municipalities_with_mappings

    for name in mapping_names():
        console.print(f"{name}: {load_mapping(name).title}")
    with cli_session() as session:
        for municipality, record in municipalities_with_mappings(session=session, actor=CLI_ACTOR):
            console.print(f"{municipality.code} {municipality.name}: {record.title} "
                          f"(対応表 {record.id}, {record.uploaded_at:%Y-%m-%d} {record.uploaded_by})")


@mappings.command("check")
def mappings_check(file: Annotated[Path, typer.Argument(help="検査する対応表の YAML ファイル")]):
    """対応表の YAML を保存せずに検査する（誤りはすべて、その場所とともに表示する）"""
    from exchange.targets.mapping import read_mapping_file

    with _mapping_errors():
        found = read_mapping_file(file)
    console.print(f"{file.name}: 正しい対応表です（{len(found.columns)} 列）")


@mappings.command("set")
def mappings_set(municipality: Annotated[str, typer.Argument(help="自治体コード（6桁）")],
                 file: Annotated[Path, typer.Argument(help="対応表の YAML ファイル")]):
    """YAML ファイルを自治体の対応表にする（以後その自治体のファイルはこれで読む）"""
    from exchange.targets.mapping import MAX_MAPPING_CHARS
    from exchange.targets.stored_mappings import set_municipal_mapping
    from secretariat.core.tenancy.service import get_municipality_by_code

    if not file.is_file() or file.stat().st_size > MAX_MAPPING_CHARS * 4:
        err.print(f"[red]エラー:[/red] {file} はないか、対応表としては大きすぎます")
        raise typer.Exit(2)
    with cli_session() as session, _mapping_errors():
        owner = get_municipality_by_code(session=session, actor=CLI_ACTOR, code=municipality)
        record = set_municipal_mapping(session=session, actor=CLI_ACTOR, municipality=owner,
                                       source=file.read_text(encoding="utf-8-sig"), label=file.name)
    console.print(f"{municipality} の対応表を {file.name} にしました（対応表 {record.id}）")


@mappings.command("show")
def mappings_show(municipality: Annotated[str, typer.Argument(help="自治体コード（6桁）")]):
    """自治体のファイルを読む対応表の YAML を表示する"""
    from exchange.targets.mapping import MAPPINGS_DIR
    from exchange.targets.stored_mappings import municipal_mapping
    from secretariat.core.tenancy.service import get_municipality_by_code

    with cli_session() as session:
        owner = get_municipality_by_code(session=session, actor=CLI_ACTOR, code=municipality)
        record = municipal_mapping(session=session, actor=CLI_ACTOR, municipality=owner)
    if record is None:
        err.print(f"{municipality} には独自の対応表がありません。標準の default を使います")
        print((MAPPINGS_DIR / "default.yaml").read_text(encoding="utf-8"), end="")
    else:
        print(record.source, end="" if record.source.endswith("\n") else "\n")


def _staff(session, username: str) -> Actor:
    from secretariat.core.auth.service import actor_for, find_user

    return actor_for(find_user(session=session, username=username), "cli")


@profiles.command("set")
def bank_profile_set(programme: Annotated[int, typer.Option(help="事業 ID")],
                     requester_code: Annotated[str, typer.Option(help="委託者コード（銀行から通知される 10 桁以内）")],
                     requester_name: Annotated[str, typer.Option(help="委託者名（カナ）")],
                     from_bank: Annotated[str, typer.Option(help="仕向銀行番号（4 桁）")],
                     from_branch: Annotated[str, typer.Option(help="仕向支店番号（3 桁）")],
                     from_account: Annotated[str, typer.Option(help="口座番号（7 桁以内）")],
                     from_account_type: Annotated[str, typer.Option(help="預金種目: `ordinary`（普通）または `current`（当座）")]
                     = "ordinary",
                     separator: Annotated[str, typer.Option(help="レコードの区切り: `crlf`（改行）または `none`（なし）")] = "crlf",
                     clearing_house: Annotated[str, typer.Option(help="手形交換所番号の埋め方: "
                                                                      "`zeros`（ゼロ）または `spaces`（空白）")] = "zeros"):
    """事業の銀行プロファイルを設定する（以後に作成する振込データはこれに従う）"""
    from exchange.results.profiles import set_bank_profile
    from secretariat.core.programmes.service import get_programme

    with cli_session() as session:
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        profile = set_bank_profile(session=session, actor=CLI_ACTOR, programme=target, requester_code=requester_code,
                                   requester_name=requester_name, from_bank_code=from_bank,
                                   from_branch_code=from_branch, from_account_number=from_account,
                                   from_account_type=from_account_type, record_separator=separator,
                                   clearing_house_fill=clearing_house)
    _print_profile(programme, profile)


@profiles.command("show")
def bank_profile_show(programme: Annotated[int, typer.Option(help="事業 ID")]):
    """事業の銀行プロファイルを表示する"""
    from exchange.results.profiles import bank_profile
    from secretariat.core.programmes.service import get_programme

    with cli_session() as session:
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        profile = bank_profile(session=session, actor=CLI_ACTOR, programme=target)
    if profile is None:
        err.print(f"[red]エラー:[/red] 事業 {programme} の銀行プロファイルは未設定です")
        raise typer.Exit(1)
    _print_profile(programme, profile)


def _print_profile(programme: int, profile: BankProfile) -> None:
    kind = {"ordinary": "普通", "current": "当座"}[profile.from_account_type]
    console.print(f"事業 {programme}: 委託者コード {profile.requester_code} 委託者名 {profile.requester_name_kana}\n"
                  f"仕向 {profile.from_bank_code}-{profile.from_branch_code} {kind} {profile.from_account_number}\n"
                  f"レコード区切り {profile.record_separator}, 手形交換所番号 {profile.clearing_house_fill}")


@payments.command("prepare")
def payments_prepare(programme: Annotated[int, typer.Option(help="事業 ID")],
                     user: Annotated[str, typer.Option(help="作成者（職員のユーザー名）")],
                     transfer_date: Annotated[str, typer.Option(help="振込指定日（YYYY-MM-DD）")]):
    """振込データを作成する

    支給決定済みで口座の登録がある申請をすべて集め、事業の銀行プロファイル（設定は`secretariat exchange bank-profile set`）に従って作成する"""
    from exchange.results.payments import prepare_payment_batch
    from secretariat.core.programmes.service import get_programme, parse_date

    with cli_session() as session:
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        prepared = prepare_payment_batch(session=session, actor=_staff(session, user), programme=target,
                                         transfer_date=parse_date(transfer_date, "振込指定日"))
    batch = prepared.batch
    console.print(f"振込データ {batch.id}: {batch.line_count} 件、{batch.total_yen:,} 円（承認待ち）" if batch
                  else "振り込むものはありません")
    if prepared.without_account:
        console.print(f"支給決定済みで口座の登録がない世帯: {len(prepared.without_account)} 世帯")
    for line in prepared.refused:
        console.print(f"除外: {line}")


@payments.command("approve")
def payments_approve(batch: Annotated[int, typer.Argument(help="振込データの番号")],
                     user: Annotated[str, typer.Option(help="承認者（職員のユーザー名）")]):
    """作成済みの振込データを承認する（作成者本人は承認できない）"""
    from exchange.results.payments import approve_payment_batch, get_batch

    with cli_session() as session:
        approved = approve_payment_batch(session=session, actor=_staff(session, user),
                                         batch=get_batch(session=session, actor=CLI_ACTOR, batch_id=batch))
    console.print(f"振込データ {approved.id} を承認しました（承認者 {approved.approved_by}）")


@payments.command("export")
def payments_export(batch: Annotated[int, typer.Argument(help="振込データの番号")],
                    out: Annotated[Path | None, typer.Option(help="書き出し先（省略時は自治体の受け渡し口の `outbox`）")]
                    = None):
    """承認済みの振込データを、CSV と Zengin の総合振込ファイルで書き出す

    以後その振込データは変更できない"""
    from exchange.results.payments import export_payment_batch, get_batch
    from secretariat.core.tenancy.models import Municipality

    settings = Settings.from_env()
    with cli_session(settings) as session:
        found = get_batch(session=session, actor=CLI_ACTOR, batch_id=batch)
        out = out or drop_root(settings) / session.get(Municipality, found.municipality_id).code / "outbox"
        paths = export_payment_batch(session=session, actor=CLI_ACTOR, batch=found, out_dir=out)
    for path in paths:
        console.print(str(path))


@app.command("payment-results")
def payment_results(file: Annotated[Path, typer.Argument(help="振込結果ファイル")],
                    programme: Annotated[int, typer.Option(help="事業 ID")]):
    """自治体から届いた振込結果ファイルを取り込む（振込済み、または振込不能とその理由）"""
    from exchange.results.payments import import_payment_results
    from exchange.targets.encoding import limits_of
    from secretariat.core.programmes.service import get_programme

    with cli_session() as session:
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        result = import_payment_results(session=session, actor=CLI_ACTOR, programme=target, path=file,
                                        limits=limits_of(Settings.from_env()))
    for problem in result.errors:
        err.print(f"{problem.row} 行目: {problem.column} {problem.value!r}: {problem.message}")
    console.print(f"振込済み {result.paid} 件、振込不能 {result.failed} 件" if result.ok
                  else "取り込みませんでした")
    raise typer.Exit(0 if result.ok else 1)


@app.command("payment-failures")
def payment_failures(programme: Annotated[int, typer.Option(help="事業 ID")]):
    """未対応の振込不能を、経過日数・理由・状況とともに古い順に表示する"""
    from exchange.results.failures import failure_queue
    from secretariat.core.programmes.service import get_programme

    with cli_session() as session:
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        rows = failure_queue(session=session, actor=CLI_ACTOR, programme=target)
    for row in rows:
        console.print(f"{row.line.household_number}\t{row.age_days}日\t{row.reason}\t{row.state_label}"
                      + (f"\t入力票 {row.task_id}" if row.task_id else ""))
    console.print(f"未対応の振込不能: {len(rows)} 件")


Host = Annotated[str, typer.Option(help="自治体の SFTP サーバー")]
User = Annotated[str, typer.Option(help="そのサーバーでの当方のアカウント")]
Key = Annotated[Path, typer.Option(help="当方の秘密鍵ファイル")]
HostKey = Annotated[str, typer.Option(help="サーバーのホスト鍵の 1 行（`ssh-ed25519 AAAA…` の形）。"
                                           "この鍵のサーバーにだけ接続する")]
Port = Annotated[int, typer.Option(help="SFTP のポート番号")]


@app.command("push")
def push_(file: Annotated[Path, typer.Argument(help="送るファイル")],
          host: Host, user: User, key: Key, host_key: HostKey, port: Port = 22,
          remote_dir: Annotated[str, typer.Option(help="送り先のサーバー上のフォルダ")] = "inbox"):
    """自治体の SFTP サーバーにファイルを送る（仮の名前で送ってから名前を変える）"""
    from exchange.drop.client import push, sftp_session

    with sftp_session(host=host, port=port, username=user, key_file=key, host_key_line=host_key) as sftp:
        console.print(push(sftp, file, remote_dir))


@app.command("pull")
def pull_(into: Annotated[Path, typer.Argument(help="受け取ったファイルを置くフォルダ")],
          host: Host, user: User, key: Key, host_key: HostKey, port: Port = 22,
          remote_dir: Annotated[str, typer.Option(help="受け取るサーバー上のフォルダ")] = "outbox"):
    """自治体の SFTP サーバーから新しいファイルを受け取る"""
    from exchange.drop.client import pull, sftp_session

    with sftp_session(host=host, port=port, username=user, key_file=key, host_key_line=host_key) as sftp:
        for path in pull(sftp, into, remote_dir):
            console.print(str(path))


@decisions.command("propose")
def decisions_propose(programme: Annotated[int, typer.Option(help="事業 ID")],
                      user: Annotated[str, typer.Option(help="起案者（スーパーバイザーのユーザー名）")]):
    """審査で完了となり（入力も済み）、未決のどのリストにも載っていない申請で支給決定リストを起案する"""
    from exchange.decisions.flows import propose_decision_list
    from secretariat.core.programmes.service import get_programme

    settings = Settings.from_env()
    with cli_session(settings) as session:
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        decision = propose_decision_list(session=session, actor=_staff(session, user), programme=target,
                                         out_root=settings.data_dir / "decisions")
    console.print(f"支給決定リスト {decision.id}: 申請 {decision.line_count} 件、{decision.total_yen:,} 円、"
                  f"要確認 {decision.flagged_count} 件（PDF と CSV: {decision.directory}）")


@decisions.command("approve")
def decisions_approve(decision: Annotated[int, typer.Argument(help="支給決定リストの番号")],
                      user: Annotated[str, typer.Option(help="自治体担当者のユーザー名")]):
    """自治体担当者が承認する: リストの申請のうち、まだ完了のものが支給決定になる"""
    from exchange.decisions.flows import approve_decision_list, get_decision_list

    with cli_session() as session:
        approved = approve_decision_list(session=session, actor=_staff(session, user),
                                         decision=get_decision_list(session=session, actor=CLI_ACTOR,
                                                                    decision_id=decision))
    console.print(f"支給決定リスト {decision}: 申請 {approved} 件を支給決定しました")


@decisions.command("reject")
def decisions_reject(decision: Annotated[int, typer.Argument(help="支給決定リストの番号")],
                     user: Annotated[str, typer.Option(help="自治体担当者のユーザー名")],
                     reason: Annotated[str, typer.Option(help="差し戻す理由")]):
    """自治体担当者がリストを差し戻す（その申請は再び起案できる）"""
    from exchange.decisions.flows import get_decision_list, reject_decision_list

    with cli_session() as session:
        reject_decision_list(session=session, actor=_staff(session, user), reason=reason,
                             decision=get_decision_list(session=session, actor=CLI_ACTOR, decision_id=decision))
    console.print(f"支給決定リスト {decision} を差し戻しました")


@decisions.command("list")
def decisions_list(programme: Annotated[int, typer.Option(help="事業 ID")]):
    """事業の支給決定リストと、支給決定を待つ申請の件数を表示する"""
    from exchange.decisions.flows import STATUS_LABELS_JA, decision_lists_of, ready_for_decision
    from secretariat.core.programmes.service import get_programme

    with cli_session() as session:
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        waiting = len(ready_for_decision(session, target))
        rows = decision_lists_of(session=session, actor=CLI_ACTOR, programme=target)
    console.print(f"支給決定待ちの申請: {waiting} 件")
    for row in rows:
        console.print(f"{row.id}  {STATUS_LABELS_JA[row.status]}  {row.line_count} 件  {row.total_yen:,} 円  "
                      f"起案 {row.proposed_by}  決定 {row.decided_by or '—'}")
