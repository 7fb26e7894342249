"""`secretariat print …`: the print room's commands."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from secretariat.core.cli_support import CLI_ACTOR, LazyConsole, cli_session
from secretariat.core.config import Settings

# The modules behind each command (ReportLab, Faker, the templates' YAML, SQLAlchemy) are imported in
# the command itself: every `secretariat` invocation loads this module to list its commands.
app = typer.Typer(no_args_is_help=True, help="印刷: 申請書の印刷ロット、督促状と手紙、印字するバーコード")
forms = typer.Typer(no_args_is_help=True, help="申請書・手紙・封筒の様式")
console = LazyConsole()
err = LazyConsole(stderr=True)


def _template(template_id: str):
    from templates.loader import default_templates

    known = default_templates()
    if template_id not in known:
        err.print(f"[red]エラー:[/red] 様式 {template_id!r} はありません。使える様式: {', '.join(sorted(known))}")
        raise typer.Exit(1)
    return known[template_id]


@forms.command("list")
def forms_list(as_json: Annotated[bool, typer.Option("--json", help="JSON で出力する")] = False):
    """この環境で印刷できる様式を一覧表示する"""
    from templates.layout import summary
    from templates.loader import default_templates

    rows = [summary(template) for template in default_templates().values()]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        console.print(f"{row['id']}@{row['version']}  {row['kind']:<8} {row['pages']}p  {row['title']}")


TEMPLATE_HELP = "様式の ID（`secretariat forms list` で確かめられる）"


@forms.command("layout")
def forms_layout(template_id: Annotated[str, typer.Argument(metavar="ID", help=TEMPLATE_HELP)],
                 as_json: Annotated[bool, typer.Option("--json", help="JSON を 1 行で出力する")] = True):
    """様式の頁と項目（左上からのミリ単位の枠）、記入の規則を JSON で出力する"""
    from templates.layout import layout

    print(json.dumps(layout(_template(template_id)), ensure_ascii=False, indent=None if as_json else 2))


@forms.command("sample")
def forms_sample(template_id: Annotated[str, typer.Argument(metavar="ID", help=TEMPLATE_HELP)],
                 count: Annotated[int, typer.Option(min=1, max=10_000, help="印刷する世帯の数")] = 5,
                 out: Annotated[Path, typer.Option(help="書き出す PDF")] = Path("sample.pdf"),
                 manifest: Annotated[Path | None, typer.Option(help="各頁の内容の一覧を書き出す JSON ファイル")] = None,
                 seed: Annotated[int, typer.Option(help="乱数の種（同じ種なら同じ世帯になる）")] = 0):
    """架空の世帯で様式を印刷する（デザインの確認やスキャン審査の試験用）"""
    from mailroom.printing.samples import write_sample

    pages = write_sample(_template(template_id), count, out, seed)
    if manifest:
        manifest.write_text(json.dumps([page.__dict__ for page in pages], ensure_ascii=False, indent=1),
                            encoding="utf-8")
    console.print(f"{len(pages)} 頁を {out} に書き出しました" + (f"（頁の一覧: {manifest}）" if manifest else ""))


@app.command("barcode")
def barcode(postal: Annotated[str, typer.Option(help="郵便番号（例: 2630023 または 263-0023）")],
            address: Annotated[str, typer.Option(help="封筒に印字する住所")],
            as_json: Annotated[bool, typer.Option("--json", help="バーの記号を JSON の配列で出力する")] = False):
    """住所のカスタマバーコード（日本郵便）を表示する"""
    from mailroom.printing.customer_barcode import NoCustomerBarcode, for_address

    try:
        code = for_address(postal, address)
    except NoCustomerBarcode as error:
        err.print(f"[red]エラー:[/red] {error}")
        raise typer.Exit(1) from None
    if as_json:
        print(json.dumps(list(code.symbols), ensure_ascii=False))
        return
    console.print(f"住所表示番号: {code.address_number}")
    console.print(" ".join(code.symbols))
    console.print(f"バー（1 ロング、2 セミロング上、3 セミロング下、4 タイミング）: {code.bars}")


def _out(out: Path | None, settings: Settings) -> Path:
    return out or settings.data_dir / "print-runs"


# The run is a job (`mailroom.print_run`, which joins one already queued) and one job per batch; this
# command runs them in `workers` processes of its own (besides any `secretariat worker` taking them), and
# follows them to the end.
@app.command("run")
def run(ctx: typer.Context,
        programme: Annotated[int, typer.Option(help="事業 ID")],
        wave: Annotated[int, typer.Option(min=1, help="発送の回（第何回の発送か）")] = 1,
        limit: Annotated[int | None, typer.Option(min=1, help="印刷する世帯数の上限")] = None,
        batch_size: Annotated[int, typer.Option(min=1, help="PDF 1 ファイルあたりの世帯数")] = 1000,
        out: Annotated[Path | None, typer.Option(help="印刷ロットのフォルダを置く場所")] = None,
        workers: Annotated[int, typer.Option(min=1, help="バッチを印刷するプロセスの数"
                                                         "（既定: この機械の CPU コア数）")] = os.cpu_count() or 1,
        no_wait: Annotated[bool, typer.Option("--no-wait", help="ジョブを登録してその番号を表示するだけにする"
                                                                "（印刷は `secretariat worker` が行う）")] = False):
    """まだ印刷していない世帯を郵便番号順に印刷する（途中で止まった印刷ロットは続きから）"""
    from mailroom.printing.jobs import start_print_run
    from secretariat.core.programmes.service import get_programme

    settings = Settings.from_env()
    with cli_session(settings) as session:
        chosen = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        started = start_print_run(session=session, actor=CLI_ACTOR, programme=chosen, out_root=_out(out, settings),
                                  wave=wave, batch_size=batch_size, limit=limit)
    if started is None:
        console.print("印刷するものはありません: この事業の世帯はすべて印刷済みです")
        return
    if no_wait:
        console.print(f"ジョブ {started.job.id} を登録しました（印刷ロット {started.run.id}）")
        return
    registry_factory = (ctx.obj or {}).get("job_registry") if isinstance(ctx.obj, dict) else None
    printed, work = _run_and_follow(settings, started.run.id, started.job.id, workers, registry_factory)
    if printed.completed_at is None:
        where = f"バッチ {work.failed_batch}: " if work and work.failed_batch else ""
        err.print(f"[red]エラー:[/red] 印刷ロット {printed.id} の印刷が終わりませんでした: "
                  f"{where}{work.last_error if work else ''}")
        raise typer.Exit(1)
    console.print(f"印刷ロット {printed.id}: {printed.household_count:,} 世帯、{printed.page_count:,} 頁 → "
                  f"{printed.directory}（バッチの PDF と同じ場所に manifest.csv）")


def _run_and_follow(settings: Settings, run_id: int, run_job_id: int, workers: int, registry_factory):
    """Run the print run's jobs here (the run's job in this process, then its batches in this one
    and `workers - 1` more) while a progress bar follows them; returns the run and its jobs' view
    once no job of it is left to run. A job a `secretariat worker` holds is followed, not run."""
    import threading
    import time
    from multiprocessing import get_context

    from rich.progress import Progress
    from sqlmodel import Session

    from mailroom.printing.jobs import job_of, print_registry
    from mailroom.printing.models import PrintRun
    from secretariat.core.db import make_engine
    from secretariat.core.jobs.worker import Worker, work

    registry_factory = registry_factory or print_registry
    engine = make_engine(settings.database_url)

    def followed():
        with Session(engine, expire_on_commit=False) as session:
            printed = session.get(PrintRun, run_id)
            return printed, job_of(session=session, run=printed)

    try:
        with Progress(console=console.made(), transient=True) as bar:
            task = bar.add_task("印刷中", total=None)

            def shown():
                printed, work_view = followed()
                if work_view is not None:
                    bar.update(task, completed=work_view.done, total=work_view.total)
                return printed, work_view

            done = threading.Event()

            def follow() -> None:
                while not done.wait(0.2):
                    shown()

            follower = threading.Thread(target=follow, name="print-progress", daemon=True)
            follower.start()
            try:
                registry = registry_factory()
                Worker(engine, registry, only_job=run_job_id).run(burst=True)  # reserves and queues the batches
                key = f"run-{run_id}"
                spawn = get_context("spawn")  # not fork: this process holds connections
                helpers = [spawn.Process(target=work, args=(settings.database_url, registry_factory),
                                         kwargs=dict(burst=True, only_key=key, poll_s=0.2, parent=os.getpid()),
                                         name=f"secretariat-print-{number}") for number in range(1, workers)]
                for helper in helpers:
                    helper.start()
                try:
                    Worker(engine, registry, only_key=key).run(burst=True)
                finally:
                    for helper in helpers:
                        helper.join()
            finally:
                done.set()
                follower.join()
            while True:
                printed, work_view = shown()
                if printed.completed_at is not None or work_view is None or work_view.over:
                    return printed, work_view
                time.sleep(0.2)
    finally:
        engine.dispose()


@app.command("reissue")
def reissue_command(household: Annotated[int, typer.Argument(help="世帯 ID")],
                    reason: Annotated[str, typer.Option(help="再発行の理由")] = "紛失による再発行",
                    out: Annotated[Path | None, typer.Option(help="印刷のフォルダを置く場所（その下の `reissues` に書き出す）")]
                    = None):
    """申請書を紛失した世帯に一式を再発行する（前の様式コードは無効になる）"""
    from mailroom.printing.runs import reissue
    from secretariat.core.households.service import get_household

    settings = Settings.from_env()
    with cli_session(settings) as session:
        made = reissue(session=session, actor=CLI_ACTOR,
                       household=get_household(session=session, actor=CLI_ACTOR, household_id=household),
                       out_dir=_out(out, settings) / "reissues", reason=reason)
    console.print(f"様式 {made.form.form_id} を再発行しました: {made.path}")


@app.command("mailed")
def mailed(run_id: Annotated[int, typer.Option("--run", help="印刷ロットの番号")],
           mailed_on: Annotated[str, typer.Option("--date", help="発送日（YYYY-MM-DD）")]):
    """印刷ロットを郵便局に差し出した日を記録する（その世帯は発送済みになる）"""
    from mailroom.printing.runs import get_run, record_mailing
    from secretariat.core.programmes.service import parse_date

    with cli_session() as session:
        day = parse_date(mailed_on, "発送日")
        moved = record_mailing(session=session, actor=CLI_ACTOR, mailed_on=day,
                               run=get_run(session=session, actor=CLI_ACTOR, run_id=run_id))
    console.print(f"印刷ロット {run_id}: {moved:,} 世帯の発送日を {mailed_on} と記録しました")


@app.command("reminders")
def reminders(programme: Annotated[int, typer.Option(help="事業 ID")],
              days_before: Annotated[int, typer.Option(min=1, help="申請期限の何日前から督促するか")] = 14,
              on: Annotated[str | None, typer.Option(help="基準日（YYYY-MM-DD。省略時は今日）")] = None,
              out: Annotated[Path | None, typer.Option(help="印刷のフォルダを置く場所")] = None):
    """回答のない世帯に督促状を郵便番号順に印刷する（1 世帯に 1 回まで）"""
    from mailroom.printing.reminders import print_reminders
    from secretariat.core.programmes.service import get_programme, parse_date

    settings = Settings.from_env()
    with cli_session(settings) as session:
        chosen = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        run = print_reminders(session=session, actor=CLI_ACTOR, programme=chosen, out_root=_out(out, settings),
                              days_before=days_before, on=parse_date(on, "基準日") if on else None)
    if run is None:
        console.print("印刷する督促状はありません: どの世帯も回答済みか、督促済みです")
        return
    console.print(f"督促状の印刷 {run.id}: {run.letter_count:,} 通 → {run.directory}/{run.letters_file}")


@app.command("reminders-mailed")
def reminders_mailed(run_id: Annotated[int, typer.Option("--run", help="督促状の印刷の番号")],
                     mailed_on: Annotated[str, typer.Option("--date", help="発送日（YYYY-MM-DD）")]):
    """督促状を郵便局に差し出した日を記録する（入電予測はこれを 1 回の発送として数える）"""
    from mailroom.printing.reminders import get_reminder_run, record_reminder_mailing
    from secretariat.core.programmes.service import parse_date

    with cli_session() as session:
        count = record_reminder_mailing(session=session, actor=CLI_ACTOR, mailed_on=parse_date(mailed_on, "発送日"),
                                        run=get_reminder_run(session=session, actor=CLI_ACTOR, run_id=run_id))
    console.print(f"督促状の印刷 {run_id}: {count:,} 通の発送日を {mailed_on} と記録しました")


@app.command("letters")
def letters(programme: Annotated[int, typer.Option(help="事業 ID")]):
    """事業の手紙の印刷を、ファイル・通数・発送日とともに一覧表示する

    手紙は、書面での支給のお知らせとデジタルギフトのお知らせ"""
    from mailroom.printing.letters import letter_runs_of, letters_path
    from secretariat.core.messages import label_code
    from secretariat.core.programmes.service import get_programme

    with cli_session() as session:
        chosen = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        runs = letter_runs_of(session=session, actor=CLI_ACTOR, programme=chosen)
        for run in runs:
            console.print(f"手紙の印刷 {run.id}（{label_code('letter_kind', run.kind)}）: {run.letter_count:,} 通、"
                          f"印刷日 {run.printed_on}、発送日 {run.mailed_date or '-'}: {letters_path(run)}")
    if not runs:
        console.print("この事業の手紙の印刷はありません")


@app.command("letters-mailed")
def letters_mailed(run_id: Annotated[int, typer.Option("--run", help="手紙の印刷の番号")],
                   mailed_on: Annotated[str, typer.Option("--date", help="発送日（YYYY-MM-DD）")]):
    """手紙（支給のお知らせ、デジタルギフトのお知らせ）を郵便局に差し出した日を記録する"""
    from mailroom.printing.letters import get_letter_run, record_letter_mailing
    from secretariat.core.programmes.service import parse_date

    with cli_session() as session:
        count = record_letter_mailing(session=session, actor=CLI_ACTOR, mailed_on=parse_date(mailed_on, "発送日"),
                                      run=get_letter_run(session=session, actor=CLI_ACTOR, run_id=run_id))
    console.print(f"手紙の印刷 {run_id}: {count:,} 通の発送日を {mailed_on} と記録しました")
