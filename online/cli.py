"""`secretariat online …`: the residents' online application from the command line.

Loaded on every `secretariat` invocation to list its commands, so only typer, rich and the light
parts of the core are imported at the top; each command imports the flows it runs.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from secretariat.core.cli_support import CLI_ACTOR, cli_session
from secretariat.core.config import Settings

app = typer.Typer(no_args_is_help=True, help="オンライン申請（ファストパス）: the links printed on the notices.")
console = Console()


@app.command()
def tokens(programme: Annotated[int, typer.Option("--programme", help="the programme's households")],
           out: Annotated[Path, typer.Option("--out", help="the CSV for the print room")] = Path("online-links.csv"),
           reissue: Annotated[bool, typer.Option("--reissue", help="new links for every household; "
                                                 "the links printed before stop working")] = False):
    """Issue each household's link and write 世帯番号 → short URL (CP932 CSV) for the print room.

    Only households without a link get one (all, with --reissue): a link exists whole only in this
    file, the store keeps its hash."""
    from online.flows import issue_tokens, short_url
    from secretariat.core.programmes.service import get_programme

    settings = Settings.from_env()
    with cli_session(settings) as session:
        found = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        issued = issue_tokens(session=session, actor=CLI_ACTOR, programme=found, reissue=reissue)
        with open(out, "w", encoding="cp932", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(["世帯番号", "URL"])
            writer.writerows((number, short_url(settings.public_base_url, token)) for number, token in issued)
    console.print(f"リンクを発行しました: {len(issued)} 世帯 → {out}")
