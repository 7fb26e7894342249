"""A morning's logins at once: passwords are hashed a few at a time, not all together."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from secretariat.core.auth import passwords


class CountingHasher:
    """Stands in for argon2 to count the hashes running at the same moment."""

    def __init__(self):
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def _work(self):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.03)
        with self.lock:
            self.running -= 1

    def verify(self, stored, password):
        self._work()
        return True

    def hash(self, password):
        self._work()
        return "hashed"


def test_no_more_passwords_are_checked_at_once_than_the_machine_has_cores(monkeypatch):
    counting = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", counting)
    logins = 4 * passwords.HASHING_AT_ONCE + 4
    with ThreadPoolExecutor(logins) as pool:
        answers = list(pool.map(lambda _: passwords.verify_password("stored", "a-password-1"), range(logins)))
    assert answers == [True] * logins
    assert counting.most == passwords.HASHING_AT_ONCE


def test_new_passwords_are_hashed_under_the_same_limit(monkeypatch):
    counting = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", counting)
    with ThreadPoolExecutor(3 * passwords.HASHING_AT_ONCE) as pool:
        list(pool.map(lambda _: passwords.hash_password("a-password-1"), range(3 * passwords.HASHING_AT_ONCE)))
    assert counting.most == passwords.HASHING_AT_ONCE


def test_a_real_password_still_verifies_and_a_wrong_one_does_not():
    stored = passwords.hash_password("correct-horse-1")
    assert passwords.verify_password(stored, "correct-horse-1")
    assert not passwords.verify_password(stored, "wrong-horse-11")
    assert not passwords.verify_password(None, "correct-horse-1")
