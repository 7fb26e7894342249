"""Bank profiles: a programme's paying account and its bank's file conventions, set once and
followed by every payment batch prepared afterwards."""

from datetime import date

import pytest
from sqlmodel import select

from exchange.results.models import BankProfile, PaymentBatch
from exchange.results.payments import (approve_payment_batch, batch_lines, export_payment_batch,
                                       prepare_payment_batch, zengin_bytes)
from exchange.results.profiles import set_bank_profile
from secretariat.core.applications.states import Status
from secretariat.core.auth.actor import Actor
from secretariat.core.errors import InvalidInput, NotFound
from secretariat.core.households.models import Household

SYSTEM = Actor.system("tests")
TO_APPROVED = (Status.printed, Status.mailed, Status.received, Status.checking, Status.complete, Status.approved)
CHIBA = dict(requester_code="1210020001", requester_name="チバシ　キユウフキン", from_bank_code="0134",
             from_branch_code="076", from_account_number="1234567", record_separator="crlf",
             clearing_house_fill="zeros")
SAKAI = dict(requester_code="2714030001", requester_name="サカイシ　キユウフキン", from_bank_code="0009",
             from_branch_code="178", from_account_number="7654321", record_separator="none",
             clearing_house_fill="spaces")


def approved_tenant(factory, households: int = 3):
    """A municipality whose households are all approved for payment, each with an account on file."""
    tenant = factory.tenant(households=households)
    with factory.session() as session:
        for household in session.exec(select(Household).where(Household.programme_id == tenant.programme.id)):
            household.bank_code, household.branch_code = "0005", "001"
            household.account_type, household.account_number = "ordinary", "0001234"
            household.account_holder_kana = "テスト　タロウ"
            session.add(household)
        session.commit()
    for application in tenant.applications:
        factory.advance(application, *TO_APPROVED)
    return tenant


def set_profile(factory, tenant, actor=SYSTEM, **fields):
    with factory.session() as session:
        profile = set_bank_profile(session=session, actor=actor, programme=tenant.programme, **fields)
        session.commit()
        return profile


def exported_file(factory, tenant, out) -> bytes:
    maker, checker = factory.actor("supervisor"), factory.actor("supervisor")
    with factory.session() as session:
        batch = prepare_payment_batch(session=session, actor=maker, programme=tenant.programme,
                                      transfer_date=date(2026, 12, 10)).batch
        approve_payment_batch(session=session, actor=checker, batch=batch)
        paths = export_payment_batch(session=session, actor=checker, batch=batch, out_dir=out)
        session.commit()
    return next(p for p in paths if p.name.endswith(".zengin.txt")).read_bytes()


def test_a_profile_with_every_field_wrong_is_refused_naming_each_field(factory):
    tenant = factory.tenant(households=0)
    with pytest.raises(InvalidInput) as refused:
        set_profile(factory, tenant, requester_code="12AB", requester_name="山田", from_bank_code="9999",
                    from_branch_code="001", from_account_number="12345678", from_account_type="savings",
                    record_separator="lf", clearing_house_fill="blank")
    for field in ("委託者コード", "委託者名", "仕向銀行・支店", "口座番号", "預金種目", "レコード区切り", "手形交換所番号"):
        assert field in refused.value.message


def test_a_name_longer_than_the_field_is_refused_rather_than_cut(factory):
    tenant = factory.tenant(households=0)
    with pytest.raises(InvalidInput, match="委託者名: 半角40文字まで"):
        set_profile(factory, tenant, **CHIBA | dict(requester_name="チバシ　" + "キユウフキン" * 7))


def test_a_profile_is_stored_in_the_form_the_file_needs(factory):
    tenant = factory.tenant(households=0)
    profile = set_profile(factory, tenant, **CHIBA | dict(requester_code="42", from_account_number="123",
                                                          from_account_type="当座"))
    assert (profile.requester_code, profile.requester_name_kana, profile.from_account_number,
            profile.from_account_type) == ("0000000042", "ﾁﾊﾞｼ ｷﾕｳﾌｷﾝ", "0000123", "current")


def test_setting_a_profile_again_replaces_it(factory):
    tenant = factory.tenant(households=0)
    set_profile(factory, tenant, **CHIBA)
    set_profile(factory, tenant, **CHIBA | dict(from_account_number="7777777"))
    with factory.session() as session:
        stored = session.exec(select(BankProfile).where(BankProfile.programme_id == tenant.programme.id)).all()
    assert [p.from_account_number for p in stored] == ["7777777"]


def test_a_liaison_sets_the_profile_of_its_own_municipality_only(factory):
    own, other = factory.tenant(households=0), factory.tenant(households=0)
    liaison = factory.actor("liaison", own.municipality)
    assert set_profile(factory, own, actor=liaison, **CHIBA).updated_by == liaison.username
    with pytest.raises(NotFound):
        set_profile(factory, other, actor=liaison, **CHIBA)


def test_a_batch_for_a_programme_without_a_profile_is_refused_saying_how_to_set_one(factory):
    tenant = approved_tenant(factory)
    with factory.session() as session, pytest.raises(InvalidInput, match="bank-profile set"):
        prepare_payment_batch(session=session, actor=factory.actor("supervisor"), programme=tenant.programme,
                              transfer_date=date(2026, 12, 10))


def test_the_file_carries_the_requester_of_the_profile(factory, tmp_path):
    tenant = approved_tenant(factory)
    set_profile(factory, tenant, **CHIBA)
    header = exported_file(factory, tenant, tmp_path)[:120]
    assert (header[4:14], header[14:54].decode("cp932").rstrip(), header[58:62], header[77:80], header[96:103]) == (
        b"1210020001", "ﾁﾊﾞｼ ｷﾕｳﾌｷﾝ", b"0134", b"076", b"1234567")


def test_a_profile_without_separators_and_with_blank_clearing_house_gets_that_file(factory, tmp_path):
    tenant = approved_tenant(factory)
    set_profile(factory, tenant, **SAKAI)
    data = exported_file(factory, tenant, tmp_path)
    assert len(data) == 120 * (3 + 3) and b"\r\n" not in data
    assert {data[start + 38:start + 42] for start in range(120, 4 * 120, 120)} == {b"    "}


def test_a_profile_with_crlf_and_zeros_gets_that_file(factory, tmp_path):
    tenant = approved_tenant(factory)
    set_profile(factory, tenant, **CHIBA)
    records = exported_file(factory, tenant, tmp_path).split(b"\r\n")
    assert records[-1] == b"" and {len(r) for r in records[:-1]} == {120}
    assert {record[38:42] for record in records[1:4]} == {b"0000"}


def test_two_municipalities_write_their_own_requester(factory, tmp_path):
    chiba, sakai = approved_tenant(factory), approved_tenant(factory)
    set_profile(factory, chiba, **CHIBA)
    set_profile(factory, sakai, **SAKAI)
    assert exported_file(factory, chiba, tmp_path / "chiba")[4:14] == b"1210020001"
    assert exported_file(factory, sakai, tmp_path / "sakai")[4:14] == b"2714030001"


def test_a_prepared_batch_keeps_the_profile_it_was_prepared_with(factory):
    tenant = approved_tenant(factory)
    set_profile(factory, tenant, **CHIBA)
    with factory.session() as session:
        batch = prepare_payment_batch(session=session, actor=factory.actor("supervisor"), programme=tenant.programme,
                                      transfer_date=date(2026, 12, 10)).batch
        session.commit()
    set_profile(factory, tenant, **SAKAI)
    with factory.session() as session:
        data = zengin_bytes(batch, batch_lines(session, batch))
    assert data[4:14] == b"1210020001" and data[120:122] == b"\r\n"


def test_the_payment_csv_pairs_each_household_with_the_customer_code_in_the_file(factory, tmp_path):
    tenant = approved_tenant(factory)
    set_profile(factory, tenant, **CHIBA)
    maker, checker = factory.actor("supervisor"), factory.actor("supervisor")
    with factory.session() as session:
        batch = prepare_payment_batch(session=session, actor=maker, programme=tenant.programme,
                                      transfer_date=date(2026, 12, 10)).batch
        approve_payment_batch(session=session, actor=checker, batch=batch)
        table, zengin = export_payment_batch(session=session, actor=checker, batch=batch, out_dir=tmp_path)
        session.commit()
    rows = [line.split(",") for line in table.read_bytes().decode("cp932").splitlines()]
    in_csv = {row[rows[0].index("顧客コード")]: row[0] for row in rows[1:]}
    in_file = {record[91:101].decode() for record in zengin.read_bytes().split(b"\r\n")[1:4]}
    assert set(in_csv) == in_file and len(in_file) == 3
    assert sorted(in_csv.values()) == sorted(h.household_number for h in tenant.households)


def test_the_cli_sets_a_profile_and_payments_prepare_follows_it(cli, factory):
    tenant = approved_tenant(factory)
    maker = factory.actor("supervisor")
    answer = cli("exchange", "bank-profile", "set", "--programme", tenant.programme.id, "--requester-code",
                 "2714030001", "--requester-name", "サカイシ　キユウフキン", "--from-bank", "0009", "--from-branch",
                 "178", "--from-account", "7654321", "--separator", "none", "--clearing-house", "spaces")
    assert answer.exit_code == 0, answer.output
    answer = cli("exchange", "payments", "prepare", "--programme", tenant.programme.id, "--user", maker.username,
                 "--transfer-date", "2026-12-10")
    assert answer.exit_code == 0, answer.output
    with factory.session() as session:
        batch = session.exec(select(PaymentBatch)).one()
    assert (batch.requester_code, batch.from_bank_code, batch.record_separator, batch.clearing_house_fill) == (
        "2714030001", "0009", "none", "spaces")


def test_the_cli_names_the_field_it_refuses(cli, factory):
    tenant = factory.tenant(households=0)
    answer = cli("exchange", "bank-profile", "set", "--programme", tenant.programme.id, "--requester-code",
                 "12AB", "--requester-name", "サカイシ", "--from-bank", "0009", "--from-branch", "178",
                 "--from-account", "7654321")
    assert answer.exit_code == 1 and "委託者コード" in answer.output
