"""`secretariat callcenter …`: the supervisor's tools."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from secretariat.core.cli_support import CLI_ACTOR, LazyConsole, cli_session, err

# The modules behind each command (NumPy, the forecast's history, SQLAlchemy) are imported in the
# command itself: every `secretariat` invocation loads this module to list its commands.
app = typer.Typer(no_args_is_help=True, help="コールセンター: 必要な応答席数の計算と入電予測")
console = LazyConsole()


@app.command()
def erlang(calls: Annotated[float, typer.Option(help="時間帯の入電数")],
           interval_min: Annotated[float, typer.Option(help="時間帯の長さ（分）")],
           aht_s: Annotated[float, typer.Option(help="平均処理時間（秒）")],
           target_s: Annotated[float, typer.Option(help="目標応答時間（秒）")],
           service_level: Annotated[float, typer.Option(help="目標応答時間内に応答する割合（例: 0.8）")],
           max_occupancy: Annotated[float, typer.Option(help="稼働率（応答席が通話している時間の割合）の上限")] = 1.0,
           shrinkage: Annotated[float, typer.Option(help="勤務時間のうち電話に出ない割合（シュリンケージ。例: 0.3）")] = 0.0,
           patience_s: Annotated[float | None, typer.Option(help="発信者が待てる平均時間（秒）。指定するとアーラン A 式で計算する")] = None,
           max_abandonment: Annotated[float | None, typer.Option(help="放棄率の上限")] = None,
           as_json: Annotated[bool, typer.Option("--json", help="JSON で出力する")] = False):
    """試算: 時間帯に必要な応答席数を計算する（アーラン C 式。--patience-s を指定するとアーラン A 式）"""
    from callcenter.staffing.erlang import required_agents

    for name, value in (("サービスレベル", service_level), ("稼働率の上限", max_occupancy)):
        if not 0 < value <= 1:
            err.print(f"[red]エラー:[/red] {name}は割合（0 を超え 1 以下）で指定してください: {value}")
            raise typer.Exit(2)
    if calls < 0 or interval_min <= 0 or aht_s <= 0 or target_s < 0 or (patience_s is not None and patience_s <= 0):
        err.print("[red]エラー:[/red] 入電数・時間帯の長さ・平均処理時間・目標応答時間・平均待ち許容時間は正の値で指定してください")
        raise typer.Exit(2)
    try:
        requirement = required_agents(calls=calls, interval_s=interval_min * 60, aht_s=aht_s, target_s=target_s,
                                      service_level=service_level, max_occupancy=max_occupancy,
                                      shrinkage=shrinkage, patience_s=patience_s, max_abandonment=max_abandonment)
    except ValueError as error:
        err.print(f"[red]エラー:[/red] {error}")
        raise typer.Exit(1) from None
    result = requirement.as_dict()
    result["model"] = "erlang_a" if patience_s else "erlang_c"
    if patience_s is None:
        result.pop("abandonment_rate")
    if as_json:
        print(json.dumps(result))
        return
    from rich.table import Table

    table = Table("指標", "値")
    table.add_row("必要な応答席数", str(result["agents"]))
    table.add_row(f"配置する人数（シュリンケージ {shrinkage:.0%}）", str(result["scheduled"]))
    table.add_row(f"サービスレベル（{target_s:g} 秒以内）", f"{result['service_level']:.1%}")
    table.add_row("待ちが生じる確率", f"{result['probability_of_wait']:.1%}")
    table.add_row("平均応答時間（ASA）", f"{result['average_speed_of_answer_s']:.1f} 秒")
    table.add_row("稼働率", f"{result['occupancy']:.1%}")
    if patience_s:
        table.add_row("放棄率", f"{result['abandonment_rate']:.1%}")
    console.print(table)


@app.command()
def forecast(programme: Annotated[int, typer.Option(help="事業 ID")],
             days: Annotated[int, typer.Option(help="表示する日数")] = 14,
             online_share: Annotated[str | None, typer.Option(
                 help="オンライン（ウェブとプッシュ型）で回答する世帯の見込みの割合（%、0〜100）を保存する。"
                      "事業の回答から実測できるまで予測に使う")] = None,
             as_json: Annotated[bool, typer.Option("--json", help="JSON で出力する")] = False):
    """事業の入電予測と人員配置の計画、紙の申請書の返送見込み、予測モデルの検証誤差（WAPE）を表示する"""
    from callcenter.forecast.channels import parse_online_percent, set_expected_online_share
    from callcenter.forecast.programme import staffing_plan
    from secretariat.core.programmes.service import get_programme

    with cli_session() as session:
        chosen = get_programme(session=session, actor=CLI_ACTOR, programme_id=programme)
        if online_share is not None:
            set_expected_online_share(session=session, actor=CLI_ACTOR, programme=chosen,
                                      share=parse_online_percent(online_share))
        staffing = staffing_plan(session, chosen)
    print_plan(staffing, days, as_json)


def print_plan(staffing, days: int, as_json: bool = False) -> None:
    daily = staffing.calls.sum(axis=1)
    rows = [dict(date=day.isoformat(), calls=round(float(calls)), paper_forms_back=round(float(back)),
                 peak_agents=int(agents.max()), scheduled_peak=int(scheduled.max()),
                 agent_hours=float(agents.sum()) / 2)
            for day, calls, back, agents, scheduled in zip(staffing.dates, daily, staffing.paper_returns,
                                                           staffing.agents, staffing.scheduled)]
    mix = staffing.mix
    channels = dict(online_share=mix.online_share, online_share_source=mix.share_source, answered=mix.answered,
                    online_call_rate=mix.online_call_rate, online_call_rate_source=mix.rate_source,
                    paper_forms_back=float(staffing.paper_returns.sum()))
    if as_json:
        print(json.dumps(dict(days=rows, channels=channels, backtest=staffing.backtest)))
        return
    busiest = max(range(len(rows)), key=lambda i: rows[i]["calls"])
    from rich.table import Table

    table = Table("日付", "入電数", "紙の申請書の返送", "ピーク時の応答席数", "配置人数（シュリンケージ込み）", "延べ応答時間",
                  title=f"発送からの入電予測: 最多の日 {rows[busiest]['date']}")
    for row in sorted(rows, key=lambda r: r["date"])[max(0, busiest - 3):max(0, busiest - 3) + days]:
        table.add_row(row["date"], f"{row['calls']:,}", f"{row['paper_forms_back']:,}", str(row["peak_agents"]),
                      str(row["scheduled_peak"]), f"{row['agent_hours']:.1f}")
    console.print(table)
    for line in mix.describe():
        console.print(line)
    console.print(f"紙の申請書の返送見込み（合計）: {channels['paper_forms_back']:,.0f} 通"
                  "（紙の世帯数 × 仮定の返送率。入電と同じ曲線で届く想定）")
    console.print(f"過去データでの検証（一部を順に除いて予測）: WAPE 日別 {staffing.backtest['wape_day']:.1%}、"
                  f"30 分別 {staffing.backtest['wape_interval']:.1%}")
