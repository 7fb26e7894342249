"""The keying pages through the web: crops beside inputs, the lookup, refusals in Japanese, the verifier."""

from sqlmodel import select

from mailroom.keying.models import KeyingTask
from secretariat.core.audit.models import AuditEvent
from tests.mailroom.keying.test_flows import TYPED


def task_id(factory, receipt) -> int:
    with factory.session() as session:
        return session.exec(select(KeyingTask.id).where(KeyingTask.receipt_id == receipt.id)).one()


def test_the_next_form_opens_with_each_field_s_crop_beside_its_input_and_the_bank_code_focused(
        factory, client, login, checked_form):
    receipt = checked_form(factory.tenant(households=1))
    operator = factory.user("operator")
    login(operator)
    page = client.get("/mailroom/keying/next")
    assert page.status_code == 200 and f"/mailroom/keying/tasks/{task_id(factory, receipt)}" in str(page.url)
    assert page.text.count('class="crop"') == 7  # six fields, the account type with both options
    assert 'id="bank_code" name="bank_code" inputmode="numeric" maxlength="4"' in page.text
    assert "autofocus" in page.text.split('id="bank_code"')[1].split(">")[0]
    with factory.session() as session:
        read = session.exec(select(AuditEvent).where(AuditEvent.entity == "keying_task",
                                                     AuditEvent.action == "read")).one()
    assert read.username == operator.username


def test_the_lookup_names_the_bank_and_branch_for_their_codes_and_finds_codes_from_a_name(factory, client, login):
    login(factory.user("operator"))
    assert client.get("/mailroom/keying/banks", params={"bank": "0001", "branch": "001"}).json() | {} == {
        "bank": "みずほ", "branch": "東京営業部", "banks": [], "branches": []}
    found = client.get("/mailroom/keying/banks", params={"bank": "みずほ"}).json()["banks"]
    assert {"code": "0001", "name": "みずほ", "kana": "ミズホ"} in found


def test_a_refused_entry_is_shown_again_with_the_japanese_reason_and_what_was_typed(
        factory, client, login, checked_form):
    receipt = checked_form(factory.tenant(households=1))
    token = login(factory.user("operator"))
    answer = client.post(f"/mailroom/keying/tasks/{task_id(factory, receipt)}/entries",
                         data=TYPED | {"account_holder_kana": "ヤマダ 太郎", "csrf_token": token})
    assert answer.status_code == 422
    assert "振込に使えない文字があります: 太郎" in answer.text
    assert 'value="1234567"' in answer.text


def test_a_verifier_sees_both_entries_with_the_difference_marked_and_picks_one(factory, client, login, checked_form):
    from mailroom.keying import flows

    receipt = checked_form(factory.tenant(households=1))
    with factory.session() as session:
        for actor, number in ((factory.actor("operator"), "1234567"), (factory.actor("operator"), "1234561")):
            flows.submit_entry(session=session, actor=actor, task=session.get(KeyingTask, task_id(factory, receipt)),
                               raw=TYPED | {"account_number": number})
        session.commit()
    token = login(factory.user("supervisor"))
    page = client.get(f"/mailroom/keying/tasks/{task_id(factory, receipt)}/verify")
    assert '<tr data-field="account_number" class="differs">' in page.text
    assert "1234561" in page.text and "1234567" in page.text
    client.post(f"/mailroom/keying/tasks/{task_id(factory, receipt)}/verify",
                data={"choice": "second", "csrf_token": token})
    with factory.session() as session:
        task = session.get(KeyingTask, task_id(factory, receipt))
    assert (task.status, task.account_number) == ("verified", "1234561")


def test_an_operator_may_not_open_the_verifier_s_page(factory, client, login, checked_form):
    receipt = checked_form(factory.tenant(households=1))
    login(factory.user("operator"))
    assert client.get(f"/mailroom/keying/tasks/{task_id(factory, receipt)}/verify").status_code == 403


def test_the_household_page_shows_the_keyed_account_beside_the_account_on_file(factory, client, login, checked_form):
    from mailroom.keying import flows
    from secretariat.core.households.models import Household

    tenant = factory.tenant(households=1)
    with factory.session() as session:
        household = session.get(Household, tenant.households[0].id)
        household.bank_code, household.branch_code, household.account_type = "0005", "001", "ordinary"
        household.account_number, household.account_holder_kana = "7777777", "ｿｳｼﾞﾔ ﾀﾛｳ"
        session.add(household)
        session.commit()
    receipt = checked_form(tenant)
    with factory.session() as session:
        for actor in (factory.actor("operator"), factory.actor("operator")):
            flows.submit_entry(session=session, actor=actor, task=session.get(KeyingTask, task_id(factory, receipt)),
                               raw=TYPED)
        session.commit()
    login(factory.user("supervisor"))
    page = client.get(f"/households/{receipt.household_id}").text
    section = page.split('data-testid="keying"')[1].split("</dl>")[0]
    assert "0001 みずほ / 001 東京営業部 普通 1234567 ﾔﾏﾀﾞ ﾀﾛｳ" in section
    assert "0005 三菱ＵＦＪ / 001" in section and "7777777" in section
    assert "登録口座は変更せず両方を保持" in section
    assert "口座</dt><dd>0005-001 普通 7777777" in page  # the account on file, as it was
