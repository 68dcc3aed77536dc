"""The shared-password gate, without Streamlit: compare, and slow down guessing.

A wrong guess counts against the browser session and against the whole server process (so opening
new tabs does not reset it). After `free_failures` wrong guesses in a row, each further guess must
wait 2, 4, 8, ... seconds, at most `max_wait` seconds; failures are forgotten after `forget_after`
quiet seconds, and a session's own count ends when it signs in. The clock is injectable.
"""

from __future__ import annotations

import hmac
import math
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

FREE_FAILURES = 5
MAX_WAIT_SECONDS = 60.0
FORGET_AFTER_SECONDS = 15 * 60.0


def password_matches(typed: str, password: str) -> bool:
    """Constant-time comparison of the UTF-8 bytes (NFC-normalised, so `pässwörd` typed on any
    keyboard matches); never raises for non-ASCII text."""

    def encode(text: str) -> bytes:
        return unicodedata.normalize("NFC", text).encode("utf-8")

    return hmac.compare_digest(encode(typed), encode(password))


@dataclass
class Throttle:
    """Consecutive failures of one party (a session, or the whole process) and its lock time."""

    failures: int = 0
    locked_until: float = 0.0
    last_failure: float = -math.inf

    def wait(self, now: float) -> float:
        return max(0.0, self.locked_until - now)

    def fail(self, now: float, *, free: int, max_wait: float, forget_after: float) -> None:
        if now - self.last_failure > forget_after:
            self.failures = 0
        self.failures += 1
        self.last_failure = now
        if self.failures >= free:
            delay = min(2.0 ** (self.failures - free + 1), max_wait)
            self.locked_until = max(self.locked_until, now + delay)

    def reset(self) -> None:
        self.failures, self.locked_until, self.last_failure = 0, 0.0, -math.inf


@dataclass(frozen=True)
class Verdict:
    """The answer to one sign-in try: `ok`, or how many whole seconds to wait (0: just wrong)."""

    ok: bool
    wait_seconds: int = 0
    checked: bool = True  # False when the guess was refused unread because of a wait


@dataclass
class Gate:
    """One per server process: holds the process-wide throttle and the clock."""

    clock: Callable[[], float] = time.monotonic
    free_failures: int = FREE_FAILURES
    max_wait: float = MAX_WAIT_SECONDS
    forget_after: float = FORGET_AFTER_SECONDS
    process: Throttle = field(default_factory=Throttle)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def wait_seconds(self, session: Throttle) -> int:
        """Whole seconds before this session may try again (0: now)."""
        now = self.clock()
        with self._lock:
            return math.ceil(max(session.wait(now), self.process.wait(now)))

    def try_password(self, typed: str, password: str, session: Throttle) -> Verdict:
        """Check one guess. While a wait is running the guess is not even compared."""
        now = self.clock()
        with self._lock:
            wait = max(session.wait(now), self.process.wait(now))
            if wait > 0:
                return Verdict(False, math.ceil(wait), checked=False)
            if password_matches(typed, password):
                session.reset()
                return Verdict(True)
            for throttle in (session, self.process):
                throttle.fail(
                    now,
                    free=self.free_failures,
                    max_wait=self.max_wait,
                    forget_after=self.forget_after,
                )
            wait = max(session.wait(now), self.process.wait(now))
            return Verdict(False, math.ceil(wait))
