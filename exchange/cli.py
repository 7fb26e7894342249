"""`secretariat exchange …`: the SFTP drop, target-list import, result files and payments."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from exchange.drop.accounts import create_drop_account
from exchange.drop.client import pull, push, sftp_session
from exchange.drop.processing import process_dropped_file, report_csv
from exchange.drop.server import DropServer, host_key_line, load_host_key
from exchange.results.payments import (approve_payment_batch, export_payment_batch, get_batch, import_payment_results,
                                       prepare_payment_batch)
from exchange.results.status import write_result_files
from exchange.targets.mapping import load_mapping
from exchange.targets.service import import_target_file
from exchange.targets.validate import read_target_list
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.service import actor_for, find_user
from secretariat.core.cli_support import CLI_ACTOR, cli_session, err
from secretariat.core.clock import today_jst
from secretariat.core.config import Settings
from secretariat.core.db import make_engine
from secretariat.core.programmes.service import get_programme, parse_date
from secretariat.core.tenancy.models import Municipality
from secretariat.core.tenancy.service import get_municipality_by_code
from secretariat.migrations import migrate

app = typer.Typer(no_args_is_help=True, help="The exchange with municipalities: SFTP drop, target lists, results.")
payments = typer.Typer(no_args_is_help=True, help="Payment lists: prepare, approve (another person), export.")
accounts = typer.Typer(no_args_is_help=True, help="SFTP drop accounts, one per municipality.")
app.add_typer(payments, name="payments")
app.add_typer(accounts, name="accounts")
console = Console()


def drop_root(settings: Settings) -> Path:
    return settings.data_dir / "drop"


def host_key_file(settings: Settings) -> Path:
    return settings.data_dir / "drop-host-key"


def start_drop(settings: Settings, host: str, port: int) -> tuple[DropServer, int]:
    engine = make_engine(settings.database_url)
    migrate(engine)
    server = DropServer(engine=engine, drop_root=drop_root(settings), host_key=load_host_key(host_key_file(settings)),
                        processor=lambda login, path, name: process_dropped_file(engine, login, path, name))
    return server, server.start(host, port)


@app.command()
def serve(host: Annotated[str, typer.Option()] = "127.0.0.1", port: Annotated[int, typer.Option()] = 2222):
    """Serve the SFTP drop until interrupted."""
    settings = Settings.from_env()
    server, bound = start_drop(settings, host, port)
    console.print(f"SFTP drop on {host}:{bound}, folders under {drop_root(settings)}\n"
                  f"host key (pin it on clients): {host_key_line(server.host_key)}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    server.stop()


@accounts.command("add")
def accounts_add(municipality: Annotated[str, typer.Argument(help="municipality code")], username: str,
                 key_file: Annotated[list[Path], typer.Option("--key-file", help="an OpenSSH .pub file; repeat")],
                 programme: Annotated[int | None, typer.Option(help="where target lists go")] = None):
    """Give a municipality its drop account (public-key login only)."""
    with cli_session() as session:
        owner = get_municipality_by_code(session=session, actor=CLI_ACTOR, code=municipality)
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme) if programme else None
        keys = [line for path in key_file for line in path.read_text().splitlines()]
        account = create_drop_account(session=session, actor=CLI_ACTOR, municipality=owner, username=username,
                                      public_keys=keys, programme=target)
    console.print(f"drop account {account.username} for {municipality}")


@app.command()
def validate(file: Path, mapping: Annotated[str, typer.Option(help="column mapping under templates/mappings")]
             = "default", as_json: Annotated[bool, typer.Option("--json")] = False):
    """Check a target list without importing it; exit status 1 if it has errors."""
    if not file.is_file():
        err.print(f"[red]error:[/red] no file {file}")
        raise typer.Exit(2)
    listing = read_target_list(file, load_mapping(mapping))
    report = listing.report()
    if as_json:
        print(json.dumps(report, ensure_ascii=False, default=str))
    else:
        _print_report(report)
    raise typer.Exit(0 if listing.ok else 1)


def _print_report(report: dict) -> None:
    console.print(f"{report['file']}: {report['encoding']}, {report['rows']} rows, {report['households']} households; "
                  f"{report['error_count']} errors, {report['warning_count']} warnings")
    table = Table("row", "column", "value", "code", "problem")
    for kind in ("errors", "warnings"):
        for problem in report[kind][:200]:
            table.add_row(str(problem["row"]), problem["column"], problem["value"], problem["code"],
                          problem["message"])
    if report["errors"] or report["warnings"]:
        console.print(table)


@app.command("import")
def import_(file: Path, programme: Annotated[int, typer.Option(help="programme id")],
            mapping: Annotated[str, typer.Option()] = "default",
            report: Annotated[Path | None, typer.Option(help="also write the CP932 report CSV here")] = None):
    """Import a target list or delta: all of it, or nothing if it has any error."""
    with cli_session() as session:
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        record, listing = import_target_file(session=session, actor=CLI_ACTOR, programme=target, path=file,
                                             mapping=mapping, source="cli")
    _print_report(listing.report())
    if report:
        report.write_bytes(report_csv(record.status, listing.errors, listing.warnings))
    console.print(f"file {record.id}: {record.status}")
    raise typer.Exit(0 if record.status != "rejected" else 1)


@app.command()
def results(programme: Annotated[int, typer.Option(help="programme id")],
            out: Annotated[Path | None, typer.Option(help="default: the municipality's drop outbox")] = None):
    """Write the status file and the return, undeliverable and decline lists (CP932 CSV and XLSX)."""
    settings = Settings.from_env()
    with cli_session(settings) as session:
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        out = out or drop_root(settings) / session.get(Municipality, target.municipality_id).code / "outbox"
        written = write_result_files(session=session, actor=CLI_ACTOR, programme=target, out_dir=out, on=today_jst())
    for path in written:
        console.print(str(path))


def _staff(session, username: str) -> Actor:
    return actor_for(find_user(session=session, username=username), "cli")


@payments.command("prepare")
def payments_prepare(programme: Annotated[int, typer.Option()],
                     user: Annotated[str, typer.Option(help="the preparer (maker), a staff username")],
                     transfer_date: Annotated[str, typer.Option(help="振込指定日 YYYY-MM-DD")],
                     requester_code: Annotated[str, typer.Option(help="委託者コード (10 digits)")],
                     requester_name: Annotated[str, typer.Option(help="振込依頼人名 (kana)")],
                     from_bank: Annotated[str, typer.Option()], from_branch: Annotated[str, typer.Option()],
                     from_account: Annotated[str, typer.Option()]):
    """Prepare a payment batch of every approved application with an account on file."""
    with cli_session() as session:
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        prepared = prepare_payment_batch(session=session, actor=_staff(session, user), programme=target,
                                         transfer_date=parse_date(transfer_date, "振込指定日"),
                                         requester_code=requester_code, requester_name_kana=requester_name,
                                         from_bank_code=from_bank, from_branch_code=from_branch,
                                         from_account_number=from_account)
    batch = prepared.batch
    console.print(f"batch {batch.id}: {batch.line_count} transfers, {batch.total_yen:,} yen" if batch
                  else "nothing to pay")
    if prepared.without_account:
        console.print(f"{len(prepared.without_account)} approved households have no account on file")
    for line in prepared.refused:
        console.print(f"left out: {line}")


@payments.command("approve")
def payments_approve(batch: int, user: Annotated[str, typer.Option(help="the approver (checker)")]):
    """Approve a prepared batch; the approver must not be its preparer."""
    with cli_session() as session:
        approved = approve_payment_batch(session=session, actor=_staff(session, user),
                                         batch=get_batch(session=session, actor=CLI_ACTOR, batch_id=batch))
    console.print(f"batch {approved.id} approved by {approved.approved_by}")


@payments.command("export")
def payments_export(batch: int, out: Annotated[Path | None, typer.Option()] = None):
    """Write an approved batch as CSV and a Zengin 総合振込 file; the batch is frozen from then on."""
    settings = Settings.from_env()
    with cli_session(settings) as session:
        found = get_batch(session=session, actor=CLI_ACTOR, batch_id=batch)
        out = out or drop_root(settings) / session.get(Municipality, found.municipality_id).code / "outbox"
        paths = export_payment_batch(session=session, actor=CLI_ACTOR, batch=found, out_dir=out)
    for path in paths:
        console.print(str(path))


@app.command("payment-results")
def payment_results(file: Path, programme: Annotated[int, typer.Option()]):
    """Import the municipality's payment-result file: paid, or failed with its reason."""
    with cli_session() as session:
        target = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        result = import_payment_results(session=session, actor=CLI_ACTOR, programme=target, path=file)
    for problem in result.errors:
        err.print(f"row {problem.row}: {problem.column} {problem.value!r}: {problem.message}")
    console.print(f"{result.paid} paid, {result.failed} failed" if result.ok else "nothing imported")
    raise typer.Exit(0 if result.ok else 1)


Host = Annotated[str, typer.Option(help="the municipality's SFTP server")]
User = Annotated[str, typer.Option(help="our account on it")]
Key = Annotated[Path, typer.Option(help="our private key file")]
HostKey = Annotated[str, typer.Option(help="the server's public host key line (type and base64), pinned")]
Port = Annotated[int, typer.Option()]


@app.command("push")
def push_(file: Path, host: Host, user: User, key: Key, host_key: HostKey, port: Port = 22,
          remote_dir: Annotated[str, typer.Option()] = "inbox"):
    """Upload a file to a municipality's own SFTP server (temporary name, then rename)."""
    with sftp_session(host=host, port=port, username=user, key_file=key, host_key_line=host_key) as sftp:
        console.print(push(sftp, file, remote_dir))


@app.command("pull")
def pull_(into: Path, host: Host, user: User, key: Key, host_key: HostKey, port: Port = 22,
          remote_dir: Annotated[str, typer.Option()] = "outbox"):
    """Download new files from a municipality's own SFTP server."""
    with sftp_session(host=host, port=port, username=user, key_file=key, host_key_line=host_key) as sftp:
        for path in pull(sftp, into, remote_dir):
            console.print(str(path))
