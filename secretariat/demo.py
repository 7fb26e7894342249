"""`secretariat demo`: a whole programme end to end on a fresh embedded store.

It sets up two municipalities and their staff, takes their target lists in through a real SFTP
drop, prints and mails every pack for real, checks a round of returned forms for real, walks
the other households through a plausible life (replies arriving over the weeks, checks,
deficient forms returned and corrected, payment decisions, declines), then pays the approved
ones for real: a maker-checker payment batch, a Zengin file, the bank's results back through
the drop, and the municipality's result files fetched over SFTP. Each later capability (the
call center) replaces a simulated stage with the real one and adds its output files here.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import func
from sqlmodel import Session, select

import callcenter.models  # noqa: F401
import exchange.models  # noqa: F401  (registers the exchange's tables)
import secretariat.core.models  # noqa: F401
from callcenter.cli import print_plan
from callcenter.inquiries.answers import load_answer_templates
from callcenter.forecast.programme import staffing_plan
from mailroom.checkin.ingest import ingest_folder, receipts_of_batch
from mailroom.checkin.returns import print_return_letters
from mailroom.checkin.service import record_undeliverable
from mailroom.printing import notice_links
from mailroom.printing.models import IssuedForm, PrintBatch
from mailroom.printing.page_code import PageCode
from mailroom.printing.runs import addressees_for, print_programme, record_mailing
from mailroom.scanning import simulate
from online.flows import NoticeLinkIssuer
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import LABELS_JA, Status
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.auth.assignments import assign_programmes
from secretariat.core.auth.service import create_user
from secretariat.core.clock import JST, replaying_at
from secretariat.core.config import Settings
from secretariat.core.db import make_engine
from secretariat.core.messages import label_code
from secretariat.migrations import migrate
from secretariat.core.programmes.progress import programme_progress
from secretariat.core.programmes.service import create_programme
from secretariat.core.synthetic import HouseholdFactory
from secretariat.demo_replay import Replay
from online.channels import ProgrammeChannels, programme_channels
from online.push import is_push
from secretariat.demo_giftcodes import pay_by_gift_codes
from secretariat.demo_exchange import imported_files, open_drop, pay, push_target_list, repay_failures, results_back
from secretariat.core.tenancy.models import Municipality
from secretariat.core.tenancy.service import create_municipality
from templates.loader import default_templates


# The logins `secretariat demo --serve` prints. Demo-only: the store is synthetic and local.
DEMO_USERS = [
    ("admin", Role.admin, None, "demo-admin-pass"),
    ("supervisor", Role.supervisor, None, "demo-supervisor-pass"),
    ("operator", Role.operator, None, "demo-operator-pass"),
    ("operator2", Role.operator, None, "demo-operator-pass"),
    ("agent", Role.agent, None, "demo-agent-pass"),
    ("chiba-liaison", Role.liaison, "121002", "demo-liaison-pass"),
    ("sakai-liaison", Role.liaison, "271403", "demo-liaison-pass"),
]

MUNICIPALITIES = [
    # code, name, city prefix for addresses, postal prefix, share of households
    ("121002", "千葉県千葉市", "千葉県千葉市稲毛区", "263", 0.7),
    ("271403", "大阪府堺市", "大阪府堺市堺区", "590", 0.3),
]


@dataclass
class DemoResult:
    directory: Path
    database: Path
    summary_file: Path
    stages: list[tuple[str, int, str]] = field(default_factory=list)
    runs: list = field(default_factory=list)
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    staffing: object = None
    channels: dict[str, ProgrammeChannels] = field(default_factory=dict)


# Chiba mixes paper and online applications; Sakai pays unless declined (支給のお知らせ), paper for changes
CHANNELS = {"121002": ["paper", "web"], "271403": ["paper", "push"]}


def demo_settings(directory: Path, public_base_url: str = "") -> Settings:
    """The demo always runs on its own embedded store, whatever the environment names; its links
    (printed notices, texts) point at `public_base_url`, where `--serve` will serve them."""
    environ = {"SECRETARIAT_PUBLIC_BASE_URL": public_base_url} if public_base_url else {}
    return Settings.from_env(environ=environ, data_dir=directory)


def run_demo(*, directory: Path, households: int = 1000, seed: int = 2026, today: date | None = None,
             console: Console | None = None, public_base_url: str = "") -> DemoResult:
    console = console or Console()
    directory = directory.resolve()
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    settings = demo_settings(directory, public_base_url)
    engine = make_engine(settings.database_url)
    migrate(engine)
    today = today or datetime.now(JST).date()
    result = DemoResult(directory=directory, database=directory / "secretariat.db",
                        summary_file=directory / "demo-summary.json")
    rng = random.Random(seed)
    system = Actor.system("demo")

    with Session(engine, expire_on_commit=False) as session:
        programmes = []
        for code, name, _city, _postal, _share in MUNICIPALITIES:
            municipality = create_municipality(session=session, actor=system, code=code, name=name)
            programmes.append(create_programme(
                session=session, actor=system, municipality=municipality,
                name=f"{name} 住民税非課税世帯等臨時特別給付金", reference_date=today - timedelta(days=60),
                opens_date=today - timedelta(days=40), deadline_date=today + timedelta(days=10),
                amount_per_household_yen=30_000, amount_per_child_yen=20_000, channels=CHANNELS[code],
                form_templates=["cover-letter", "kakuninsho-hikazei", "reply-envelope"]))
        by_code = {m.code: m for m in session.exec(select(Municipality))}
        for username, role, code, password in DEMO_USERS:
            user = create_user(session=session, actor=system, username=username, password=password, role=role,
                               municipality=by_code[code] if code else None)
            if role is Role.agent:  # the demo's agent answers the calls of every programme (担当事業)
                assign_programmes(session, actor=system, user_id=user.id, programme_ids=[p.id for p in programmes])
        session.commit()
        load_answer_templates(session)
        session.commit()
        result.stages.append(("初期設定", len(MUNICIPALITIES), "自治体・事業・職員のログイン・コールセンターの回答テンプレート"))

        municipalities = [session.get(Municipality, programme.municipality_id) for programme in programmes]
        drop = open_drop(engine, directory, municipalities, programmes, system)
        reports: list[str] = []
        for index, ((code, _name, city, postal, share), programme) in enumerate(zip(MUNICIPALITIES, programmes)):
            factory = HouseholdFactory(seed=seed + int(code), city=city, postal_prefix=postal,
                                       reference_date=programme.reference_date)
            count = max(1, round(households * share))
            arrived = datetime.combine(programme.opens_date - timedelta(days=14), time(10), JST)
            reports += push_target_list(drop, code, factory.households(count), directory / "exchange" / code / "sent",
                                        arrived, with_mistakes=index == 0)
        imported = households_total(session)
        result.stages.append(("対象者一覧の取込（SFTP）", imported,
                              f"CP932 の一覧を SFTP受け渡しへ送付し、{imported_files(session)} ファイルを取込。"
                              f"初回の結果: {reports[0]}"))

        mailed_on: dict[int, date] = {}
        # a programme open to the web prints each household's link on its notice (online/flows.py)
        with notice_links.using(NoticeLinkIssuer(settings.public_base_url, engine=engine)):
            for programme in programmes:
                mailed_on |= _print_and_mail(session, programme, directory, households_of(session, programme),
                                             system, result, console)
        result.stages.append(("印刷", sum(r.household_count for r in result.runs),
                              f"{sum(r.page_count for r in result.runs):,} ページ、印刷 {len(result.runs)} 回"))
        result.stages.append(("発送", sum(r.mailed_count for r in result.runs),
                              "事業ごとに2回に分けて発送し、発送済みとして記録"))

        replay = Replay(session, programmes, directory, rng, base_url=settings.public_base_url)
        with Progress(console=console, transient=True) as progress:
            events = replay.lives(mailed_on, today)
            task = progress.add_task("発送後の数週間を再現中", total=len(events))
            tally = replay.play(events, min(mailed_on.values()), today, advance=lambda: progress.advance(task))
        result.stages += tally.stages() + [tally.payment_stage(replay.payments)] + replay.residents.tally.stages()
        _remind(session, programmes, directory, result, system)
        _mailroom_round(session, programmes[0], directory, settings, mailed_on, seed, system, result)
        keyed = replay.key_open_tasks(slip_every=4)
        result.stages.append(("本日の申請データ入力", keyed,
                              "スキャンした申請書の新しい口座を2人が互いに見ずに入力。2人目が数字を打ち誤ったものは、"
                              "スーパーバイザーが切り出し画像と両方の入力を見比べて確定（ベリファイ）"))
        _decide(replay, programmes[0], result)
        session.commit()

        payments, fetched, repaid = [], [], 0
        for (code, *_rest), programme in zip(MUNICIPALITIES, programmes):
            if is_push(programme):  # its households with no account on file get a gift code first
                result.stages += pay_by_gift_codes(engine, drop, programme, code, directory / "giftcodes" / code,
                                                   today, seed + int(code) + 2).stages()
            payments.append(pay(engine, drop, programme, code, directory / "exchange" / code / "sent", today,
                                seed + int(code)))
            repaid += repay_failures(engine, drop, programme, code, directory / "exchange" / code / "sent", today,
                                     seed + int(code) + 1)
            fetched += results_back(engine, drop, programme, code, directory / "exchange" / code / "received", today)
        drop.server.stop()
        result.stages.append(("振込データ", sum(p.batch_lines for p in payments),
                              f"{sum(p.total_yen for p in payments):,} 円。スーパーバイザーが作成し、別の人である"
                              "自治体担当者が承認。全銀の総合振込ファイルを送信フォルダへ"))
        result.stages.append(("振込結果", sum(p.paid for p in payments),
                              f"支給済み。振込不能 {sum(p.failed for p in payments)} 件はコールセンターへ。"
                              "結果ファイルは SFTP受け渡しで受領"))
        result.stages.append(("振込不能の再振込", repaid,
                              "住民が正しい口座を電話で連絡し、2人のオペレーターが互いに見ずに入力。自治体担当者が"
                              "承認した2回目の振込データで支給。銀行の結果は SFTP受け渡しで受領"))
        result.stages.append(("結果ファイル", len(fetched),
                              "状況・返戻・宛所不明・辞退の一覧（CSV と XLSX）、振込ファイル、帳票を SFTP で取得: "
                              f"{directory / 'exchange' / '<自治体コード>' / 'received'}"))

        result.staffing = staffing_plan(session, programmes[0])
        daily = result.staffing.calls.sum(axis=1)
        busiest = int(daily.argmax())
        result.stages.append(("入電予測", round(float(daily.sum())),
                              f"「{programmes[0].name}」の発送実績から予測した入電件数。最多日 "
                              f"{result.staffing.dates[busiest]}（{daily[busiest]:.0f} 件、ピークの30分に "
                              f"{int(result.staffing.agents[busiest].max())} 人）。予測誤差 WAPE（過去データで検証）: "
                              f"日別 {result.staffing.backtest['wape_day']:.1%}、"
                              f"30分別 {result.staffing.backtest['wape_interval']:.1%}"))
        for programme in programmes:
            counts = programme_progress(session=session, programme=programme).by_status
            result.statuses[programme.name] = {status.value: counts[status] for status in Status if counts[status]}
            result.channels[programme.name] = programme_channels(session=session, actor=system, programme=programme)
    engine.dispose()
    result.summary_file.write_text(json.dumps({
        "database": str(result.database),
        "stages": [{"stage": s, "count": c, "note": n} for s, c, n in result.stages],
        "print_runs": [{"id": r.id, "wave": r.wave, "households": r.household_count, "pages": r.page_count,
                        "mailed_date": r.mailed_date.isoformat(), "directory": r.directory} for r in result.runs],
        "statuses": result.statuses,
        "channels": {name: [{"channel": line.channel, "households": line.households, "share": figures.share(line),
                             "paid": line.paid, "median_days_notice_to_payment": line.median_days}
                            for line in figures.lines] for name, figures in result.channels.items()},
        "forecast": {"backtest": result.staffing.backtest if result.staffing else None,
                     "days": [{"date": day.isoformat(), "calls": round(float(calls), 1), "peak_agents": int(agents.max())}
                              for day, calls, agents in zip(result.staffing.dates, result.staffing.calls.sum(axis=1),
                                                            result.staffing.agents)] if result.staffing else []},
        }, ensure_ascii=False, indent=2), encoding="utf-8")
    return result


def households_total(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Application)).one()


def households_of(session: Session, programme) -> int:
    return session.exec(select(func.count()).select_from(Application)
                        .where(Application.programme_id == programme.id)).one()


def _print_and_mail(session: Session, programme, directory: Path, count: int, actor: Actor, result: "DemoResult",
                    console: Console) -> dict[int, date]:
    """Two real print runs (waves) with their mail-out dates; returns each application's mail-out day."""
    mailed_on: dict[int, date] = {}
    waves = [(1, max(1, round(count * 0.6)), programme.opens_date - timedelta(days=5)),
             (2, None, programme.opens_date + timedelta(days=2))]
    for wave, limit, printed_on in waves:
        at = datetime.combine(printed_on, time(10), JST)
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"第{wave}回の印刷中", total=limit or count)
            run = print_programme(session=session, actor=actor, programme=programme, wave=wave, limit=limit,
                                  out_root=directory / "print-runs", at=at,
                                  progress=lambda done, task=task: progress.advance(task, done))
        if run is None:
            continue
        record_mailing(session=session, actor=actor, run=run, mailed_on=printed_on + timedelta(days=3))
        session.commit()
        result.runs.append(run)
        for application_id in session.exec(
                select(Application.id).join(IssuedForm, IssuedForm.household_id == Application.household_id)
                .join(PrintBatch, PrintBatch.id == IssuedForm.print_batch_id).where(PrintBatch.print_run_id == run.id)):
            mailed_on[application_id] = run.mailed_date
    return mailed_on


MAILROOM_FORMS = 24  # real scans through the real check; the other replies are simulated below
MAILROOM_UNDELIVERABLE = 3


def _mailroom_round(session: Session, programme, directory: Path, settings: Settings, mailed_on: dict[int, date],
                    seed: int, actor: Actor, result: "DemoResult") -> set[int]:
    """Forms come back for real: synthetic residents fill their printed forms (some leave a field
    blank, some forget the bank-book copy), the scanner feeds some upside down, everything goes
    through `mailroom ingest`; a few envelopes come back undelivered; return letters are printed.
    Returns the applications it handled, which the simulation below leaves alone."""
    rng = numpy.random.default_rng(seed)
    template = default_templates()["kakuninsho-hikazei"]
    chosen = list(session.exec(select(Application, IssuedForm.form_id)
                               .join(IssuedForm, IssuedForm.household_id == Application.household_id)
                               .where(Application.programme_id == programme.id, Application.status == "mailed",
                                      IssuedForm.voided_at.is_(None))
                               .order_by(Application.id).limit(MAILROOM_FORMS + MAILROOM_UNDELIVERABLE)))
    forms, undelivered = chosen[:MAILROOM_FORMS], chosen[MAILROOM_FORMS:]
    addressees = addressees_for(session, programme, [a.household_id for a, _ in forms], None)
    folder = directory / "scanner-output"
    folder.mkdir()
    number = 0
    for index, (application, form_id) in enumerate(forms):
        plan = simulate.complete_plan(rng)
        if index % 4 == 1:
            plan = simulate.damage(plan, ["signature", "phone", "confirm_not_dependent"][index % 3])
        attachments = 1 + (plan.get("account_choice") == "new") - (index % 7 == 3)
        feed = simulate.Feed.random(rng, upside_down=index % 3 == 0)
        for page, image in enumerate(simulate.render_pages(template, addressees[application.household_id], form_id), 1):
            simulate.fill_page(image, template, page, plan, 300, rng, simulate.Truth())
            number += 1
            (folder / f"scan-{number:05d}.jpg").write_bytes(
                simulate.to_jpeg(simulate.scan(image, feed, 300, rng), feed.quality))
        for _ in range(attachments):
            copy = numpy.full((1700, 1200), 238, numpy.uint8)
            copy[300:1000, 150:1050] = rng.integers(90, 160)  # a photocopied card, with the copier's grain
            copy = numpy.clip(copy + rng.normal(0, 4, copy.shape), 0, 255).astype(numpy.uint8)
            number += 1
            (folder / f"scan-{number:05d}.jpg").write_bytes(simulate.to_jpeg(copy, 80))
    arrived = min(datetime.now(JST).date(), max(mailed_on[a.id] for a, _ in forms) + timedelta(days=6))
    batch = ingest_folder(session=session, actor=actor, folder=folder, store_root=directory / "scans",
                          arrived_on=arrived)
    for application, form_id in undelivered:
        household_id = application.household_id
        code = PageCode(form_id=form_id, household_id=household_id, page=1,
                        template=default_templates()["cover-letter"].key)
        record_undeliverable(session=session, actor=actor, code=code.text, returned_on=arrived)
    returns = print_return_letters(session=session, actor=actor, programme=programme, out_root=directory / "returns")
    session.commit()
    outcomes = {outcome: 0 for outcome in ("complete", "deficient", "review")}
    for receipt in receipts_of_batch(session, batch):
        outcomes[receipt.outcome] = outcomes.get(receipt.outcome, 0) + 1
    result.stages.append(("本日のスキャン審査", batch.form_count,
                          f"スキャン {batch.page_count} ページ（上下逆さを含む）: 審査完了 {outcomes['complete']} 件、"
                          f"不備あり {outcomes['deficient']} 件、オペレーター確認 {outcomes['review']} 件、"
                          f"例外 {batch.exception_count} 件"))
    result.stages.append(("本日の返戻通知", returns.letter_count if returns else 0,
                          f"印刷先: {returns.directory if returns else '-'}"))
    result.stages.append(("本日の宛所不明", len(undelivered), "封筒の窓から見えるコードで受付"))
    return {a.id for a, _ in chosen}


def _remind(session: Session, programmes, directory: Path, result: "DemoResult", actor: Actor) -> None:
    """督促: a fortnight before the deadline the print room prints a reminder to every household that
    has not replied, and mails it the next working day."""
    from mailroom.printing.reminders import DEFAULT_DAYS_BEFORE, print_reminders, record_reminder_mailing

    letters = 0
    for programme in programmes:
        printed_on = programme.deadline_date - timedelta(days=DEFAULT_DAYS_BEFORE)
        if printed_on >= datetime.now(JST).date():
            continue
        with replaying_at(datetime.combine(printed_on, time(11), JST)):
            run = print_reminders(session=session, actor=actor, programme=programme,
                                  out_root=directory / "reminders", on=printed_on)
        if run is not None:
            letters += record_reminder_mailing(session=session, actor=actor, run=run,
                                               mailed_on=printed_on + timedelta(days=1))
    session.commit()
    result.stages.append(("督促状", letters, "締切の2週間前に、未返信の全世帯へ印刷して発送"))


def _decide(replay: Replay, programme, result: "DemoResult") -> None:
    """審査 and 支給決定 today: the supervisor proposes a decision list of every complete, keyed form
    since Monday's; the municipality's liaison, another person, approves it in the product."""
    decision = replay.decide(programme)
    if decision is None:
        return
    result.stages.append(("本日の支給決定", decision.line_count,
                          f"支給決定リスト {decision.id}: 審査完了 {decision.line_count} 件（要確認 "
                          f"{decision.flagged_count} 件）をスーパーバイザーが作成し、自治体担当者が承認。"
                          f"PDF と CSV: {decision.directory}"))


def print_summary(result: DemoResult, console: Console) -> None:
    table = Table(title="secretariat デモ: 各段階で行ったこと")
    table.add_column("段階")
    table.add_column("件数", justify="right")
    table.add_column("内容")
    for stage, count, note in result.stages:
        table.add_row(stage, f"{count:,}", note)
    console.print(table)
    for programme, counts in result.statuses.items():
        status_table = Table(title=programme)
        status_table.add_column("状態")
        status_table.add_column("世帯数", justify="right")
        for status, count in counts.items():
            status_table.add_row(f"{LABELS_JA[Status(status)]}（{status}）", f"{count:,}")
        console.print(status_table)
    for programme, figures in result.channels.items():
        print_channels(programme, figures, console)
    if result.staffing is not None:
        print_plan(result.staffing, days=10)
    console.print(f"[bold]出力ファイル[/bold]\n  データベース: {result.database}\n  集計（JSON）: {result.summary_file}")
    for run in result.runs:
        console.print(f"  印刷ロット {run.id}（第{run.wave}回、{run.page_count:,} 頁）: {run.directory}")


def print_channels(programme: str, figures: ProgrammeChannels, console: Console) -> None:
    """How the households answered, and the days from the notice to the payment, per channel."""
    table = Table(title=f"{programme}: 申請の経路")
    for column in ("経路", "世帯数", "割合", "支給済み", "通知から支給までの日数（中央値）"):
        table.add_column(column, justify="left" if column == "経路" else "right")
    for line in figures.lines:
        share = figures.share(line)
        table.add_row(f"{line.name}（{line.channel}）", f"{line.households:,}", "—" if share is None else f"{share:.0%}",
                      f"{line.paid:,}", "—" if line.median_days is None else f"{line.median_days:.1f}")
    table.add_row("未回答（waiting）", f"{figures.waiting:,}", "", "", "")
    console.print(table)


def print_logins(console: Console, url: str) -> None:
    table = Table(title=f"デモのログイン（{url}）")
    table.add_column("ユーザー名")
    table.add_column("役割")
    table.add_column("パスワード")
    for username, role, code, password in DEMO_USERS:
        table.add_row(username, label_code("role", role.value) + (f"（自治体 {code}）" if code else ""), password)
    console.print(table)
