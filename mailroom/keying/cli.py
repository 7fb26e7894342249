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

app = typer.Typer(no_args_is_help=True, help="申請データ入力: 口座などを 2 人が別々に入力して照合する（ベリファイ入力）")
console = LazyConsole()
Programme = Annotated[int | None, typer.Option("--programme", help="この事業の申請書だけを対象にする")]


@app.command()
def status(programme: Programme = None, as_json: Annotated[bool, typer.Option("--json", help="JSON で出力する")] = False):
    """入力の状態ごとの件数と、2 回の入力が一致した割合を表示する"""
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
    """まだ入力待ちにない申請書を入力待ちに加える

    対象は、新しい口座を書いた完了の申請書のうち入力待ちにないもの（以前に審査したもの）"""
    from mailroom.keying import flows

    with cli_session() as session:
        added = flows.enqueue_waiting(session=session, actor=CLI_ACTOR, programme_id=programme)
    console.print(f"入力待ちに追加: {added} 件")
