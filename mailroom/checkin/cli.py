"""`secretariat mailroom …`: checking returned forms in, returns and undeliverable mail."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from mailroom.checkin.ingest import ingest_folder, receipts_of_batch, scanner_files
from mailroom.checkin.returns import print_return_letters
from mailroom.checkin.service import check_in_code, record_undeliverable
from mailroom.scanning.check import check_pixels, chosen, field_states
from mailroom.scanning.images import ScanError, read_pages
from secretariat.core.cli_support import CLI_ACTOR, cli_session
from secretariat.core.config import Settings
from secretariat.core.programmes.service import get_programme, parse_date

app = typer.Typer(no_args_is_help=True, help="The mailroom: returned forms, their checks, returns and undeliverable mail.")
console = Console()


def _blank_result(image_name: str, error: ScanError | None = None) -> dict:
    return {"image": image_name, "form_id": None, "target": None, "page": None, "fields": {}, "choices": {},
            "deficiencies": [], "error": {"code": error.code, "message": error.message} if error else None}


def check_result(image_name: str, pixels) -> dict:
    """One line of `mailroom check --json`: what the page is and what it holds, or what was wrong."""
    try:
        reading = check_pixels(pixels)
    except ScanError as error:
        return _blank_result(image_name, error)
    result = _blank_result(image_name)
    verdict = reading.verdict()
    result.update(form_id=reading.code.form_id, target=reading.code.household_id, page=reading.code.page,
                  template=reading.template.key, rotation=reading.located.rotation,
                  fields=field_states(reading), choices=chosen(reading), outcome=verdict.outcome.value,
                  deficiencies=[d.as_json() for d in verdict.deficiencies])
    return result


def check_file(path: Path) -> list[dict]:
    try:
        pages = read_pages(path)
    except ScanError as error:
        return [_blank_result(str(path), error)]
    return [check_result(page.name, page.pixels) for page in pages]


@app.command("check")
def check(images: Annotated[list[Path], typer.Argument(help="scanned pages: JPEG, PNG, TIFF or PDF")],
          as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line per page")] = False):
    """Check scanned pages without filing them: which page each is and which fields are filled.
    Keeps going after a bad image; exits 1 if any image had an error."""
    failed = False
    for path in images:
        for result in check_file(path):
            failed |= result["error"] is not None
            if as_json:
                typer.echo(json.dumps(result, ensure_ascii=False))
            elif result["error"]:
                console.print(f"{result['image']}: [red]{result['error']['message']}[/red]")
            else:
                blank = [name for name, state in result["fields"].items() if state != "filled"]
                console.print(f"{result['image']}: {result['form_id']} p.{result['page']} {result['outcome']}"
                              + (f" (not filled: {', '.join(blank)})" if blank else ""))
    raise typer.Exit(1 if failed else 0)


def _date(value: str | None) -> date | None:
    return parse_date(value, "date") if value else None


@app.command("ingest")
def ingest(folder: Annotated[Path, typer.Argument(help="the scanner's output folder")],
           arrived: Annotated[str | None, typer.Option(help="arrival date (YYYY-MM-DD); default today")] = None):
    """Take in a scanner's output: group pages into forms, check each, file every page."""
    settings = Settings.from_env()
    with cli_session(settings) as session:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("checking", total=len(scanner_files(folder)))
            batch = ingest_folder(session=session, actor=CLI_ACTOR, folder=folder,
                                  store_root=settings.data_dir / "scans", arrived_on=_date(arrived),
                                  progress=lambda n: progress.advance(task, n))
        outcomes: dict[str, int] = {}
        for receipt in receipts_of_batch(session, batch):
            outcomes[receipt.outcome] = outcomes.get(receipt.outcome, 0) + 1
    console.print(f"scan batch {batch.id}: {batch.page_count} pages, {batch.form_count} forms "
                  f"({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items())) or 'none'}), "
                  f"{batch.exception_count} exceptions")


@app.command("checkin")
def checkin(code: Annotated[str, typer.Argument(help="the page code as the handheld scanner reads it")],
            arrived: Annotated[str | None, typer.Option(help="arrival date (YYYY-MM-DD)")] = None,
            postmark: Annotated[str | None, typer.Option(help="postmark date (YYYY-MM-DD)")] = None):
    """Check one form in by its code (the keyboard station does the same)."""
    with cli_session() as session:
        arrival = check_in_code(session=session, actor=CLI_ACTOR, code=code, arrived_on=_date(arrived),
                                postmarked_on=_date(postmark))
        console.print(f"receipt {arrival.receipt.id} for {arrival.receipt.form_id}: {arrival.message}")


@app.command("undeliverable")
def undeliverable(code: Annotated[str, typer.Argument(help="the code in the envelope's window")],
                  returned: Annotated[str | None, typer.Option(help="date it came back (YYYY-MM-DD)")] = None):
    """An envelope came back unopened (あて所に尋ねあたりません)."""
    with cli_session() as session:
        mail = record_undeliverable(session=session, actor=CLI_ACTOR, code=code, returned_on=_date(returned))
        console.print(f"household {mail.household_id} is on the municipality's undeliverable list")


@app.command("returns")
def returns(programme: Annotated[int, typer.Option(help="programme id")]):
    """Print the return letters (返戻通知) waiting for a programme's deficient forms."""
    settings = Settings.from_env()
    with cli_session(settings) as session:
        found = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        batch = print_return_letters(session=session, actor=CLI_ACTOR, programme=found,
                                     out_root=settings.data_dir / "returns")
        if batch is None:
            console.print("no deficient form is waiting for a return letter")
            return
        console.print(f"{batch.letter_count} return letters in {batch.directory}")
