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

app = typer.Typer(no_args_is_help=True, help="オンライン申請（ファストパス）: the links printed on the notices.")
console = LazyConsole()


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


@app.command("push-dates")
def push_dates(programme: Annotated[int, typer.Option("--programme", help="a push-type programme")],
               decline_by: Annotated[str, typer.Option("--decline-by", help="E: last day to decline or change "
                                                       "the account (YYYY-MM-DD)")],
               pay_by: Annotated[str, typer.Option("--pay-by", help="D: paid by this day (YYYY-MM-DD)")]):
    """支給のお知らせ: set the push programme's decline-or-change-by date E and pay-by date D."""
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
def push_notices(programme: Annotated[int, typer.Option("--programme", help="a push-type programme")]):
    """支給のお知らせ: text every mailed household not yet told its amount, D, E and its link; list
    those without a mobile number for a letter."""
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
def push_letters(programme: Annotated[int, typer.Option("--programme", help="a push-type programme")],
                 out: Annotated[Path | None, typer.Option("--out", help="where letter-run folders go")] = None):
    """支給のお知らせ: print the notice letter, with its own QR link, of every household without a mobile
    number not yet printed (postal-code order); record its 発送日 with `secretariat print letters-mailed`."""
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
def push_approve(programme: Annotated[int, typer.Option("--programme", help="a push-type programme")]):
    """支給のお知らせ: after E, approve (支給決定) every application still undecided; refused before E.
    Safe to repeat: each batch is committed, and an approved application is not approved again."""
    from online.push_jobs import approve_all
    from secretariat.core.programmes.service import get_programme

    with cli_session() as session:
        found = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        moved = approve_all(session, found, actor=CLI_ACTOR)
    console.print(f"支給決定しました: {moved} 件")
