"""The system clock, id generation and password hashing."""

from __future__ import annotations

import secrets
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
    def __init__(self, clock: ports.Clock) -> None:
        self._clock = clock

    def new_id(self) -> str:
        return ids.make_ulid(at=self._clock.now(), entropy=secrets.randbits(80))


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
