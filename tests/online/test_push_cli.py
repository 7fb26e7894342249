"""`secretariat online push-dates / push-notices / push-approve`: the same flows from the command line."""

from datetime import timedelta

from secretariat.core.clock import today_jst

from .test_push import LANDLINE, MOBILE, application_of, make_push_programme


def test_the_commands_set_the_dates_text_the_notices_and_refuse_approval_before_the_decline_by_date(
        cli, factory, tmp_path):
    made = make_push_programme(factory, tmp_path, 2, (MOBILE, LANDLINE))
    programme = made.tenant.programme.id
    decline_by, pay_by = today_jst() + timedelta(days=3), today_jst() + timedelta(days=9)
    assert cli("online", "push-dates", "--programme", programme, "--decline-by", decline_by.isoformat(),
               "--pay-by", pay_by.isoformat()).exit_code == 0
    sent = cli("online", "push-notices", "--programme", programme)
    assert sent.exit_code == 0 and "1 世帯" in sent.output and made.household(1).household_number in sent.output
    refused = cli("online", "push-approve", "--programme", programme)
    assert refused.exit_code == 1 and "まだ来ていません" in refused.output


def test_the_approve_command_approves_the_undecided_after_the_decline_by_date_and_is_safe_to_repeat(
        cli, factory, tmp_path):
    made = make_push_programme(factory, tmp_path, 2, (MOBILE,))
    programme = made.tenant.programme.id
    cli("online", "push-notices", "--programme", programme)
    cli("online", "push-dates", "--programme", programme, "--decline-by", (today_jst() - timedelta(days=1)).isoformat(),
        "--pay-by", (today_jst() + timedelta(days=5)).isoformat())
    first = cli("online", "push-approve", "--programme", programme)
    again = cli("online", "push-approve", "--programme", programme)
    assert "2 件" in first.output and "0 件" in again.output
    assert application_of(factory, made.household(0)).status == "approved"
