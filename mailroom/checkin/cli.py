"""`secretariat mailroom …`: checking returned forms in, returns and undeliverable mail.

Every `secretariat` invocation loads this module to list its commands, so it imports only typer
and the light parts of the core at the top (its console loads rich when it first prints); each
command imports what it runs (SQLAlchemy, OpenCV, the check) in its body. `check` and `ingest`
check pages on every core (`mailroom.scanning.parallel`, `--workers`): the process that prints and
files the results then decodes no page itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from secretariat.core.cli_support import CLI_ACTOR, LazyConsole, cli_session, err as err_console
from secretariat.core.config import Settings

if TYPE_CHECKING:
    from mailroom.scanning.images import ScanError, ScanLimits
    from mailroom.scanning.parallel import PageCheck, PageTask

app = typer.Typer(no_args_is_help=True, help="郵便受付: 返送された申請書の受付と審査、返戻、宛所不明")
console = LazyConsole()
Workers = Annotated[int | None, typer.Option("--workers", min=1,
                                             help="頁を読み取るプロセスの数（既定: この機械の CPU コア数）")]
OUTCOMES = {"complete": "完了", "deficient": "不備", "review": "目視確認待ち", "pending": "未審査"}


def _blank_result(image_name: str | None, error: ScanError | None = None) -> dict:
    return {"image": image_name, "form_id": None, "target": None, "page": None, "fields": {}, "choices": {},
            "deficiencies": [], "error": {"code": error.code, "message": error.message} if error else None}


def check_result(image_name: str | None, checked: PageCheck) -> dict:
    """One line of `mailroom check --json`: what the page is and what it holds, or what was wrong
    (with the form and page, when the page was identified but could not be read)."""
    if checked.reading is None:
        result = _blank_result(image_name, checked.error)
        known = getattr(checked.error, "page_code", None)  # `locate.Unregistered`: which page, but not placed
        if known is not None:
            result.update(form_id=known.form_id, target=known.household_id, page=known.page)
        return result
    from mailroom.scanning.check import chosen, field_states

    reading = checked.reading
    verdict = reading.verdict()
    result = _blank_result(image_name)
    result.update(form_id=reading.code.form_id, target=reading.code.household_id, page=reading.code.page,
                  template=reading.template.key, rotation=reading.located.rotation,
                  fields=field_states(reading), choices=chosen(reading), outcome=verdict.outcome.value,
                  deficiencies=[d.as_json() for d in verdict.deficiencies])
    return result


def page_result(task: PageTask, limits: ScanLimits) -> dict:
    """A page's line, without its image's name: what a worker hands back (a small dict, not the reading)."""
    from mailroom.scanning.parallel import check_page

    return check_result(None, check_page(task, limits))


def page_tasks(paths: list[Path], limits: ScanLimits) -> Iterator[tuple[str, PageTask]]:
    """Each page of each file, named as the output shows it (`file#2` for a file's second page)."""
    from mailroom.scanning.images import count_pages
    from mailroom.scanning.parallel import PageTask

    for path in paths:
        count = count_pages(path, limits)  # 1 for a file refused whole: its page says why
        for index in range(1, count + 1):
            yield (str(path) if index == 1 else f"{path}#{index}"), PageTask(str(path), index)


@app.command("check")
def check(images: Annotated[list[Path], typer.Argument(help="スキャンした頁（JPEG、PNG、TIFF、PDF）")],
          as_json: Annotated[bool, typer.Option("--json", help="1 頁ごとに 1 行の JSON で出力する")] = False,
          workers: Workers = None):
    """スキャンした頁を保存せずに読み取る

    どの様式の何頁目か、どの欄に記入があるかを表示する。読めない画像があっても続け、1 枚でもエラーがあれば終了コード 1 で終わる"""
    from functools import partial

    from mailroom.scanning.images import scan_limits
    from mailroom.scanning.parallel import PageChecker, default_workers

    limits = scan_limits(Settings.from_env())
    failed = False
    with PageChecker(workers or default_workers(), partial(page_result, limits=limits)) as checker:
        for name, result in checker.in_order(page_tasks(images, limits)):
            result["image"] = name
            failed |= result["error"] is not None
            if as_json:
                typer.echo(json.dumps(result, ensure_ascii=False))
            elif result["error"]:
                console.print(f"{name}: [red]{result['error']['message']}[/red]")
            else:
                blank = [field for field, state in result["fields"].items() if state != "filled"]
                console.print(f"{name}: 様式 {result['form_id']} の {result['page']} 頁目 "
                              f"{OUTCOMES.get(result['outcome'], result['outcome'])}"
                              + (f"（記入なし: {', '.join(blank)}）" if blank else ""))
    raise typer.Exit(1 if failed else 0)


def _session(settings: Settings | None = None):
    """`cli_session`, with every core table on the metadata and the guards on them installed, as
    the web app has them (the service modules alone do not bring all of them in)."""
    import secretariat.core.models  # noqa: F401

    return cli_session(settings)


def _date(value: str | None) -> date | None:
    from secretariat.core.programmes.service import parse_date

    return parse_date(value, "日付") if value else None


# The ingest is a job (`mailroom.ingest`, keyed by the folder: a second start joins it); this command
# runs it itself unless a `secretariat worker` has taken it, and follows it to its end.
@app.command("ingest")
def ingest(folder: Annotated[Path, typer.Argument(help="スキャナーの出力フォルダ")],
           arrived: Annotated[str | None, typer.Option(help="到着日（YYYY-MM-DD。省略時は今日）")] = None,
           workers: Workers = None,
           no_wait: Annotated[bool, typer.Option("--no-wait", help="ジョブを登録してその番号を表示するだけにする"
                                                                   "（取込みは `secretariat worker` が行う）")] = False):
    """スキャナーの出力を取り込む: 頁を申請書ごとにまとめて審査し、すべての頁を保存する"""
    from mailroom.checkin.ingest_jobs import start_ingest
    from mailroom.scanning.images import scan_limits
    from mailroom.scanning.parallel import default_workers

    settings = Settings.from_env()
    with _session(settings) as session:
        job = start_ingest(session=session, actor=CLI_ACTOR, folder=folder, store_root=settings.data_dir / "scans",
                           arrived_on=_date(arrived), limits=scan_limits(settings),
                           workers=workers or default_workers())
    if no_wait:
        console.print(f"ジョブ {job.id} を登録しました（スキャン取込）")
        return
    batch, outcomes, error = _run_or_follow(settings, job.id)
    if batch is None:
        err_console.print(f"[red]エラー:[/red] ジョブ {job.id} の取込みが終わりませんでした: {error}")
        raise typer.Exit(1)
    counted = "・".join(f"{OUTCOMES.get(k, k)} {v}" for k, v in sorted(outcomes.items())) or "なし"
    console.print(f"スキャンバッチ {batch.id}: {batch.page_count} 頁、様式 {batch.form_count} 件（{counted}）、"
                  f"例外 {batch.exception_count} 件")


def _run_or_follow(settings: Settings, job_id: int):
    """Run the ingest job in this process (unless a worker holds it) while a progress bar follows
    its row; then (its finished batch, the batch's outcomes, None), or (None, {}, the job's error).
    The job runs on the main thread, the bar on another (fault tests clock the main thread's work)."""
    import threading
    import time

    from rich.progress import Progress

    from mailroom.checkin.ingest_jobs import JOBS, followed_ingest
    from secretariat.core.db import make_engine
    from secretariat.core.jobs.registry import Registry
    from secretariat.core.jobs.worker import Worker

    engine = make_engine(settings.database_url)
    try:
        with Progress(console=console.made(), transient=True) as progress:
            task = progress.add_task("読取り中", total=None)

            def shown():
                state = followed_ingest(engine, job_id)
                progress.update(task, completed=state.job.done, total=state.job.total)
                return state

            done = threading.Event()

            def follow() -> None:
                while not done.wait(0.2):
                    shown()

            follower = threading.Thread(target=follow, name="ingest-progress", daemon=True)
            follower.start()
            try:
                # the command works alone (no `secretariat worker` needed); it returns at once when a
                # worker elsewhere holds the job, and takes at once a job whose command here was killed
                Worker(engine, Registry(JOBS), only_job=job_id).run(burst=True)
            finally:
                done.set()
                follower.join()
            while not (state := shown()).over:
                time.sleep(0.2)
        return state.batch, state.outcomes, state.job.last_error
    finally:
        engine.dispose()


@app.command("checkin")
def checkin(code: Annotated[str, typer.Argument(help="ハンディスキャナーで読み取った頁のコード")],
            arrived: Annotated[str | None, typer.Option(help="到着日（YYYY-MM-DD）")] = None,
            postmark: Annotated[str | None, typer.Option(help="消印の日付（YYYY-MM-DD）")] = None):
    """コードで申請書を 1 通受け付ける（キーボードの受付端末と同じ処理）"""
    from mailroom.checkin.service import check_in_code

    with _session() as session:
        arrival = check_in_code(session=session, actor=CLI_ACTOR, code=code, arrived_on=_date(arrived),
                                postmarked_on=_date(postmark))
        console.print(f"受付 {arrival.receipt.id}（様式 {arrival.receipt.form_id}）: {arrival.message}")


@app.command("check-by-hand")
def check_by_hand_command(
        code: Annotated[str, typer.Argument(help="手元にある受付済みの申請書の頁のコード")],
        filled: Annotated[str, typer.Option(help="記入のある欄（カンマ区切り。選択肢は `項目=値`）")],
        attachments: Annotated[int, typer.Option(help="同封された添付書類の頁数")] = 0):
    """スキャンできない受付済みの申請書を、紙を見て審査する（目視審査）"""
    from mailroom.checkin.by_hand import check_by_hand, receipt_for_code

    with _session() as session:
        receipt = receipt_for_code(session=session, actor=CLI_ACTOR, code=code)
        verdict = check_by_hand(session=session, actor=CLI_ACTOR, receipt=receipt, ticked=filled.split(","),
                                attachment_pages=attachments)
        problems = "、".join(d.message for d in verdict.deficiencies)
        console.print(f"{receipt.form_id}: {OUTCOMES.get(verdict.outcome.value, verdict.outcome.value)}"
                      + (f"（{problems}）" if problems else ""))


@app.command("undeliverable")
def undeliverable(code: Annotated[str, typer.Argument(help="封筒の窓から見えるコード")],
                  returned: Annotated[str | None, typer.Option(help="戻ってきた日（YYYY-MM-DD）")] = None):
    """開封されずに戻った封筒（あて所に尋ねあたりません）を宛所不明として記録する"""
    from mailroom.checkin.service import record_undeliverable

    with _session() as session:
        mail = record_undeliverable(session=session, actor=CLI_ACTOR, code=code, returned_on=_date(returned))
        console.print(f"世帯 {mail.household_id} を自治体への宛所不明リストに載せました")


@app.command("returns")
def returns(programme: Annotated[int, typer.Option(help="事業 ID")]):
    """事業の不備のある申請書に送る返戻通知のうち、まだ印刷していないものを印刷する"""
    from mailroom.checkin.returns import print_return_letters
    from secretariat.core.programmes.service import get_programme

    settings = Settings.from_env()
    with _session(settings) as session:
        found = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        batch = print_return_letters(session=session, actor=CLI_ACTOR, programme=found,
                                     out_root=settings.data_dir / "returns")
        if batch is None:
            console.print("返戻通知を待っている不備の様式はありません")
            return
        console.print(f"返戻通知 {batch.letter_count} 通: {batch.directory}")
