"""`secretariat giftcodes …`: a programme's payout method, the provider's files, and gift-code batches."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from secretariat.core.cli_support import CLI_ACTOR, LazyConsole, cli_session, err
from secretariat.core.config import Settings

app = typer.Typer(no_args_is_help=True, help="デジタルギフト: 事業者のファイル、ギフトコード割当"
                                             "（作成・承認・確定）、引換")
console = LazyConsole()


def _staff(session, username: str):
    from exchange.cli import _staff as staff

    return staff(session, username)


def _programme(session, programme_id: int):
    from secretariat.core.programmes.service import get_programme

    return get_programme(session=session, actor=CLI_ACTOR, programme_id=programme_id)


def _import(flow, file: Path, programme_id: int) -> None:
    """Import a provider's file with `flow`; its problems, one a line, then its outcome; exit 1 when
    nothing was imported."""
    from exchange.targets.encoding import limits_of

    with cli_session() as session:
        result = flow(session=session, actor=CLI_ACTOR, programme=_programme(session, programme_id), path=file,
                      limits=limits_of(Settings.from_env()))
    for problem in result.errors + result.warnings:
        err.print(f"{problem.row} 行目: {problem.column} {problem.value!r}: {problem.message}")
    console.print(result.summary)
    raise typer.Exit(0 if result.ok else 1)


@app.command("setting")
def setting(programme: Annotated[int, typer.Option(help="事業 ID")],
            payout: Annotated[str, typer.Option(help="支給方法: `transfer`（口座振込）、`gift_code`"
                                                     "（デジタルギフト）、`choice`（世帯の選択）")],
            provider: Annotated[str, typer.Option(help="ギフトコード事業者の名前")] = "",
            delivery: Annotated[str, typer.Option(help="届け方: `letter`（郵送）または `sms`（SMS）")] = "letter",
            redemption_url: Annotated[str, typer.Option(help="事業者の引換 URL（コードが入る位置に `{code}`）")] = ""):
    """事業の支給方法（口座振込・デジタルギフト・世帯の選択）とギフトコード事業者を設定する"""
    from exchange.giftcodes.setting import set_giftcode_setting
    from secretariat.core.messages import label_code

    with cli_session() as session:
        saved = set_giftcode_setting(session=session, actor=CLI_ACTOR, programme=_programme(session, programme),
                                     payout=payout, provider=provider, delivery=delivery,
                                     redemption_url=redemption_url)
    console.print(f"事業 {programme}: 支給方法 {label_code('payout', saved.payout)}、"
                  f"ギフトコード事業者 {saved.provider or '-'}")


@app.command("import")
def import_codes(file: Annotated[Path, typer.Argument(help="事業者の発行ファイル（CSV）")],
                 programme: Annotated[int, typer.Option(help="事業 ID")]):
    """事業者の発行ファイルを取り込む

    列は `code,amount,expiry`。誤った行が 1 つでもあれば何も取り込まない"""
    from exchange.giftcodes.issuance import import_issuance

    _import(import_issuance, file, programme)


@app.command("prepare")
def prepare(programme: Annotated[int, typer.Option(help="事業 ID")],
            user: Annotated[str, typer.Option(help="作成者（職員のユーザー名）")]):
    """ギフトコード割当を作成する

    デジタルギフトで支給する支給決定済みの申請ごとに、その金額のコードを確保する"""
    from exchange.giftcodes.batches import prepare_giftcode_batch

    with cli_session() as session:
        prepared = prepare_giftcode_batch(session=session, actor=_staff(session, user),
                                          programme=_programme(session, programme))
    batch = prepared.batch
    console.print(f"ギフトコード割当 {batch.id}: コード {batch.line_count} 件、{batch.total_yen:,} 円（承認待ち）"
                  if batch else "割り当てるものはありません")
    for line in prepared.refused:
        console.print(f"除外: {line}")


@app.command("approve")
def approve(batch: Annotated[int, typer.Argument(help="ギフトコード割当の番号")],
             user: Annotated[str, typer.Option(help="承認者（職員のユーザー名）")]):
    """作成済みのギフトコード割当を承認する（作成者本人は承認できない）"""
    from exchange.giftcodes.batches import approve_giftcode_batch, get_giftcode_batch

    with cli_session() as session:
        approved = approve_giftcode_batch(session=session, actor=_staff(session, user),
                                          batch=get_giftcode_batch(session=session, actor=CLI_ACTOR, batch_id=batch))
    console.print(f"ギフトコード割当 {approved.id} を承認しました（承認者 {approved.approved_by}）")


@app.command("freeze")
def freeze(batch: Annotated[int, typer.Argument(help="ギフトコード割当の番号")]):
    """承認済みのギフトコード割当のコードを申請に割り当てる（以後その割当は変更できない）"""
    from exchange.giftcodes.batches import freeze_giftcode_batch, get_giftcode_batch

    with cli_session() as session:
        frozen = freeze_giftcode_batch(session=session, actor=CLI_ACTOR,
                                       batch=get_giftcode_batch(session=session, actor=CLI_ACTOR, batch_id=batch))
    console.print(f"ギフトコード割当 {frozen.id} を確定しました: コード {frozen.line_count} 件を割り当て")


@app.command("letters")
def letters(programme: Annotated[int, typer.Option(help="事業 ID")],
            out: Annotated[Path, typer.Option(help="PDF を書き出すフォルダ")]):
    """割り当てたコードを SMS または手紙で届ける

    事業の届け方が SMS で世帯に携帯電話があれば事業者のリンクを SMS で、それ以外はコードの QR 付きの手紙で届ける（手紙は 1 つの PDF に郵便番号順）"""
    from exchange.giftcodes.delivery import deliver_giftcodes

    with cli_session() as session:
        delivered = deliver_giftcodes(session=session, actor=CLI_ACTOR, programme=_programme(session, programme),
                                      out_dir=out)
    console.print(f"郵送 {delivered.letter_count} 通、SMS {delivered.texted} 件"
                  + (f"（手紙: {delivered.letters}）" if delivered.letters else ""))


@app.command("redemptions")
def redemptions(file: Annotated[Path, typer.Argument(help="事業者の引換ファイル（CSV）")],
                programme: Annotated[int, typer.Option(help="事業 ID")]):
    """事業者の引換ファイルを取り込む

    列は `code,redeemed_at`。引き換えられたコードの申請は支給済みになる"""
    from exchange.giftcodes.redemption import import_redemptions

    _import(import_redemptions, file, programme)


@app.command("unredeemed")
def unredeemed(programme: Annotated[int, typer.Option(help="事業 ID")],
               out: Annotated[Path, typer.Option(help="書き出す未引換の一覧（CSV）")]):
    """有効期限を過ぎた割当済みのコードを期限切れにし、未引換の一覧（CSV、CP932）を書き出す"""
    from exchange.giftcodes.redemption import expire_unredeemed, unredeemed_csv
    from exchange.results.files import write_atomically

    with cli_session() as session:
        expired = expire_unredeemed(session=session, actor=CLI_ACTOR, programme=_programme(session, programme))
        write_atomically(out, unredeemed_csv(expired))
    console.print(f"期限切れで未引換のコード: {len(expired)} 件 → {out}")


@app.command("cancellations")
def cancellations(programme: Annotated[int, typer.Option(help="事業 ID")],
                  out: Annotated[Path, typer.Option(help="書き出す取消依頼（CSV）")],
                  again: Annotated[int | None, typer.Option(
                      "--list", help="新しく作らずに、前に作った取消依頼（その番号）を書き出し直す")] = None):
    """事業者への取消依頼を書き出す

    割当の後に辞退・取下げとなった申請のコードを無効にし、どの取消依頼にもまだ載っていないコードで新しい取消依頼（`code,amount,expiry,reason`、UTF-8）を書き出す

    --list N なら、取消依頼 N を作ったときのまま書き出し直す"""
    from exchange.giftcodes.withdrawal import cancel_csv, cancel_list_codes, make_cancel_list
    from exchange.results.files import write_atomically

    with cli_session() as session:
        chosen = _programme(session, programme)
        if again is None:
            again = make_cancel_list(session=session, actor=CLI_ACTOR, programme=chosen).id
        listed = cancel_list_codes(session=session, actor=CLI_ACTOR, programme=chosen, list_id=again)
        write_atomically(out, cancel_csv(listed))
    console.print(f"取消依頼 {again}: 取消を依頼するコード {len(listed)} 件 → {out}")


@app.command("reissue")
def reissue(code: Annotated[int, typer.Option(help="期限切れのコードの ID")],
            programme: Annotated[int, typer.Option(help="事業 ID")],
            user: Annotated[str, typer.Option(help="スーパーバイザーのユーザー名")]):
    """期限切れで未引換のコードの申請が、次の割当で新しいコードを受け取れるようにする（再発行）"""
    from exchange.giftcodes.withdrawal import allow_reissue

    with cli_session() as session:
        allow_reissue(session=session, actor=_staff(session, user), programme=_programme(session, programme),
                      code_id=code)
    console.print(f"コード {code} の再発行を認めました。新しいコードは次の割当の作成と承認で渡ります")
