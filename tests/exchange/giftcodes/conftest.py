from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from threading import Barrier

import pytest

from exchange.giftcodes.batches import approve_giftcode_batch, freeze_giftcode_batch, prepare_giftcode_batch
from exchange.giftcodes.issuance import import_issuance
from exchange.giftcodes.setting import set_giftcode_setting
from secretariat.core.applications.states import Status
from tests.factories import SYSTEM

TO_APPROVED = (Status.printed, Status.mailed, Status.received, Status.checking, Status.complete, Status.approved)
TODAY = date(2026, 12, 1)
PROVIDER = "テストギフト"


def issuance_file(tmp_path, rows, name: str = "issuance.csv", bom: bool = False):
    """A provider's issuance file: header code,amount,expiry, then `rows`."""
    path = tmp_path / name
    text = "code,amount,expiry\r\n" + "".join(",".join(row) + "\r\n" for row in rows)
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def codes(prefix: str, count: int, amount: int = 30_000, expiry: str = "2027-03-31") -> list[list[str]]:
    return [[f"{prefix}{n:04d}", str(amount), expiry] for n in range(count)]


@pytest.fixture
def giftcode_tenant(factory):
    """A gift-code programme of three approved households, 30,000 yen each (a flat amount per household)."""
    tenant = factory.tenant(households=3)
    with factory.session() as session:
        for application in tenant.applications:
            application.amount_yen = 30_000
            session.add(application)
        set_giftcode_setting(session=session, actor=SYSTEM, programme=tenant.programme, payout="gift_code",
                             provider=PROVIDER)
        session.commit()
    for application in tenant.applications:
        factory.advance(application, *TO_APPROVED)
    return tenant


@pytest.fixture
def stock(factory, giftcode_tenant, tmp_path):
    """Import `count` codes of `amount` into the gift-code programme."""
    def do(count: int, amount: int = 30_000, prefix: str = "GC"):
        with factory.session() as session:
            result = import_issuance(session=session, actor=SYSTEM, programme=giftcode_tenant.programme,
                                     path=issuance_file(tmp_path, codes(prefix, count, amount), f"{prefix}.csv"),
                                     today=TODAY)
            assert result.ok, result.errors
            session.commit()
    return do


@pytest.fixture
def maker(factory):
    return factory.actor("supervisor")


@pytest.fixture
def checker(factory):
    return factory.actor("supervisor")


@pytest.fixture
def frozen(factory, giftcode_tenant, stock, maker, checker):
    """The programme's batch, prepared, approved by another person, and frozen."""
    stock(3)
    return prepare_approve_freeze(factory, giftcode_tenant, maker, checker)


def prepare_approve_freeze(factory, tenant, maker, checker):
    """A batch of the programme prepared by `maker`, approved by `checker`, and frozen."""
    with factory.session() as session:
        batch = prepare_giftcode_batch(session=session, actor=maker, programme=tenant.programme,
                                       today=TODAY).batch
        approve_giftcode_batch(session=session, actor=checker, batch=batch)
        freeze_giftcode_batch(session=session, actor=maker, batch=batch)
        session.commit()
    return batch


def at_the_same_moment(do, actors, refused: tuple[type[Exception], ...]) -> list:
    """`do(actor)` for each actor on its own thread, all let go together; a refusal counts as None."""
    start = Barrier(len(actors))

    def attempt(actor):
        start.wait()
        try:
            return do(actor)
        except refused:
            return None

    with ThreadPoolExecutor(len(actors)) as pool:
        return list(pool.map(attempt, actors))
