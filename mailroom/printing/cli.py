"""`secretariat print …`: the print room's commands."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from pathlib import Path

from mailroom.printing.customer_barcode import NoCustomerBarcode, for_address
from mailroom.printing.samples import write_sample
from templates.layout import layout, summary
from templates.loader import default_templates

app = typer.Typer(no_args_is_help=True, help="The print room: forms, runs and the codes printed on them.")
forms = typer.Typer(no_args_is_help=True, help="Form, letter and envelope templates.")
console = Console()
err = Console(stderr=True)


def _template(template_id: str):
    known = default_templates()
    if template_id not in known:
        err.print(f"[red]error:[/red] no template {template_id!r}; known: {', '.join(sorted(known))}")
        raise typer.Exit(1)
    return known[template_id]


@forms.command("list")
def forms_list(as_json: Annotated[bool, typer.Option("--json")] = False):
    """The templates this installation can print."""
    rows = [summary(template) for template in default_templates().values()]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        console.print(f"{row['id']}@{row['version']}  {row['kind']:<8} {row['pages']}p  {row['title']}")


@forms.command("layout")
def forms_layout(template_id: Annotated[str, typer.Argument(metavar="ID")],
                 as_json: Annotated[bool, typer.Option("--json")] = True):
    """A template's pages and fields with their boxes in millimetres from the top-left, and its rules."""
    print(json.dumps(layout(_template(template_id)), ensure_ascii=False, indent=None if as_json else 2))


@forms.command("sample")
def forms_sample(template_id: Annotated[str, typer.Argument(metavar="ID")],
                 count: Annotated[int, typer.Option(min=1, max=10_000)] = 5,
                 out: Annotated[Path, typer.Option(help="the PDF to write")] = Path("sample.pdf"),
                 manifest: Annotated[Path | None, typer.Option(help="a JSON list of what each PDF page is")] = None,
                 seed: Annotated[int, typer.Option()] = 0):
    """Print a template for synthetic households, for design review and scan-check tests."""
    pages = write_sample(_template(template_id), count, out, seed)
    if manifest:
        manifest.write_text(json.dumps([page.__dict__ for page in pages], ensure_ascii=False, indent=1),
                            encoding="utf-8")
    console.print(f"wrote {len(pages)} pages to {out}" + (f" and the manifest to {manifest}" if manifest else ""))


@app.command("barcode")
def barcode(postal: Annotated[str, typer.Option(help="postal code, e.g. 2630023 or 263-0023")],
            address: Annotated[str, typer.Option(help="the address as printed on the envelope")],
            as_json: Annotated[bool, typer.Option("--json", help="print the symbols as a JSON list")] = False):
    """Japan Post's customer barcode (カスタマバーコード) for an address."""
    try:
        code = for_address(postal, address)
    except NoCustomerBarcode as error:
        err.print(f"[red]error:[/red] {error}")
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps(list(code.symbols), ensure_ascii=False))
        return
    console.print(f"住所表示番号: {code.address_number}")
    console.print(" ".join(code.symbols))
    console.print(f"bars (1 long, 2 upper, 3 lower, 4 timing): {code.bars}")
