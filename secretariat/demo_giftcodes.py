"""The push programme's households with no account on file are paid by digital gift code.

The supervisor sets the programme's payout to the household's choice; the agent records 「デジタル
ギフトで受け取る」 for each approved household whose account the municipality does not have (they
called after the push notice); the provider's issuance file arrives through the drop; the
supervisor prepares the codes' list, the liaison approves it and the supervisor freezes it; the
print room prints the letters, each with its code's QR; weeks later the provider's redemption file
comes back through the drop and moves the redeemed applications to paid.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from exchange.drop.client import push
from exchange.giftcodes.batches import approve_giftcode_batch, freeze_giftcode_batch, prepare_giftcode_batch
from exchange.giftcodes.delivery import deliver_giftcodes
from exchange.giftcodes.models import GiftCode
from exchange.giftcodes.setting import record_payout_choice, set_giftcode_setting
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.households.models import Household
from secretariat.demo_exchange import Drop, demo_actor, demo_liaison

PROVIDER = "デモギフト（合成）"
REDEEMED_SHARE = 0.8


@dataclass
class GiftCodes:
    chose: int = 0
    assigned: int = 0
    total_yen: int = 0
    letters: Path | None = None
    redeemed: int = 0

    def stages(self) -> list[tuple[str, int, str]]:
        if not self.chose:
            return []
        return [("デジタルギフト", self.assigned,
                 f"口座の登録がないプッシュ型の {self.chose} 世帯がギフトコードを選択。事業者のコードは SFTP受け渡しで"
                 f"受領。{self.total_yen:,} 円分をスーパーバイザーが割り当て、自治体担当者が承認。"
                 f"コードごとの QR コード付きのお知らせ: {self.letters}"),
                ("ギフトコードの引換", self.redeemed,
                 "事業者の引換ファイルが SFTP受け渡しで届き、引き換えられた申請は支給済み")]


def pay_by_gift_codes(engine: Engine, drop: Drop, programme, code: str, folder: Path, today: date,
                      seed: int) -> GiftCodes:
    rng = random.Random(seed)
    outcome = GiftCodes()
    folder.mkdir(parents=True, exist_ok=True)
    with Session(engine, expire_on_commit=False) as session:
        supervisor, agent = demo_actor(session, "supervisor"), demo_actor(session, "agent")
        set_giftcode_setting(session=session, actor=supervisor, programme=programme, payout="choice",
                             provider=PROVIDER)
        without_account = session.exec(
            select(Application, Household).join(Household, Household.id == Application.household_id)
            .where(Application.programme_id == programme.id, Application.status == Status.approved.value,
                   Household.account_number.is_(None) | (Household.account_number == ""))).all()
        for _application, household in without_account:
            record_payout_choice(session=session, actor=agent, programme=programme, household=household,
                                 payout="gift_code")
        outcome.chose = len(without_account)
        session.commit()
        amounts = Counter(application.amount_yen for application, _ in without_account)
    if not outcome.chose:
        return outcome
    rows = [[f"DEMO{seed % 1000:03d}{number:06d}", str(amount), (today + timedelta(days=180)).isoformat()]
            for number, amount in enumerate(amount for amount, count in sorted(amounts.items())
                                            for _ in range(count))]
    _send(drop, code, folder / "giftcode-issuance.csv", ["code", "amount", "expiry"], rows)
    with Session(engine, expire_on_commit=False) as session:
        supervisor = demo_actor(session, "supervisor")
        batch = prepare_giftcode_batch(session=session, actor=supervisor, programme=programme, today=today).batch
        approve_giftcode_batch(session=session, actor=demo_liaison(session, programme), batch=batch)
        freeze_giftcode_batch(session=session, actor=supervisor, batch=batch)
        delivered = deliver_giftcodes(session=session, actor=supervisor, programme=programme,
                                      out_dir=folder / "letters")
        outcome.assigned, outcome.total_yen, outcome.letters = batch.line_count, batch.total_yen, delivered.letters
        assigned = list(session.exec(select(GiftCode.code).where(GiftCode.programme_id == programme.id,
                                                                 GiftCode.application_id.is_not(None))))
        session.commit()
    redeemed = [[number, f"{today.isoformat()} 10:00"] for number in assigned if rng.random() < REDEEMED_SHARE]
    _send(drop, code, folder / "giftcode-redemption.csv", ["code", "redeemed_at"], redeemed)
    with Session(engine) as session:
        outcome.redeemed = len(session.exec(select(GiftCode.id).where(GiftCode.programme_id == programme.id,
                                                                      GiftCode.state == "redeemed")).all())
    return outcome


def _send(drop: Drop, code: str, path: Path, heading: list[str], rows: list[list[str]]) -> None:
    """The provider's CSV (UTF-8), sent through the municipality's drop and imported there."""
    path.write_text("\r\n".join(",".join(row) for row in [heading, *rows]) + "\r\n", encoding="utf-8")
    with drop.sftp(code) as sftp:
        drop.at = None
        push(sftp, path)
        drop.server.wait_idle()
