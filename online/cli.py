"""`secretariat online …`: the residents' online application from the command line.

Loaded on every `secretariat` invocation to list its commands, so only typer and the light parts
of the core are imported at the top (rich when the console first prints); each command imports the
flows it runs.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from secretariat.core.cli_support import CLI_ACTOR, LazyConsole, cli_session
from secretariat.core.config import Settings

app = typer.Typer(no_args_is_help=True, help="オンライン申請（ファストパス）のリンクと、プッシュ型の支給のお知らせ")
console = LazyConsole()


@app.command()
def tokens(programme: Annotated[int, typer.Option("--programme", help="事業 ID（この事業の世帯が対象）")],
           out: Annotated[Path, typer.Option("--out", help="印刷用に書き出す CSV")] = Path("online-links.csv"),
           reissue: Annotated[bool, typer.Option("--reissue", help="すべての世帯に新しいリンクを発行する"
                                                 "（前に印刷したリンクは使えなくなる）")] = False):
    """世帯ごとのリンクを発行し、世帯番号と短縮 URL の一覧（CP932 の CSV）を印刷用に書き出す

    リンクのない世帯にだけ発行する（--reissue ならすべての世帯）。リンクそのものはこのファイルにしか残らず、データベースにはそのハッシュ値だけを保存する"""
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


@app.command("push-dates")
def push_dates(programme: Annotated[int, typer.Option("--programme", help="プッシュ型の事業の ID")],
               decline_by: Annotated[str, typer.Option("--decline-by", help="E: 辞退・口座変更の期限"
                                                       "（YYYY-MM-DD）")],
               pay_by: Annotated[str, typer.Option("--pay-by", help="D: 支給日（YYYY-MM-DD）")]):
    """支給のお知らせ: プッシュ型の事業の辞退・口座変更の期限（E）と支給日（D）を設定する"""
    from datetime import date

    from online.push import japanese_date, set_push_dates
    from secretariat.core.programmes.service import get_programme

    try:
        decline_day, pay_day = date.fromisoformat(decline_by), date.fromisoformat(pay_by)
    except ValueError:
        raise typer.BadParameter("日付は YYYY-MM-DD で指定してください") from None
    with cli_session() as session:
        found = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        set_push_dates(session=session, actor=CLI_ACTOR, programme=found, decline_by=decline_day, pay_by=pay_day)
    console.print(f"期限（E）{japanese_date(decline_day)}、支給日（D）{japanese_date(pay_day)} を設定しました")


@app.command("push-notices")
def push_notices(programme: Annotated[int, typer.Option("--programme", help="プッシュ型の事業の ID")]):
    """支給のお知らせ: お知らせを SMS で送る

    発送済みでまだ知らせていない世帯に、支給額・支給日（D）・期限（E）とリンクを送る。携帯電話の番号がない世帯は、書面で知らせるために一覧表示する"""
    from online.push import send_push_notices
    from secretariat.core.programmes.service import get_programme

    settings = Settings.from_env()
    with cli_session(settings) as session:
        found = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        sent = send_push_notices(session=session, actor=CLI_ACTOR, programme=found,
                                 base_url=settings.public_base_url)
    console.print(f"SMSの送信を依頼しました: {sent.texted} 世帯（送信済み {sent.already} 世帯は除く）")
    if sent.by_letter:
        console.print(f"携帯電話の番号がない世帯（書面で通知）: {len(sent.by_letter)} 世帯: {'、'.join(sent.by_letter)}")


@app.command("push-letters")
def push_letters(programme: Annotated[int, typer.Option("--programme", help="プッシュ型の事業の ID")],
                 out: Annotated[Path | None, typer.Option("--out", help="手紙の印刷のフォルダを置く場所")] = None):
    """支給のお知らせ: お知らせの手紙を印刷する

    携帯電話の番号がなく、まだ印刷していない世帯の手紙を、世帯ごとの QR コード付きで郵便番号順に印刷する

    発送日は `secretariat print letters-mailed` で記録する"""
    from online.push_letters import print_push_letters
    from secretariat.core.programmes.service import get_programme

    settings = Settings.from_env()
    with cli_session(settings) as session:
        found = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        run = print_push_letters(session=session, actor=CLI_ACTOR, programme=found,
                                 out_root=out or settings.data_dir / "print-runs", base_url=settings.public_base_url)
    if run is None:
        console.print("印刷するお知らせの手紙はありません（書面で通知する世帯はすべて印刷済みです）")
        return
    console.print(f"お知らせの手紙を印刷しました: {run.letter_count} 通 → {run.directory}/{run.letters_file}"
                  f"（手紙の印刷 {run.id}）")


@app.command("push-approve")
def push_approve(programme: Annotated[int, typer.Option("--programme", help="プッシュ型の事業の ID")]):
    """支給のお知らせ: 期限（E）の後に、残りの申請をまとめて支給決定する

    まだ決定していない申請をすべて支給決定する（E より前は受け付けない）。何度実行してもよい: 一定件数ごとに確定し、支給決定済みの申請を重ねて決定することはない"""
    from online.push_jobs import approve_all
    from secretariat.core.programmes.service import get_programme

    with cli_session() as session:
        found = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        moved = approve_all(session, found, actor=CLI_ACTOR)
    console.print(f"支給決定しました: {moved} 件")
