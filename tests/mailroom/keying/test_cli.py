"""`secretariat mailroom keying …`: the queue's counts, and forms checked before keying existed."""

from sqlmodel import select

from mailroom.keying.models import KeyingTask


def test_the_status_command_counts_forms_per_state_with_the_agreement_rate(factory, cli, checked_form):
    checked_form(factory.tenant(households=1))
    answer = cli("mailroom", "keying", "status", "--json")
    assert answer.exit_code == 0, answer.output
    assert '"waiting_first": 1' in answer.output and '"agreement_rate": null' in answer.output


def test_enqueue_queues_complete_forms_with_a_new_account_that_have_no_task_yet(factory, cli, checked_form):
    receipt = checked_form(factory.tenant(households=1))
    with factory.session() as session:
        session.delete(session.exec(select(KeyingTask).where(KeyingTask.receipt_id == receipt.id)).one())
        session.commit()
    answer = cli("mailroom", "keying", "enqueue")
    assert answer.exit_code == 0, answer.output
    assert "入力待ちに追加: 1 件" in answer.output
    assert "入力待ちに追加: 0 件" in cli("mailroom", "keying", "enqueue").output
