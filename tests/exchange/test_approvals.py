"""Maker-checker (作成者と承認者の分離): the one rule a payment list and a gift-code list pass before approval."""

from dataclasses import dataclass

import pytest

from exchange.approvals import check_approver
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.errors import Conflict, NotFound, PermissionDenied


@dataclass
class Batch:
    id: int = 3
    municipality_id: int = 1
    status: str = "prepared"
    prepared_by: str = "maker"


CHECKER = Actor(username="checker", role=Role.supervisor)


def test_another_approving_person_may_approve_a_prepared_batch():
    check_approver(actor=CHECKER, batch=Batch(), kind="payment_batch")


def test_a_batch_no_longer_waiting_for_approval_is_refused_with_its_state_in_japanese():
    with pytest.raises(Conflict, match=r"振込データ 3 は「承認待ち」ではないため承認できません（現在: 承認済み）"):
        check_approver(actor=CHECKER, batch=Batch(status="approved"), kind="payment_batch")


def test_the_person_who_prepared_a_batch_may_not_approve_it():
    maker = Actor(username="maker", role=Role.supervisor)
    with pytest.raises(PermissionDenied, match="ギフトコード割当 3 は maker さんが作成したため"):
        check_approver(actor=maker, batch=Batch(), kind="giftcode_batch")


def test_an_operator_may_not_approve():
    with pytest.raises(PermissionDenied):
        check_approver(actor=Actor(username="operator", role=Role.operator), batch=Batch(), kind="payment_batch")


def test_a_liaison_is_told_another_municipalitys_batch_is_not_found():
    liaison = Actor(username="liaison", role=Role.liaison, municipality_id=2)
    with pytest.raises(NotFound, match="振込データ 3 が見つかりません"):
        check_approver(actor=liaison, batch=Batch(), kind="payment_batch")
