"""What happens to a whole file from a municipality's inbox, once the drop has taken its copy into
`archive/`: it is imported, and a report goes to its outbox.

A file named `payment-result*.csv` (or `振込結果*.csv`) is the municipality's payment-result
file; `giftcode-issuance*.csv` and `giftcode-redemption*.csv` (ギフト発行, ギフト引換) are a
gift-code provider's files; anything else is a target list for the account's programme. The
report is CP932 CSV, one row per problem, its first row the outcome in words.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from exchange.giftcodes.drop import giftcode_file_kind, import_dropped_giftcodes
from exchange.results.files import cp932_csv, write_atomically
from exchange.results.payments import import_payment_results
from exchange.targets.encoding import Limits
from exchange.targets.service import import_target_file
from exchange.targets.validate import Problem
from secretariat.core.db import session_scope
from secretariat.core.errors import DomainError
from secretariat.core.programmes.models import Programme

if TYPE_CHECKING:  # the SSH server's own module (paramiko) is not needed by a worker processing a file
    from exchange.drop.login import Login

log = logging.getLogger("secretariat.exchange.drop")
REPORT_HEADINGS = ["行", "列", "値", "コード", "区分", "内容"]


def report_csv(summary: str, errors: list[Problem], warnings: list[Problem]) -> bytes:
    rows = [["", "", "", "summary", "結果", summary]]
    rows += [[p.row, p.column, p.value, p.code, "エラー", p.message] for p in errors]
    rows += [[p.row, p.column, p.value, p.code, "警告", p.message] for p in warnings]
    return cp932_csv(REPORT_HEADINGS, rows)


def is_payment_result(name: str) -> bool:
    return name.lower().startswith("payment-result") or name.startswith("振込結果")


def programme_for(session: Session, login: Login) -> Programme:
    """The account's programme, or the municipality's only programme; otherwise a clear refusal."""
    if login.default_programme_id is not None:
        return session.get(Programme, login.default_programme_id)
    programmes = session.exec(select(Programme).where(Programme.municipality_id == login.municipality_id)).all()
    if len(programmes) != 1:
        raise DomainError(f"このSFTPアカウントの自治体には事業が {len(programmes)} 件あり、取り込む事業が決まっていません。"
                          "事務局に既定の事業の設定を依頼してください")
    return programmes[0]


def process_dropped_file(engine: Engine, login: Login, archived: Path, name: str, at: datetime | None = None,
                         limits: Limits = Limits()) -> Path:
    """Import the archived copy of a file the municipality sent as `name`, and report; returns the
    report's path in the outbox. `at` stamps the import (the demo replays a programme's calendar);
    it defaults to now."""
    report = login.root / "outbox" / f"{Path(name).stem}.report.csv"
    try:
        with session_scope(engine) as session:
            programme = programme_for(session, login)
            if is_payment_result(name):
                result = import_payment_results(session=session, actor=login.actor(), programme=programme,
                                                path=archived, at=at, limits=limits)
                summary = (f"取込完了: 振込済 {result.paid} 件, 振込不能 {result.failed} 件" if result.ok
                           else f"取込せず: エラー {len(result.errors)} 件 (何も取り込んでいません)")
                data = report_csv(summary, result.errors, [])
            elif kind := giftcode_file_kind(name):  # a gift-code provider's file (exchange/giftcodes/drop.py)
                data = report_csv(*import_dropped_giftcodes(session=session, actor=login.actor(), programme=programme,
                                                            path=archived, kind=kind, limits=limits))
            else:
                record, listing = import_target_file(session=session, actor=login.actor(), programme=programme,
                                                     path=archived, name=name, source="sftp", at=at,
                                                     limits=limits)
                data = report_csv(_target_summary(record, listing), listing.errors, listing.warnings)
    except DomainError as error:
        data = report_csv(f"取込せず: {error.message}", [], [])
    except Exception:
        log.exception("drop: importing a file failed")
        data = report_csv("取込せず: 処理中にシステムエラーが発生しました。事務局に連絡済みです。", [], [])
    return write_atomically(report, data)


def _target_summary(record, listing) -> str:
    if record.status == "imported":
        return (f"取込完了: {listing.rows} 行, {len(listing.households)} 世帯, {len(listing.persons)} 人"
                f" (警告 {listing.warning_count} 件)")
    if record.status == "duplicate":
        return "取込済みのファイルです (同じ内容のファイルを以前に取り込みました)。何も取り込んでいません。"
    return f"取込せず: エラー {listing.error_count} 件, 警告 {listing.warning_count} 件。修正して再送してください。"
