"""`secretariat mailroom keying …`: the keying queue (申請データ入力) from the command line.

Loaded on every `secretariat` invocation to list its commands, so only typer and the light parts
of the core are imported at the top (rich when the console first prints); each command imports the
flows it runs.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from secretariat.core.cli_support import CLI_ACTOR, LazyConsole, cli_session

app = typer.Typer(no_args_is_help=True, help="申請データ入力: forms keyed by double entry (ベリファイ入力).")
console = LazyConsole()
Programme = Annotated[int | None, typer.Option("--programme", help="one programme's forms only")]


@app.command()
def status(programme: Programme = None, as_json: Annotated[bool, typer.Option("--json")] = False):
    """Forms per keying state, and how often the two blind entries agreed."""
    from mailroom.keying import flows

    with cli_session() as session:
        counted = flows.counts(session=session, actor=CLI_ACTOR, programme_id=programme)
    if as_json:
        typer.echo(json.dumps({"by_status": counted.by_status, "agreement_rate": counted.agreement_rate}))
        return
    for state, count in counted.by_status.items():
        console.print(f"{flows.STATUS_LABELS_JA[state]}（{state}）: {count}")
    rate = "—" if counted.agreement_rate is None else f"{counted.agreement_rate:.1%}"
    console.print(f"一致率（2回入力済み {counted.keyed_twice} 件中）: {rate}")


@app.command()
def enqueue(programme: Programme = None):
    """Queue complete forms with a new account that have no keying task yet (forms checked earlier)."""
    from mailroom.keying import flows

    with cli_session() as session:
        added = flows.enqueue_waiting(session=session, actor=CLI_ACTOR, programme_id=programme)
    console.print(f"入力待ちに追加: {added} 件")
