"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendation)."""

import os
import threading
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from secretariat.core.errors import InvalidInput

MIN_LENGTH = 10
_hasher = PasswordHasher()
# Each hash takes 64 MiB and about 0.2 s of CPU over its lanes. Forty request threads hashing at
# once (a morning's logins) took 2.5 GiB and, sharing the cores, all finished together at the end
# of the storm, then started work together. Hashed a few at a time, logins finish one after another
# from the first fraction of a second, and the staff already at work keep their cores.
HASHING_AT_ONCE = os.cpu_count() or 1
_hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)


@cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so a miss costs as long as a hit and
    response times do not reveal which usernames exist. Hashed on first use, not at import:
    hashing costs as much as a login, and every CLI command would pay it."""
    with _hashing:
        return _hasher.hash("not-a-real-password")


def warm_up() -> None:
    """Hash the dummy now: a server calls this at start so that even its first miss takes as long as a hit."""
    _dummy_hash()


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"パスワードは{MIN_LENGTH}文字以上にしてください")


def hash_password(password: str) -> str:
    check_strength(password)
    with _hashing:
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    stored = password_hash or _dummy_hash()
    try:
        with _hashing:
            return _hasher.verify(stored, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
