"""The system clock, id generation and password hashing."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime

import argon2

from urbis.application import ports
from urbis.kernel import ids


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that says what it is told: for the demo's reproducible history and for tests."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class UlidGenerator:
    """
    Monotonic ULIDs: ids made in the same millisecond (or under a fixed clock) keep the order
    they were made in, so records sort in the order they were written.
    """

    def __init__(self, clock: ports.Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._last_at = datetime.min.replace(tzinfo=UTC)
        self._last_entropy = 0

    def new_id(self) -> str:
        with self._lock:
            at = self._clock.now()
            if at <= self._last_at and self._last_entropy < 2**80 - 1:
                at, entropy = self._last_at, self._last_entropy + 1
            else:
                entropy = secrets.randbits(79)
            self._last_at, self._last_entropy = at, entropy
        return ids.make_ulid(at=at, entropy=entropy)


class Argon2Hasher:
    def __init__(self) -> None:
        self._hasher = argon2.PasswordHasher()

    def hash(self, password: str) -> str:
        return str(self._hasher.hash(password))

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False
