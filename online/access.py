"""Who may open a household's online application: its link, the second factor, and a short session.

- The link (`/a/<token>`) carries 32 random bytes (`secrets.token_urlsafe`, 256 bits): unguessable,
  and printed only on the household's own notice (as a QR code). The store keeps its SHA-256 alone.
- Its short form, printed under the QR code to be typed (`/a/XXXX-XXXX-XXXX-XXXX`): 16 characters of
  Crockford's base32 (80 random bits), read without regard to case, hyphens or spaces, with I and L
  read as 1 and O as 0. It opens the same household, through the same second factor and throttle
  (counted under its canonical form, so typing it in other cases buys no more tries); the store
  keeps its SHA-256 alone.
- The second factor is something the resident knows and the notice does not print: the head of
  household's birth date (生年月日), or, per programme, a code from a separate letter (designed for:
  `OnlineToken.letter_code_sha256`, `OnlineSetting.second_factor`; not issued yet).
- Throttling: five wrong answers lock a link for fifteen minutes, and an address that gives twenty
  wrong answers across any links is locked as long. Each answer is counted before it is checked, in
  one statement that counts and reads, so answers sent all at once are held to the same five (a
  right answer then gives its count back). Answers are counted by the hash of the link presented,
  whether or not such a link exists, and an unknown link takes the same statements as a wrong
  answer: the answer and its time say nothing about which households exist.
- A right answer opens a session of thirty minutes bound to that one household (a random cookie,
  kept as its hash), which the application pages require along with the household's own link.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, select

from online.models import BIRTH_DATE, OnlineAttempt, OnlineSession, OnlineSetting, OnlineToken
from secretariat.core.audit.service import record_audit
from secretariat.core.auth.actor import Actor
from secretariat.core.auth.roles import Role
from secretariat.core.clock import as_utc, utcnow
from secretariat.core.db import is_sqlite
from secretariat.core.households.models import Household, Person

TOKEN_BYTES = 32
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # base32 without I, L, O, U
SHORT_LENGTH = 16  # 80 bits
_MISREAD = str.maketrans({"I": "1", "L": "1", "O": "0", "-": None, " ": None, "\u3000": None})
TOKEN_MAX_FAILURES = 5
ADDRESS_MAX_FAILURES = 20
LOCKOUT = timedelta(minutes=15)
SESSION_LIFE = timedelta(minutes=30)
NOBODY = -1  # the household id an unknown link is looked up with: the same query, no row


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_short_code() -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(SHORT_LENGTH))


def grouped(code: str) -> str:
    """ABCD-EFGH-JKMN-PQRS: how the short code is printed."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def short_code_of(token: str) -> str | None:
    """The canonical short code a typed link holds, or None when it is not one (a long token)."""
    code = token.upper().translate(_MISREAD)
    if len(code) == SHORT_LENGTH and all(ch in CROCKFORD for ch in code):
        return code
    return None


def canonical(token: str) -> str:
    """One spelling per link: a short code's canonical form, a long token as it is."""
    return short_code_of(token) or token


def resident_actor(address: str = "") -> Actor:
    """The resident acting on the web: a system actor to the flows (it reaches only the household its
    session is bound to, which the routes have checked), named so the timeline and audit say who."""
    return Actor(username="resident:web", role=Role.system, address=address or None)


def second_factor_of(session: Session, programme_id: int) -> str:
    setting = session.exec(select(OnlineSetting).where(OnlineSetting.programme_id == programme_id)).first()
    return setting.second_factor if setting else BIRTH_DATE


def token_row(session: Session, token: str) -> OnlineToken | None:
    """The link's row, from its long token or its short code."""
    code = short_code_of(token)
    looked_up = OnlineToken.short_sha256 == sha256(code) if code else OnlineToken.token_sha256 == sha256(token)
    return session.exec(select(OnlineToken).where(looked_up)).first()


# --- the second factor ---------------------------------------------------------------------------

class Answer:
    OK = "ok"
    WRONG = "wrong"  # also an unknown link: the resident cannot tell them apart
    LOCKED = "locked"


@dataclass(frozen=True)
class Verified:
    answer: str
    session_token: str = ""  # the cookie's value, when `answer` is OK


def verify_birth_date(*, session: Session, token: str, birth_date: date, address: str) -> Verified:
    """The resident's answer for the link `token`: OK with a new session, WRONG, or LOCKED.

    The answer is counted before it is checked, by one statement per count that both counts and
    reads (`_count_answer`): answers that arrive together each see their own number, so however
    many come at once no more than five birth dates are checked for a link."""
    now = utcnow()
    found = token_row(session, token)
    on_link = _count_answer(session, "t:" + sha256(canonical(token)), TOKEN_MAX_FAILURES, now)
    if on_link > TOKEN_MAX_FAILURES:
        return Verified(Answer.LOCKED)
    from_address = _count_answer(session, "a:" + sha256(address), ADDRESS_MAX_FAILURES, now)
    if from_address > ADDRESS_MAX_FAILURES:
        return Verified(Answer.LOCKED)
    head = session.exec(select(Person.birth_date).where(
        Person.household_id == (found.household_id if found else NOBODY), Person.is_head.is_(True))).first()
    expected = head.isoformat() if head else "----------"
    if hmac.compare_digest(expected, birth_date.isoformat()) and found is not None:
        _forgive(session, "t:" + sha256(canonical(token)), "a:" + sha256(address))
        made = open_session(session=session, token=found, address=address)
        return Verified(Answer.OK, made)
    locked = on_link >= TOKEN_MAX_FAILURES or from_address >= ADDRESS_MAX_FAILURES
    return Verified(Answer.LOCKED if locked else Answer.WRONG)


def _count_answer(session: Session, key: str, most: int, now: datetime) -> int:
    """Count one more answer under `key` and return its number in the window; more than `most`
    means the key is locked and the answer must not be checked.

    One INSERT … ON CONFLICT DO UPDATE … RETURNING (SQLite 3.35+, PostgreSQL), so no other answer
    can slip in between the read and the write. The `most`-th answer locks the key for LOCKOUT;
    answers during the lock are counted past `most` (refused) without moving its end; the first
    answer after the lock, or after LOCKOUT without one, starts a new window at one."""
    table = OnlineAttempt.__table__
    upsert = sqlite_insert if is_sqlite(session.get_bind()) else postgresql_insert
    statement = upsert(table).values(key=key, failures=1, window_started_at=now, locked_until=None)
    locked = table.c.locked_until.is_not(None) & (table.c.locked_until > now)
    fresh = (table.c.window_started_at < now - LOCKOUT) | table.c.locked_until.is_not(None)
    statement = statement.on_conflict_do_update(index_elements=[table.c.key], set_={
        "failures": case((locked, table.c.failures + 1), (fresh, 1), else_=table.c.failures + 1),
        "window_started_at": case((locked, table.c.window_started_at), (fresh, now),
                                  else_=table.c.window_started_at),
        "locked_until": case((locked, table.c.locked_until), (fresh, None),
                             (table.c.failures + 1 >= most, now + LOCKOUT), else_=None)})
    return session.exec(statement.returning(table.c.failures)).scalar_one()


def _forgive(session: Session, link_key: str, address_key: str) -> None:
    """After a right answer: the link's count starts again, and the address's loses this answer (a
    help desk's computer signs many residents in: only wrong answers may lock it)."""
    session.exec(update(OnlineAttempt).where(OnlineAttempt.key == link_key).values(failures=0, locked_until=None))
    session.exec(update(OnlineAttempt).where(OnlineAttempt.key == address_key)
                 .values(failures=OnlineAttempt.failures - 1, locked_until=None))


# --- the resident's session ----------------------------------------------------------------------

def open_session(*, session: Session, token: OnlineToken, address: str) -> str:
    cookie = secrets.token_urlsafe(32)
    session.add(OnlineSession(token_sha256=sha256(cookie), household_id=token.household_id,
                              municipality_id=token.municipality_id, expires_at=utcnow() + SESSION_LIFE))
    record_audit(session=session, actor=resident_actor(address), action="online_sign_in", entity="household",
                 entity_id=token.household_id, municipality_id=token.municipality_id)
    session.flush()
    return cookie


def household_for(*, session: Session, token: str, cookie: str | None) -> Household | None:
    """The household of the link `token`, when the browser's session is bound to that same household
    and still fresh; None otherwise (no session, an expired one, or another household's)."""
    if not cookie:
        return None
    found = token_row(session, token)
    opened = session.exec(select(OnlineSession).where(OnlineSession.token_sha256 == sha256(cookie))).first()
    if found is None or opened is None or opened.household_id != found.household_id:
        return None
    if as_utc(opened.expires_at) <= utcnow():
        return None
    return session.get(Household, found.household_id)
