"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendation)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from secretariat.core.errors import InvalidInput

MIN_LENGTH = 10
_hasher = PasswordHasher()
# Verified against when the username is unknown, so a miss costs as long as a hit and
# response times do not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"password must be at least {MIN_LENGTH} characters")


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
