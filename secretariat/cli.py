"""The `secretariat` command: one typer app that mounts each domain's commands.

Like `app.py`, this is a composition root: it reads the environment once into `Settings`
and passes what it builds to the services.

Every invocation, `--help` included, imports this module and each domain's CLI module to list
the commands, and scanner stations and cron jobs pay that on every call: so these modules
import only typer and the light parts of the core at the top, their consoles load rich when they
first print (`LazyConsole`), and each command imports the services it runs (SQLAlchemy, Alembic,
ReportLab, OpenCV…) in its body.
`tests/cli/test_startup.py` holds them to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import importlib
from functools import cache

import typer
from typer.core import TyperGroup
from typer.main import get_group_from_info
from typer.models import TyperInfo

from secretariat.core.cli_support import CLI_ACTOR, LazyConsole, cli_session, coerce_only_given_options
from secretariat.core.config import Settings

coerce_only_given_options()


class _NoticeLinksFromTheStore:
    """The print room's link hook (`mailroom.printing.notice_links`) for this command: the online
    side issues each household's link as its notice is drawn (`print run`, `forms reissue`). It
    loads the online side and opens the store only when a notice with a link slot is drawn, so no
    other command pays for it."""

    def __init__(self):
        self._issuer = None

    def __call__(self, addressee, form_id: str):
        if self._issuer is None:
            from online.flows import NoticeLinkIssuer
            from secretariat.core.db import make_engine

            settings = Settings.from_env()
            self._issuer = NoticeLinkIssuer(settings.public_base_url, engine=make_engine(settings.database_url))
        return self._issuer(addressee, form_id)



# Each domain's commands, by the name they go by: (module, its typer app). They are imported and
# built only when the command line names them (or `--help` lists them all), so a scanner station's
# `secretariat mailroom check` loads and builds neither the exchange's commands nor the call center's.
DOMAINS = {
    "print": ("mailroom.printing.cli", "app"),
    "forms": ("mailroom.printing.cli", "forms"),
    "mailroom": ("mailroom.checkin.cli", "app"),
    "exchange": ("exchange.cli", "app"),
    "giftcodes": ("exchange.giftcodes.cli", "app"),
    "callcenter": ("callcenter.cli", "app"),
    "online": ("online.cli", "app"),
}


def domain_app(name: str) -> typer.Typer:
    """The typer app of the domain commands called `name` (the mailroom's with its keying commands)."""
    module, attribute = DOMAINS[name]
    commands = getattr(importlib.import_module(module), attribute)
    if name == "mailroom" and "keying" not in {group.name for group in commands.registered_groups}:
        from mailroom.keying.cli import app as keying_app

        commands.add_typer(keying_app, name="keying")
    return commands


class _DomainsOnDemand(TyperGroup):
    """The top-level group: its own commands as typer builds them, and each domain's group built on
    first use, the way typer would have built it as a sub-group (same help layout and settings)."""

    def list_commands(self, ctx) -> list[str]:
        return [*super().list_commands(ctx), *DOMAINS]

    def get_command(self, ctx, name: str):
        if name in DOMAINS:
            return _domain_group(name)
        return super().get_command(ctx, name)

    def get_params(self, ctx):
        """Its options, typer's two completion options among them with their help in Japanese (typer adds
        them after building the group, with English help of its own)."""
        params = super().get_params(ctx)
        for param in params:
            if param.name in _COMPLETION_HELP:
                param.help = _COMPLETION_HELP[param.name]
        return params


_COMPLETION_HELP = {"install_completion": "使っているシェルに、コマンドの補完を設定する",
                    "show_completion": "使っているシェル用の補完の設定を表示する（写して手で設定する場合）"}


@cache
def _domain_group(name: str) -> TyperGroup:
    return get_group_from_info(TyperInfo(domain_app(name), name=name), pretty_exceptions_short=app.pretty_exceptions_short,
                               rich_markup_mode=app.rich_markup_mode, suggest_commands=app.suggest_commands)


# Plain help (click's own layout) for every command: rendering it with rich panels doubled the time
# `secretariat --help` takes, which every scanner-station script and cron job pays.
app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, cls=_DomainsOnDemand,
                  help="給付金事務局の業務システム")
users = typer.Typer(no_args_is_help=True, help="職員のアカウントと API トークン")
municipalities = typer.Typer(no_args_is_help=True, help="自治体の登録と一覧")
programmes = typer.Typer(no_args_is_help=True, help="給付事業の登録・一覧・期限切れ処理")
app.add_typer(users, name="users")
app.add_typer(municipalities, name="municipalities")
app.add_typer(programmes, name="programmes")

console = LazyConsole()
ADMIN = CLI_ACTOR


@app.callback()
def _every_command(ctx: typer.Context) -> None:
    """(Runs before any command.) Notices printed by the print room's commands carry their households' links."""
    if ctx.invoked_subcommand in ("print", "forms"):
        from mailroom.printing import notice_links

        ctx.with_resource(notice_links.using(_NoticeLinksFromTheStore()))
    if ctx.invoked_subcommand == "print":
        ctx.obj = {"job_registry": _print_job_registry}  # `print run`'s own workers draw the links too


def _print_job_registry():
    """The print room's jobs drawing each household's link on its notice, for `print run`'s worker
    processes (a module-level function: it goes to them pickled)."""
    from mailroom.printing.jobs import print_registry

    return print_registry(links=_NoticeLinksFromTheStore)


_session = cli_session


@app.command()
def init():
    """データベースを作成・更新する（何度実行してもよい）"""
    from secretariat.core.db import make_engine
    from secretariat.migrations import migrate

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    engine.dispose()
    console.print(f"データベースの準備ができました: {engine.url.render_as_string(hide_password=True)}")


@users.command("add")
def users_add(username: Annotated[str, typer.Argument(help="ログインに使うユーザー名")],
              role: Annotated[str, typer.Option(help="役割: `operator`（郵便受付オペレーター）、`agent`（コールセンター）、"
                                                     "`supervisor`（スーパーバイザー）、`liaison`（自治体担当者）、`admin`（管理者）")],
              municipality: Annotated[str | None, typer.Option(help="自治体コード（6桁）。自治体担当者のみ")] = None,
              display_name: Annotated[str, typer.Option(help="表示名（氏名）")] = "",
              password: Annotated[str, typer.Option(prompt="パスワード", hide_input=True, confirmation_prompt="確認のためもう一度",
                                                    envvar="SECRETARIAT_NEW_PASSWORD",
                                                    help="パスワード（省略時は入力を求める）")] = ""):
    """職員のアカウントを追加する"""
    from secretariat.core.auth.service import create_user
    from secretariat.core.tenancy.service import get_municipality_by_code

    with _session() as session:
        owner = get_municipality_by_code(session=session, actor=ADMIN, code=municipality) if municipality else None
        user = create_user(session=session, actor=ADMIN, username=username, password=password, role=role,
                           display_name=display_name, municipality=owner)
    from secretariat.core.messages import label_code

    console.print(f"職員 {user.username} を追加しました（{label_code('role', user.role)}）")


@users.command("list")
def users_list():
    """職員のアカウントを一覧表示する"""
    from rich.table import Table

    from secretariat.core.auth.service import list_users
    from secretariat.core.messages import label_code

    with _session() as session:
        table = Table("ユーザー名", "氏名", "役割", "自治体 ID", "有効")
        for user in list_users(session=session, actor=ADMIN):
            table.add_row(user.username, user.display_name, label_code("role", user.role),
                          str(user.municipality_id or ""), "はい" if user.active else "いいえ")
    console.print(table)


@users.command("token")
def users_token(username: Annotated[str, typer.Argument(help="職員のユーザー名")],
                name: Annotated[str, typer.Option(help="トークンの用途")] = "automation"):
    """職員の API トークンを発行する（表示は一度だけ）"""
    from secretariat.core.auth.service import find_user, issue_api_token

    with _session() as session:
        token = issue_api_token(session=session, actor=ADMIN, user=find_user(session=session, username=username),
                                name=name)
    console.print(token, soft_wrap=True)


@users.command("assign")
def users_assign(username: Annotated[str, typer.Argument(help="担当者のユーザー名")],
                 programme: Annotated[list[int], typer.Option(help="事業 ID。複数あれば繰り返し指定する")] = []):
    """担当者の担当事業を設定する（前の設定と置き換え。指定がなければ担当事業なし）"""
    from secretariat.core.auth.assignments import assign_programmes
    from secretariat.core.auth.service import find_user

    with _session() as session:
        served = assign_programmes(session, actor=ADMIN, user_id=find_user(session=session, username=username).id,
                                   programme_ids=programme)
    console.print(f"{username} の担当事業: {'、'.join(map(str, served)) or 'なし'}")


@municipalities.command("add")
def municipalities_add(code: Annotated[str, typer.Argument(help="全国地方公共団体コード（6桁）")],
                       name: Annotated[str, typer.Argument(help="自治体名（例: 千葉県千葉市）")]):
    """全国地方公共団体コードで自治体を追加する"""
    from secretariat.core.tenancy.service import create_municipality

    with _session() as session:
        municipality = create_municipality(session=session, actor=ADMIN, code=code, name=name)
    console.print(f"自治体 {municipality.code} {municipality.name} を追加しました")


@municipalities.command("list")
def municipalities_list():
    """自治体を一覧表示する"""
    from rich.table import Table

    from secretariat.core.tenancy.service import list_municipalities

    with _session() as session:
        table = Table("団体コード", "名称")
        for municipality in list_municipalities(session=session, actor=ADMIN):
            table.add_row(municipality.code, municipality.name)
    console.print(table)


@programmes.command("add")
def programmes_add(municipality: Annotated[str, typer.Option(help="自治体コード（6桁）")],
                   name: Annotated[str, typer.Option(help="事業名")],
                   reference_date: Annotated[str, typer.Option(help="基準日（YYYY-MM-DD）")],
                   opens: Annotated[str, typer.Option(help="受付開始日（YYYY-MM-DD）")],
                   deadline: Annotated[str, typer.Option(help="申請期限（YYYY-MM-DD）")],
                   per_household: Annotated[int, typer.Option(help="1 世帯あたりの支給額（円）")] = 0,
                   per_child: Annotated[int, typer.Option(help="子ども 1 人あたりの加算額（円）")] = 0,
                   channel: Annotated[list[str] | None, typer.Option(help="申請の経路: `paper`（紙の申請書）、`web`（オンライン申請）、"
                                                                           "`push`（プッシュ型）。複数あれば繰り返し指定する")]
                   = None):
    """自治体の給付事業を追加する"""
    from secretariat.core.programmes.service import create_programme
    from secretariat.core.tenancy.service import get_municipality_by_code

    with _session() as session:
        owner = get_municipality_by_code(session=session, actor=ADMIN, code=municipality)
        programme = create_programme(session=session, actor=ADMIN, municipality=owner, name=name,
                                     reference_date=reference_date, opens_date=opens, deadline_date=deadline,
                                     amount_per_household_yen=per_household, amount_per_child_yen=per_child,
                                     channels=channel or ["paper"])
    console.print(f"事業 {programme.id}「{programme.name}」を追加しました")


@programmes.command("list")
def programmes_list():
    """給付事業を一覧表示する"""
    from rich.table import Table

    from secretariat.core.programmes.service import list_programmes

    with _session() as session:
        table = Table("事業 ID", "自治体", "事業名", "申請期限")
        for programme, owner in list_programmes(session=session, actor=ADMIN):
            table.add_row(str(programme.id), owner.code, programme.name, str(programme.deadline_date))
    console.print(table)


@programmes.command("expire")
def programmes_expire(programme: Annotated[int, typer.Argument(help="事業 ID")],
                      grace_days: Annotated[int, typer.Option(min=0, help="申請期限後に郵便の到着を待つ日数")]
                      = 7,
                      on: Annotated[str | None, typer.Option(help="基準日（YYYY-MM-DD。省略時は今日）")] = None):
    """申請期限と郵便の猶予日数を過ぎても住民の回答がない申請を、すべて期限切れにする"""
    from secretariat.core.programmes.expiry import expire_unanswered
    from secretariat.core.programmes.service import get_programme, parse_date

    with cli_session() as session:
        chosen = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        moved = expire_unanswered(session=session, actor=CLI_ACTOR, programme=chosen, grace_days=grace_days,
                                  on=parse_date(on, "基準日") if on else None)
    console.print(f"事業 {programme}: {moved:,} 件の申請を期限切れにしました。"
                  f"自治体への一覧は 'secretariat exchange results' で出力します")


def _serve(settings: Settings, host: str, port: int, sftp_port: int | None = None,
           embedded_worker: bool = True) -> None:
    from exchange.cli import start_drop
    from secretariat.app import create_app, run_server
    from secretariat.core.db import make_engine
    from secretariat.core.logs import configure_logging
    from secretariat.migrations import migrate

    configure_logging()
    engine = make_engine(settings.database_url)
    migrate(engine)
    drop = None
    if sftp_port is not None:
        drop, bound = start_drop(settings, host, sftp_port)
        console.print(f"SFTP の受け渡し口: {host}:{bound}")
    try:
        web = create_app(settings, engine, embedded_worker=embedded_worker)
        run_server(web, host=host, port=port)
    finally:
        if drop is not None:
            drop.stop()


HOST_HELP = "待ち受けるアドレス"
PORT_HELP = "ウェブアプリのポート番号"


@app.command()
def serve(host: Annotated[str, typer.Option(help=HOST_HELP)] = "127.0.0.1",
          port: Annotated[int, typer.Option(help=PORT_HELP)] = 8000,
          sftp_port: Annotated[int, typer.Option(help="SFTP 受け渡し口のポート番号")] = 2222,
          drop: Annotated[bool, typer.Option(help="SFTP 受け渡し口も起動する")] = True,
          worker: Annotated[bool, typer.Option(help="このプロセスでもジョブのワーカーを 1 つ動かす（`secretariat worker` が"
                                                    "ジョブを処理するなら --no-worker）")] = True):
    """ウェブアプリと SFTP 受け渡し口を起動する"""
    _serve(Settings.from_env(), host, port, sftp_port if drop else None, embedded_worker=worker)


@app.command("worker")
def worker_command(processes: Annotated[int, typer.Option(min=1, max=64, help="起動するワーカープロセスの数")] = 1,
                   burst: Annotated[bool, typer.Option(help="処理するジョブがなくなったら終了する（定期実行やテスト用）")] = False,
                   lease_seconds: Annotated[float, typer.Option(min=1, help="実行中のジョブの生存通知がこの秒数より古ければ、"
                                                                       "ワーカーが止まったとみなして処理し直す")] = 30.0,
                   poll_seconds: Annotated[float, typer.Option(min=0.05, help="待機中のワーカーがジョブを確かめる間隔（秒）")]
                   = 1.0):
    """バックグラウンドのジョブ（印刷ロットなど）を、止めるまで処理し続ける

    定期のジョブ（督促・期限切れ）も期日に登録する。何台の機械で動かしてもよい"""
    from functools import partial

    from secretariat.background import job_registry, job_schedule
    from secretariat.core.jobs.worker import work, work_in_processes

    settings = Settings.from_env()
    options = dict(lease_s=lease_seconds, poll_s=poll_seconds, burst=burst,
                   schedule_factory=partial(job_schedule, settings))
    if processes == 1:
        work(settings.database_url, job_registry, **options)
        return
    if work_in_processes(settings.database_url, job_registry, processes, **options):
        raise typer.Exit(1)


@app.command()
def demo(households: Annotated[int, typer.Option(min=1, max=200_000, help="模擬する対象世帯の数")] = 1000,
         directory: Annotated[Path, typer.Option("--dir", help="デモのデータベースとファイルの置き場所（最初に空にする）")]
         = Path("secretariat-demo"),
         seed: Annotated[int, typer.Option(help="乱数の種（同じ種なら同じ世帯になる）")] = 2026,
         serve_after: Annotated[bool, typer.Option("--serve", help="終わったらデモのデータでウェブアプリを起動する")] = False,
         host: Annotated[str, typer.Option(help=HOST_HELP)] = "127.0.0.1",
         port: Annotated[int, typer.Option(help=PORT_HELP)] = 8000):
    """新しい組み込みデータベースで給付事業を最初から最後まで動かし、各段階の結果を表示する"""
    from secretariat.demo import demo_settings, print_logins, print_summary, run_demo

    served_at = f"http://{host}:{port}"  # the links the demo prints and texts lead where --serve serves
    result = run_demo(directory=directory, households=households, seed=seed, console=console.made(),
                      public_base_url=served_at)
    print_summary(result, console.made())
    if serve_after:
        print_logins(console.made(), f"{served_at}/")
        _serve(demo_settings(result.directory, served_at), host, port)
