from datetime import date

from sqlmodel import select

from exchange.giftcodes.models import GiftCode
from exchange.giftcodes.redemption import expire_unredeemed, import_redemptions, unredeemed_csv
from secretariat.core.applications.models import Application
from secretariat.core.audit.models import AuditEvent
from tests.factories import SYSTEM


def assigned_codes(factory) -> list[GiftCode]:
    with factory.session() as session:
        return list(session.exec(select(GiftCode).where(GiftCode.application_id.is_not(None)).order_by(GiftCode.id)))


def redemption_file(tmp_path, rows, name="redeemed.csv"):
    path = tmp_path / name
    path.write_text("code,redeemed_at\n" + "".join(f"{code},{at}\n" for code, at in rows), encoding="utf-8")
    return path


def redeem(factory, tenant, path):
    with factory.session() as session:
        result = import_redemptions(session=session, actor=SYSTEM, programme=tenant.programme, path=path)
        session.commit()
    return result


def statuses(factory, tenant) -> list[str]:
    with factory.session() as session:
        return [a.status for a in session.exec(select(Application).where(
            Application.programme_id == tenant.programme.id).order_by(Application.id))]


def test_the_redemption_file_marks_the_codes_application_paid(factory, giftcode_tenant, frozen, tmp_path):
    first = assigned_codes(factory)[0]
    result = redeem(factory, giftcode_tenant, redemption_file(tmp_path, [(first.code, "2027-01-15T10:30:00+09:00")]))
    assert (result.ok, result.paid) == (True, 1)
    with factory.session() as session:
        assert session.get(Application, first.application_id).status == "paid"
        assert session.get(GiftCode, first.id).state == "redeemed"
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "giftcode_redemptions")).first()


def test_the_same_redemption_file_twice_changes_nothing_more(factory, giftcode_tenant, frozen, tmp_path):
    path = redemption_file(tmp_path, [(code.code, "2027-01-15") for code in assigned_codes(factory)])
    redeem(factory, giftcode_tenant, path)
    again = redeem(factory, giftcode_tenant, path)
    assert (again.paid, again.already, again.unknown) == (0, 3, [])
    assert statuses(factory, giftcode_tenant) == ["paid"] * 3


def test_an_unknown_code_is_reported_and_the_others_are_paid(factory, giftcode_tenant, frozen, tmp_path):
    first = assigned_codes(factory)[0]
    result = redeem(factory, giftcode_tenant,
                    redemption_file(tmp_path, [("NOSUCHCODE", "2027-01-15"), (first.code, "2027-01-15")]))
    assert [(p.row, p.code) for p in result.unknown] == [(2, "unknown_code")]
    assert result.paid == 1


def test_a_bad_redemption_time_applies_nothing(factory, giftcode_tenant, frozen, tmp_path):
    first, second = assigned_codes(factory)[:2]
    result = redeem(factory, giftcode_tenant,
                    redemption_file(tmp_path, [(first.code, "2027-01-15"), (second.code, "昨日")]))
    assert [(p.row, p.column, p.code) for p in result.errors] == [(3, "redeemed_at", "bad_date")]
    assert statuses(factory, giftcode_tenant) == ["approved"] * 3


def test_codes_unredeemed_at_expiry_are_reported_and_expired(factory, giftcode_tenant, frozen, tmp_path):
    first = assigned_codes(factory)[0]
    redeem(factory, giftcode_tenant, redemption_file(tmp_path, [(first.code, "2027-01-15")]))
    with factory.session() as session:
        expired = expire_unredeemed(session=session, actor=SYSTEM, programme=giftcode_tenant.programme,
                                    today=date(2027, 4, 1))
        session.commit()
    assert [(code.state, code.id != first.id) for code, _ in expired] == [("expired", True)] * 2
    report = unredeemed_csv(expired).decode("cp932").splitlines()
    assert report[0].startswith("世帯番号") and len(report) == 3 and "期限切れ" in report[1]


def test_nothing_expires_before_its_expiry(factory, giftcode_tenant, frozen):
    with factory.session() as session:
        assert expire_unredeemed(session=session, actor=SYSTEM, programme=giftcode_tenant.programme,
                                 today=date(2027, 3, 31)) == []
