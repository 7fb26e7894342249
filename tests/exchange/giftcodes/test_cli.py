from sqlmodel import select

from exchange.giftcodes.models import GiftCode
from secretariat.core.applications.declines import record_decline
from secretariat.core.applications.models import Application
from tests.exchange.giftcodes.conftest import codes, issuance_file


def test_the_cli_runs_a_programme_from_issuance_file_to_paid(cli, factory, giftcode_tenant, tmp_path):
    programme = giftcode_tenant.programme.id
    maker, checker = factory.user("supervisor").username, factory.user("supervisor").username
    imported = cli("giftcodes", "import", issuance_file(tmp_path, codes("C", 3)), "--programme", programme)
    assert imported.exit_code == 0, imported.output
    prepared = cli("giftcodes", "prepare", "--programme", programme, "--user", maker)
    assert "コード 3 件" in prepared.output, prepared.output
    batch = prepared.output.split()[1].rstrip(":")
    assert cli("giftcodes", "approve", batch, "--user", maker).exit_code == 1  # maker-checker
    assert cli("giftcodes", "approve", batch, "--user", checker).exit_code == 0
    assert cli("giftcodes", "freeze", batch).exit_code == 0
    assert "郵送 3 通" in cli("giftcodes", "letters", "--programme", programme, "--out", tmp_path / "letters").output
    with factory.session() as session:
        assigned = session.exec(select(GiftCode).where(GiftCode.state == "delivered")).all()
    redeemed = tmp_path / "redeemed.csv"
    redeemed.write_text("code,redeemed_at\n" + "".join(f"{c.code},2027-01-10\n" for c in assigned), encoding="utf-8")
    answer = cli("giftcodes", "redemptions", redeemed, "--programme", programme)
    assert "引換済 3 件" in answer.output, answer.output


def test_the_cli_writes_a_cancel_list_once_and_an_earlier_one_again_on_request(cli, factory, giftcode_tenant, frozen,
                                                                      tmp_path):
    with factory.session() as session:
        first = session.exec(select(GiftCode).where(GiftCode.state == "assigned").order_by(GiftCode.id)).first()
        record_decline(session=session, actor=factory.actor("operator"),
                       application=session.get(Application, first.application_id), evidence="電話で辞退の申出")
        session.commit()
    out = tmp_path / "cancel.csv"
    answer = cli("giftcodes", "cancellations", "--programme", giftcode_tenant.programme.id, "--out", out)
    assert "取消依頼 1: 取消を依頼するコード 1 件" in answer.output, answer.output
    assert out.read_text(encoding="utf-8").splitlines()[1].startswith(f"{first.code},30000,")
    again = tmp_path / "again.csv"
    assert cli("giftcodes", "cancellations", "--programme", giftcode_tenant.programme.id, "--out", again,
               "--list", 1).exit_code == 0
    assert again.read_bytes() == out.read_bytes()
    nothing_new = cli("giftcodes", "cancellations", "--programme", giftcode_tenant.programme.id, "--out",
                      tmp_path / "third.csv")
    assert nothing_new.exit_code == 1 and "新たに取消を依頼するコードはありません" in nothing_new.output
    assert not (tmp_path / "third.csv").exists()
