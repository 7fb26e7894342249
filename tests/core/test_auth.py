from datetime import timedelta

import pytest
from sqlmodel import select

from secretariat.core.auth import service as auth_service
from secretariat.core.auth.models import LoginAttempt, LoginSession, User
from secretariat.core.auth.passwords import verify_password
from secretariat.core.auth.service import authenticate, create_user, end_session, issue_api_token, start_session, \
    user_for_api_token, user_for_session
from secretariat.core.clock import utcnow
from secretariat.core.errors import Conflict, InvalidInput, PermissionDenied, TooManyAttempts
from tests.factories import PASSWORD, SYSTEM


def login(session, username, password=PASSWORD, address="10.0.0.1"):
    try:
        return authenticate(session=session, username=username, password=password, address=address,
                            max_failures=5, lockout_minutes=15)
    finally:
        session.commit()


def test_passwords_are_stored_as_argon2id_hashes(factory, session):
    user = factory.user("operator")
    stored = session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_the_right_password_logs_in(factory, session):
    user = factory.user("agent")
    assert login(session, user.username).id == user.id


def test_a_wrong_password_is_refused_and_changes_nothing_but_the_attempt_log(factory, session):
    user = factory.user("agent")
    with pytest.raises(PermissionDenied, match="ユーザー名またはパスワードが違います"):
        login(session, user.username, "not-the-password")
    assert session.exec(select(LoginSession)).all() == []


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(session):
    with pytest.raises(PermissionDenied, match="ユーザー名またはパスワードが違います"):
        login(session, "nobody")


def test_five_failures_lock_the_account_even_against_the_right_password(factory, session):
    user = factory.user("agent")
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            login(session, user.username, "guess-guess-guess")
    with pytest.raises(TooManyAttempts, match="15分後にもう一度お試しください"):
        login(session, user.username)


def test_failures_from_one_address_across_many_accounts_lock_that_address(session):
    for number in range(20):
        with pytest.raises(PermissionDenied):
            login(session, f"user{number}", "guess-guess-guess", address="10.9.9.9")
    with pytest.raises(TooManyAttempts):
        login(session, "someone-else", address="10.9.9.9")


def test_a_success_resets_the_failure_count(factory, session):
    user = factory.user("agent")
    for _ in range(4):
        with pytest.raises(PermissionDenied):
            login(session, user.username, "guess-guess-guess")
    login(session, user.username)
    for _ in range(4):
        with pytest.raises(PermissionDenied):
            login(session, user.username, "guess-guess-guess")
    assert login(session, user.username).id == user.id


def test_an_attempt_counts_against_the_limit_while_its_password_is_being_checked(factory, session, monkeypatch):
    user, seen_meanwhile = factory.user("agent"), []

    def check_while_another_attempt_arrives(password_hash, password):
        with factory.session() as other:
            try:
                authenticate(session=other, username=user.username, password=PASSWORD, address="10.0.0.2",
                             max_failures=1, lockout_minutes=15)
            except TooManyAttempts as refused:
                seen_meanwhile.append(refused)
        return verify_password(password_hash, password)

    monkeypatch.setattr(auth_service, "verify_password", check_while_another_attempt_arrives)
    with pytest.raises(PermissionDenied):
        authenticate(session=session, username=user.username, password="guess-guess-guess", address="10.0.0.1",
                     max_failures=1, lockout_minutes=15)
    assert len(seen_meanwhile) == 1


def test_no_password_is_checked_during_a_lockout(factory, session, monkeypatch):
    user = factory.user("agent")
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            login(session, user.username, "guess-guess-guess")
    checked = []
    monkeypatch.setattr(auth_service, "verify_password", lambda *arguments: checked.append(arguments) or True)
    with pytest.raises(TooManyAttempts):
        login(session, user.username)
    assert checked == []


def test_failures_are_forgotten_once_the_lockout_time_passes_without_one(factory, session, monkeypatch):
    user = factory.user("agent")
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            login(session, user.username, "guess-guess-guess")
    later = utcnow() + timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(auth_service, "utcnow", lambda: later)
    assert login(session, user.username).id == user.id


def test_failures_closer_together_than_the_lockout_time_add_up(factory, session, monkeypatch):
    user, moment = factory.user("agent"), [utcnow()]
    monkeypatch.setattr(auth_service, "utcnow", lambda: moment[0])
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            login(session, user.username, "guess-guess-guess")
        moment[0] += timedelta(minutes=14)
    with pytest.raises(TooManyAttempts):
        login(session, user.username)


def test_every_attempt_is_kept_for_the_security_review(factory, session):
    user = factory.user("agent")
    for password in ("guess-guess-guess", PASSWORD):
        try:
            login(session, user.username, password, address="10.0.0.9")
        except PermissionDenied:
            pass
    attempts = session.exec(select(LoginAttempt).order_by(LoginAttempt.id)).all()
    assert [(a.username, a.address, a.succeeded) for a in attempts] == [(user.username, "10.0.0.9", False),
                                                                         (user.username, "10.0.0.9", True)]


@pytest.mark.parametrize("arguments, problem", [
    (dict(role="liaison"), "自治体担当者には担当する自治体を一つ指定してください"),
    (dict(role="janitor"), "役割「janitor」はありません"),
    (dict(role="agent", password="short"), "10文字以上"),
    (dict(role="agent", username="Bad Name!"), "ユーザー名"),
])
def test_bad_user_details_are_refused(session, arguments, problem):
    arguments = dict(username="someone", password=PASSWORD) | arguments
    with pytest.raises(InvalidInput, match=problem):
        create_user(session=session, actor=SYSTEM, **arguments)


def test_only_a_liaison_is_bound_to_a_municipality(factory, session):
    municipality = factory.tenant(households=0).municipality
    with pytest.raises(InvalidInput, match="自治体を指定できるのは自治体担当者だけです"):
        create_user(session=session, actor=SYSTEM, username="op", password=PASSWORD, role="operator",
                    municipality=municipality)


def test_usernames_are_unique(factory, session):
    factory.user("agent", username="hanako")
    with pytest.raises(Conflict):
        create_user(session=session, actor=SYSTEM, username="Hanako", password=PASSWORD, role="agent")


def test_a_session_token_resolves_until_it_ends(factory, session):
    user = factory.user("agent")
    token = start_session(session=session, user=user, address="10.0.0.1", hours=1)
    session.commit()
    assert user_for_session(session=session, token=token).id == user.id
    assert session.exec(select(LoginSession.token_hash)).one() != token
    end_session(session=session, token=token)
    assert user_for_session(session=session, token=token) is None


def test_an_expired_session_is_refused(factory, session):
    user = factory.user("agent")
    token = start_session(session=session, user=user, address="10.0.0.1", hours=1)
    stored = session.exec(select(LoginSession)).one()
    stored.expires_at = stored.expires_at - timedelta(hours=2)
    session.commit()
    assert user_for_session(session=session, token=token) is None


def test_an_api_token_identifies_its_user_and_only_its_hash_is_kept(factory, session):
    user = factory.user("supervisor")
    token = issue_api_token(session=session, actor=SYSTEM, user=user, name="nightly export")
    session.commit()
    assert user_for_api_token(session=session, token=token).id == user.id
    assert user_for_api_token(session=session, token=token + "x") is None


def test_no_connection_is_held_while_a_password_is_checked(factory, session, monkeypatch):
    """Argon2 takes tens of milliseconds on purpose: forty logins at once must not hold forty
    connections meanwhile (a web process's pool would run dry and answer 500)."""
    user, holding = factory.user("agent"), []

    def check_and_look(password_hash, password):
        holding.append(session.in_transaction())  # a session out of its transaction has handed back its connection
        return verify_password(password_hash, password)

    monkeypatch.setattr(auth_service, "verify_password", check_and_look)
    assert login(session, user.username).id == user.id
    assert holding == [False]
