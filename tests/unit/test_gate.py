"""The password gate's pure rules: byte-exact comparison and the guess throttle (fake clock)."""

from __future__ import annotations

from stage8.reviewers.gate import Gate, Throttle, password_matches


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_non_ascii_passwords_compare_as_utf8_without_raising() -> None:
    assert password_matches("pässwörd", "pässwörd")
    assert not password_matches("passwörd", "pässwörd")
    assert not password_matches("pässwörd", "password")
    # The same letters typed decomposed (a + combining diaeresis) still match.
    assert password_matches("pa\u0308sswo\u0308rd", "pässwörd")


def test_five_failures_are_free_then_waits_double_up_to_a_minute() -> None:
    clock = Clock()
    gate = Gate(clock=clock)
    session = Throttle()
    waits = []
    for _ in range(12):
        verdict = gate.try_password("wrong", "right", session)
        assert not verdict.ok and verdict.checked
        waits.append(verdict.wait_seconds)
        clock.now += verdict.wait_seconds  # wait exactly as told, then guess again
    assert waits == [0, 0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60]


def test_a_guess_during_the_wait_is_refused_unread_even_when_right() -> None:
    clock = Clock()
    gate = Gate(clock=clock)
    session = Throttle()
    for _ in range(5):
        gate.try_password("wrong", "right", session)
    clock.now += 1
    verdict = gate.try_password("right", "right", session)
    assert (verdict.ok, verdict.checked, verdict.wait_seconds) == (False, False, 1)
    assert gate.wait_seconds(session) == 1
    clock.now += 1
    assert gate.wait_seconds(session) == 0
    assert gate.try_password("right", "right", session).ok


def test_the_process_throttle_holds_across_new_sessions() -> None:
    clock = Clock()
    gate = Gate(clock=clock)
    for _ in range(5):  # five tabs, one guess each: every session looks fresh
        gate.try_password("wrong", "right", Throttle())
    fresh = Throttle()
    assert gate.wait_seconds(fresh) == 2
    assert not gate.try_password("right", "right", fresh).checked


def test_signing_in_clears_the_sessions_count_and_quiet_time_forgets_failures() -> None:
    clock = Clock()
    gate = Gate(clock=clock, forget_after=600)
    session = Throttle()
    for _ in range(4):
        gate.try_password("wrong", "right", session)
    assert gate.try_password("right", "right", session).ok
    assert session.failures == 0
    clock.now += 601
    assert gate.try_password("wrong", "right", Throttle()).wait_seconds == 0
    assert gate.process.failures == 1  # the four earlier failures were forgotten
