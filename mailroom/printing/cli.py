"""`secretariat print …`: the print room's commands."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from mailroom.printing.customer_barcode import NoCustomerBarcode, for_address

app = typer.Typer(no_args_is_help=True, help="The print room: forms, runs and the codes printed on them.")
console = Console()


@app.command("barcode")
def barcode(postal: Annotated[str, typer.Option(help="postal code, e.g. 2630023 or 263-0023")],
            address: Annotated[str, typer.Option(help="the address as printed on the envelope")],
            as_json: Annotated[bool, typer.Option("--json", help="print the symbols as a JSON list")] = False):
    """Japan Post's customer barcode (カスタマバーコード) for an address."""
    try:
        code = for_address(postal, address)
    except NoCustomerBarcode as error:
        Console(stderr=True).print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps(list(code.symbols), ensure_ascii=False))
        return
    console.print(f"住所表示番号: {code.address_number}")
    console.print(" ".join(code.symbols))
    console.print(f"bars (1 long, 2 upper, 3 lower, 4 timing): {code.bars}")
