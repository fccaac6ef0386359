"""The system clock, id generation and password hashing."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime

import argon2
import numpy as np

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

    def new_ids(self, count: int) -> list[str]:
        """
        ``count`` new ids at once, the same as ``count`` calls of ``new_id`` would give under
        one clock reading (consecutive entropy), encoded with numpy: a bill run makes millions.
        """
        if count <= 0:
            return []
        with self._lock:
            at = self._clock.now()
            if at <= self._last_at and self._last_entropy < 2**80 - 1 - count:
                at, first = self._last_at, self._last_entropy + 1
            else:
                first = secrets.randbits(79)
            self._last_at, self._last_entropy = at, first + count - 1
        return _encode_many(ids.make_ulid(at=at, entropy=0)[:10], first, count)


_CROCKFORD = np.frombuffer(b"0123456789ABCDEFGHJKMNPQRSTVWXYZ", dtype=np.uint8)
_LOW_BITS = 40


def _encode_many(prefix: str, first: int, count: int) -> list[str]:
    """ULIDs ``prefix`` + entropy ``first`` .. ``first + count - 1`` (16 base-32 digits each)."""
    mask = (1 << _LOW_BITS) - 1
    low = np.arange(count, dtype=np.uint64) + np.uint64(first & mask)
    high = np.full(count, first >> _LOW_BITS, dtype=np.uint64) + (low >> np.uint64(_LOW_BITS))
    low &= np.uint64(mask)
    chars = np.empty((count, 26), dtype=np.uint8)
    chars[:, :10] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    for half, value in ((0, high), (8, low)):
        for digit in range(8):
            shift = np.uint64(5 * (7 - digit))
            chars[:, 10 + half + digit] = _CROCKFORD[(value >> shift) & np.uint64(31)]
    return chars.view("S26").ravel().astype("U26").tolist()


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
