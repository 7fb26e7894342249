from sqlmodel import select

from exchange.giftcodes.models import GiftCode, GiftCodeBatch
from tests.conftest import csrf_from
from tests.exchange.giftcodes.conftest import codes, issuance_file


def upload(client, programme_id, what, path):
    page = client.get(f"/programmes/{programme_id}/giftcodes")
    with path.open("rb") as handle:
        return client.post(f"/programmes/{programme_id}/giftcodes/{what}", data={"csrf_token": csrf_from(page.text)},
                           files={"file": (path.name, handle, "text/csv")})


def post(client, programme_id, what, **data):
    page = client.get(f"/programmes/{programme_id}/giftcodes")
    return client.post(f"/programmes/{programme_id}/giftcodes/{what}",
                       data={"csrf_token": csrf_from(page.text), **data})


def test_a_wrong_issuance_file_is_shown_with_its_line_and_column(client, login, factory, giftcode_tenant, tmp_path):
    login(factory.user("supervisor"))
    answer = upload(client, giftcode_tenant.programme.id, "issuance",
                    issuance_file(tmp_path, [["A1", "三万", "2027-03-31"]]))
    assert answer.status_code == 422
    assert "取込せず" in answer.text and "金額は正の整数" in answer.text
    assert "<td>2</td><td><code>amount</code></td>" in answer.text


def test_too_few_codes_is_said_on_the_page(client, login, factory, giftcode_tenant, tmp_path):
    login(factory.user("supervisor"))
    upload(client, giftcode_tenant.programme.id, "issuance", issuance_file(tmp_path, codes("A", 1)))
    answer = post(client, giftcode_tenant.programme.id, "batches")
    assert answer.status_code == 422 and "30,000 円のコードが 2 件不足" in answer.text


def test_staff_prepare_another_approves_and_freezes_on_the_page(client, login, factory, giftcode_tenant, tmp_path):
    programme = giftcode_tenant.programme.id
    login(factory.user("supervisor"))
    assert "取込完了: ギフトコード 3 件" in upload(client, programme, "issuance", issuance_file(tmp_path, codes("A", 3))).text
    post(client, programme, "batches")
    with factory.session() as session:
        batch = session.exec(select(GiftCodeBatch)).one()
    refused = post(client, programme, "approve", batch_id=batch.id)
    assert refused.status_code == 422 and "別の担当者" in refused.text
    login(factory.user("supervisor"))
    post(client, programme, "approve", batch_id=batch.id)
    frozen = post(client, programme, "freeze", batch_id=batch.id)
    assert "確定済み" in frozen.text
    with factory.session() as session:
        assert {c.state for c in session.exec(select(GiftCode))} == {"assigned"}


def test_a_file_that_is_not_a_csv_is_named_as_a_problem_of_the_whole_file_not_of_line_0(client, login, factory,
                                                                                         giftcode_tenant, tmp_path):
    login(factory.user("supervisor"))
    picture = tmp_path / "redeemed.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    answer = upload(client, giftcode_tenant.programme.id, "redemptions", picture)
    assert answer.status_code == 422
    assert "<tr><td>ファイル全体</td>" in answer.text and "<tr><td>0</td>" not in answer.text
