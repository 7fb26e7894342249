from sqlmodel import func, select

from exchange.drop.processing import process_dropped_file
from exchange.drop.login import Login
from exchange.giftcodes.models import GiftCode
from tests.exchange.giftcodes.conftest import codes, issuance_file


def login_of(tenant, tmp_path) -> Login:
    root = tmp_path / "drop" / tenant.municipality.code
    (root / "outbox").mkdir(parents=True)
    return Login(username="provider", account_id=1, municipality_id=tenant.municipality.id,
                 municipality_code=tenant.municipality.code, default_programme_id=tenant.programme.id, root=root,
                 address="127.0.0.1")


def test_an_issuance_file_in_the_drop_is_imported_and_reported(engine, factory, giftcode_tenant, tmp_path):
    path = issuance_file(tmp_path, codes("D", 2))
    report = process_dropped_file(engine, login_of(giftcode_tenant, tmp_path), path, "giftcode-issuance-0101.csv")
    assert "取込完了: ギフトコード 2 件" in report.read_bytes().decode("cp932")
    with factory.session() as session:
        assert session.exec(select(func.count()).select_from(GiftCode)).one() == 2


def test_a_wrong_issuance_file_in_the_drop_stores_nothing_and_names_the_row(engine, factory, giftcode_tenant,
                                                                            tmp_path):
    path = issuance_file(tmp_path, [["D1", "0", "2027-03-31"]])
    report = process_dropped_file(engine, login_of(giftcode_tenant, tmp_path), path, "ギフト発行.csv")
    lines = report.read_bytes().decode("cp932").splitlines()
    assert "取込せず" in lines[1] and lines[2].startswith("2,amount,0,bad_amount")
    with factory.session() as session:
        assert session.exec(select(func.count()).select_from(GiftCode)).one() == 0
