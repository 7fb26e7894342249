"""支給決定: the secretariat proposes a decision list, the municipality's liaison approves it, and only
that approval moves applications to approved."""

import csv
import io
from pathlib import Path

import pypdfium2
import pytest
from sqlmodel import select

from exchange.decisions.flows import (approve_decision_list, decision_lines, propose_decision_list,
                                      ready_for_decision, reject_decision_list)
from exchange.decisions.models import DecisionList
from secretariat.core.applications.models import Application
from secretariat.core.applications.states import Status
from secretariat.core.errors import Conflict, InvalidInput, PermissionDenied
from secretariat.core.households.models import Household
from secretariat.core.programmes.models import Programme

def propose(factory, tenant, tmp_path, actor=None):
    with factory.session() as session:
        decision = propose_decision_list(session=session, actor=actor or factory.actor("supervisor"),
                                         programme=session.get(Programme, tenant.programme.id),
                                         out_root=tmp_path / "decisions")
        session.commit()
        return decision


def statuses(factory, tenant):
    with factory.session() as session:
        return sorted(a.status for a in session.exec(
            select(Application).where(Application.programme_id == tenant.programme.id)))


def liaison_of(factory, tenant):
    return factory.actor("liaison", tenant.municipality)


def test_a_proposal_lists_every_complete_application_with_its_amount(factory, reviewed, tmp_path):
    decision = propose(factory, reviewed, tmp_path)
    assert decision.line_count == 3
    assert decision.total_yen == sum(a.amount_yen for a in reviewed.applications)
    assert statuses(factory, reviewed) == [Status.complete.value] * 3


def test_the_csv_and_the_pdf_say_who_how_much_and_which_account(factory, reviewed, tmp_path):
    decision = propose(factory, reviewed, tmp_path)
    rows = list(csv.reader(io.StringIO((Path(decision.directory) / "decision-list.csv").read_bytes().decode("cp932"))))
    assert rows[0] == ["世帯番号", "世帯主氏名", "支給額", "振込先口座", "確認事項"]
    assert sorted(row[0] for row in rows[1:]) == sorted(h.household_number for h in reviewed.households)
    document = pypdfium2.PdfDocument(str(Path(decision.directory) / "decision-list.pdf"))
    try:
        text = "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    assert "支給決定リスト" in text and f"{decision.total_yen:,}" in text


def test_only_the_liaison_s_approval_moves_the_applications_to_approved(factory, reviewed, tmp_path):
    decision = propose(factory, reviewed, tmp_path)
    with factory.session() as session:
        approved = approve_decision_list(session=session, actor=liaison_of(factory, reviewed),
                                         decision=session.get(DecisionList, decision.id))
        session.commit()
    assert approved == 3
    assert statuses(factory, reviewed) == [Status.approved.value] * 3


def test_a_supervisor_cannot_approve_a_decision_list(factory, reviewed, tmp_path):
    decision = propose(factory, reviewed, tmp_path)
    with factory.session() as session, pytest.raises(PermissionDenied, match="市区町村の担当者"):
        approve_decision_list(session=session, actor=factory.actor("supervisor"), decision=session.get(DecisionList, decision.id))


def test_the_proposer_cannot_approve_their_own_list(factory, reviewed, tmp_path):
    liaison = liaison_of(factory, reviewed)
    with factory.session() as session:
        decision = propose_decision_list(session=session, actor=factory.actor("supervisor"),
                                         programme=session.get(Programme, reviewed.programme.id),
                                         out_root=tmp_path)
        decision.proposed_by = liaison.username  # as if the liaison had proposed it
        with pytest.raises(PermissionDenied, match="別の人"):
            approve_decision_list(session=session, actor=liaison, decision=decision)


def test_a_liaison_of_another_municipality_cannot_see_the_list(factory, reviewed, tmp_path):
    decision = propose(factory, reviewed, tmp_path)
    stranger = factory.tenant(households=1, name="よその市")
    with factory.session() as session, pytest.raises(Exception, match="ありません"):
        approve_decision_list(session=session, actor=liaison_of(factory, stranger), decision=session.get(DecisionList, decision.id))


def test_an_application_declined_after_the_proposal_is_excluded_from_the_decision(factory, reviewed, tmp_path):
    decision = propose(factory, reviewed, tmp_path)
    factory.advance(reviewed.applications[0], Status.declined)
    with factory.session() as session:
        approved = approve_decision_list(session=session, actor=liaison_of(factory, reviewed),
                                         decision=session.get(DecisionList, decision.id))
        session.commit()
        excluded = [line for line in decision_lines(session, decision) if line.outcome == "excluded"]
    assert approved == 2
    assert len(excluded) == 1 and "辞退" in excluded[0].outcome_note


def test_a_rejected_list_needs_a_reason_and_frees_its_applications(factory, reviewed, tmp_path):
    decision = propose(factory, reviewed, tmp_path)
    with factory.session() as session:
        with pytest.raises(InvalidInput, match="理由"):
            reject_decision_list(session=session, actor=liaison_of(factory, reviewed),
                                 decision=session.get(DecisionList, decision.id), reason=" ")
        reject_decision_list(session=session, actor=liaison_of(factory, reviewed), decision=session.get(DecisionList, decision.id),
                             reason="世帯番号 00000002 の金額を確認したい")
        session.commit()
        assert len(ready_for_decision(session, session.get(Programme, reviewed.programme.id))) == 3
    assert statuses(factory, reviewed) == [Status.complete.value] * 3


def test_a_decided_list_cannot_be_decided_again(factory, reviewed, tmp_path):
    decision = propose(factory, reviewed, tmp_path)
    with factory.session() as session:
        approve_decision_list(session=session, actor=liaison_of(factory, reviewed), decision=session.get(DecisionList, decision.id))
        session.commit()
        with pytest.raises(Conflict, match="承認済み"):
            approve_decision_list(session=session, actor=liaison_of(factory, reviewed),
                                  decision=session.get(DecisionList, decision.id))


def test_an_application_is_proposed_once_while_its_list_is_open(factory, reviewed, tmp_path):
    propose(factory, reviewed, tmp_path)
    with pytest.raises(InvalidInput, match="提案できる申請がありません"):
        propose(factory, reviewed, tmp_path)


def test_an_account_shared_by_two_households_and_a_holder_who_is_not_the_head_are_flagged(factory, reviewed, tmp_path):
    with factory.session() as session:
        first, second, third = (session.get(Household, h.id) for h in reviewed.households)
        for household in (first, second):
            household.bank_code, household.branch_code, household.account_type = "0001", "001", "ordinary"
            household.account_number, household.account_holder_kana = "1234567", "ﾀﾆﾝ ﾉ ﾒｲｷﾞ"
        third.account_number = None
        session.add_all([first, second, third])
        session.commit()
    decision = propose(factory, reviewed, tmp_path)
    with factory.session() as session:
        flags = {line.household_id: set(line.flags) for line in decision_lines(session, decision)}
    assert flags[reviewed.households[0].id] == {"duplicate_account", "holder_not_head"}
    assert flags[reviewed.households[2].id] == {"no_account"}
    assert decision.flagged_count == 3


def test_a_household_a_later_delta_changed_is_flagged(factory, reviewed, tmp_path):
    from exchange.targets.models import TargetChange, TargetFile

    with factory.session() as session:
        delta = TargetFile(municipality_id=reviewed.municipality.id, programme_id=reviewed.programme.id,
                           name="idou.csv", sha256="1" * 64, status="imported", received_by="tests")
        session.add(delta)
        session.flush()
        session.add(TargetChange(municipality_id=reviewed.municipality.id, programme_id=reviewed.programme.id,
                                 target_file_id=delta.id, household_id=reviewed.households[1].id,
                                 resident_number="000000000001", kind="remove", reason="転出", follow_up=True))
        session.commit()
    decision = propose(factory, reviewed, tmp_path)
    with factory.session() as session:
        flags = {line.household_id: line.flags for line in decision_lines(session, decision)}
    assert "changed_by_delta" in flags[reviewed.households[1].id]
    assert "changed_by_delta" not in flags[reviewed.households[0].id]
