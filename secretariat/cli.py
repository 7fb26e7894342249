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


@cache
def _domain_group(name: str) -> TyperGroup:
    return get_group_from_info(TyperInfo(domain_app(name), name=name), pretty_exceptions_short=app.pretty_exceptions_short,
                               rich_markup_mode=app.rich_markup_mode, suggest_commands=app.suggest_commands)


# Plain help (click's own layout) for every command: rendering it with rich panels doubled the time
# `secretariat --help` takes, which every scanner-station script and cron job pays.
app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, cls=_DomainsOnDemand,
                  help="Operations suite of a benefit-programme secretariat (給付金事務局).")
users = typer.Typer(no_args_is_help=True, help="Staff accounts and API tokens.")
municipalities = typer.Typer(no_args_is_help=True, help="Municipalities (tenants).")
programmes = typer.Typer(no_args_is_help=True, help="Benefit programmes.")
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
    """Create or upgrade the store's schema (safe to run again)."""
    from secretariat.core.db import make_engine
    from secretariat.migrations import migrate

    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    migrate(engine)
    engine.dispose()
    console.print(f"データベースの準備ができました: {engine.url.render_as_string(hide_password=True)}")


@users.command("add")
def users_add(username: str,
              role: Annotated[str, typer.Option(help="operator, agent, supervisor, liaison or admin")],
              municipality: Annotated[str | None, typer.Option(help="municipality code; liaisons only")] = None,
              display_name: Annotated[str, typer.Option()] = "",
              password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                                    envvar="SECRETARIAT_NEW_PASSWORD")] = ""):
    """Add a staff account."""
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
    """List staff accounts."""
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
def users_token(username: str, name: Annotated[str, typer.Option(help="what the token is for")] = "automation"):
    """Issue an API token for a user; it is shown once."""
    from secretariat.core.auth.service import find_user, issue_api_token

    with _session() as session:
        token = issue_api_token(session=session, actor=ADMIN, user=find_user(session=session, username=username),
                                name=name)
    console.print(token, soft_wrap=True)


@users.command("assign")
def users_assign(username: str, programme: Annotated[list[int], typer.Option(help="programme id; repeat for each")] = []):
    """Set the programmes an agent serves (担当事業), replacing the last set; none leaves them none."""
    from secretariat.core.auth.assignments import assign_programmes
    from secretariat.core.auth.service import find_user

    with _session() as session:
        served = assign_programmes(session, actor=ADMIN, user_id=find_user(session=session, username=username).id,
                                   programme_ids=programme)
    console.print(f"{username} の担当事業: {'、'.join(map(str, served)) or 'なし'}")


@municipalities.command("add")
def municipalities_add(code: str, name: str):
    """Add a municipality by its 全国地方公共団体コード."""
    from secretariat.core.tenancy.service import create_municipality

    with _session() as session:
        municipality = create_municipality(session=session, actor=ADMIN, code=code, name=name)
    console.print(f"自治体 {municipality.code} {municipality.name} を追加しました")


@municipalities.command("list")
def municipalities_list():
    from rich.table import Table

    from secretariat.core.tenancy.service import list_municipalities

    with _session() as session:
        table = Table("団体コード", "名称")
        for municipality in list_municipalities(session=session, actor=ADMIN):
            table.add_row(municipality.code, municipality.name)
    console.print(table)


@programmes.command("add")
def programmes_add(municipality: Annotated[str, typer.Option(help="municipality code")],
                   name: Annotated[str, typer.Option()],
                   reference_date: Annotated[str, typer.Option(help="基準日, YYYY-MM-DD")],
                   opens: Annotated[str, typer.Option(help="first day of the window, YYYY-MM-DD")],
                   deadline: Annotated[str, typer.Option(help="申請期限, YYYY-MM-DD")],
                   per_household: Annotated[int, typer.Option(help="yen per household")] = 0,
                   per_child: Annotated[int, typer.Option(help="yen per child")] = 0,
                   channel: Annotated[list[str] | None, typer.Option(help="paper, web or push; repeat for more")]
                   = None):
    """Add a benefit programme for a municipality."""
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
    from rich.table import Table

    from secretariat.core.programmes.service import list_programmes

    with _session() as session:
        table = Table("事業 ID", "自治体", "事業名", "申請期限")
        for programme, owner in list_programmes(session=session, actor=ADMIN):
            table.add_row(str(programme.id), owner.code, programme.name, str(programme.deadline_date))
    console.print(table)


@programmes.command("expire")
def programmes_expire(programme: Annotated[int, typer.Argument(help="programme id")],
                      grace_days: Annotated[int, typer.Option(min=0, help="days the post may take after the deadline")]
                      = 7,
                      on: Annotated[str | None, typer.Option(help="as of this day, YYYY-MM-DD (default: today)")] = None):
    """Expire every application still waiting on the resident once the deadline and the post's grace have passed."""
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


@app.command()
def serve(host: Annotated[str, typer.Option()] = "127.0.0.1", port: Annotated[int, typer.Option()] = 8000,
          sftp_port: Annotated[int, typer.Option(help="the SFTP drop's port")] = 2222,
          drop: Annotated[bool, typer.Option(help="also serve the SFTP drop")] = True,
          worker: Annotated[bool, typer.Option(help="also run one job worker in this process "
                                                    "(off when 'secretariat worker' processes take the jobs)")] = True):
    """Serve the web app and the SFTP drop."""
    _serve(Settings.from_env(), host, port, sftp_port if drop else None, embedded_worker=worker)


@app.command("worker")
def worker_command(processes: Annotated[int, typer.Option(min=1, max=64, help="worker processes to run")] = 1,
                   burst: Annotated[bool, typer.Option(help="stop once no job is due (for cron and tests)")] = False,
                   lease_seconds: Annotated[float, typer.Option(min=1, help="a running job whose heartbeat is older "
                                                                       "is taken again (its worker died)")] = 30.0,
                   poll_seconds: Annotated[float, typer.Option(min=0.05, help="how often an idle worker looks")]
                   = 1.0):
    """Take background jobs (print runs…) from the store until SIGTERM, and queue the periodic ones
    (reminders, expiry) when they are due; run it on any number of machines."""
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
def demo(households: Annotated[int, typer.Option(min=1, max=200_000, help="target households to simulate")] = 1000,
         directory: Annotated[Path, typer.Option("--dir", help="where the demo's store and files go (emptied first)")]
         = Path("secretariat-demo"),
         seed: Annotated[int, typer.Option(help="same seed, same households")] = 2026,
         serve_after: Annotated[bool, typer.Option("--serve", help="then serve the web app over the demo data")] = False,
         host: Annotated[str, typer.Option()] = "127.0.0.1",
         port: Annotated[int, typer.Option()] = 8000):
    """Run a whole programme end to end on a fresh embedded store, and print what happened."""
    from secretariat.demo import demo_settings, print_logins, print_summary, run_demo

    result = run_demo(directory=directory, households=households, seed=seed, console=console.made())
    print_summary(result, console.made())
    if serve_after:
        print_logins(console.made(), f"http://{host}:{port}/")
        _serve(demo_settings(result.directory), host, port)
