"""Five stars for one attempt (1-5; a click on the current rating clears it), in a sheet row and
in the full panel, as one `st.feedback("stars")` widget (one element instead of six buttons). A
rating is a decision (`stage8.decisions.ratings.rate_attempt`), made against the version the
reviewer saw, through the same callback as the other decisions.

The keyboard layer's digits click the widget's n-th star (`role="radio"`, "n out of 5 stars"),
and 0 its checked one, which clears the rating."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from stage8.decisions.ratings import rate_attempt
from stage8.decisions.views import AttemptView
from stage8.desk import Desk
from stage8.reviewers.roles import Identity

# act(fn taking the expected version, ok message, intent): the row's or the panel's callback.
Act = Callable[[Callable[[int | None], object], str, str], None]
# Smaller stars than Streamlit's (a row lays them over the foot of its 160 px image).
CSS = """<style>
[class*="st-key-row_"][class*="_stars"] [role="radio"],
[class*="st-key-attempt_stars_"] [role="radio"] { padding: 0.1rem; min-height: 0; }
[class*="st-key-row_"][class*="_stars"] [role="radio"] img { width: 1rem; height: 1rem; }
</style>"""


def star_rating(
    desk: Desk,
    attempt: AttemptView,
    current: int | None,
    *,
    key: str,
    actor: Identity,
    may: bool,
    act: Act,
) -> None:
    """The stars of `attempt`, showing its rating `current` (None: not rated)."""
    # The stored rating, every run: another reviewer's rating shows, and a refused one goes back.
    st.session_state[key] = current - 1 if current else None

    def changed() -> None:
        value = st.session_state[key]  # 0-4, or None when the reviewer cleared it
        stars = None if value is None else int(value) + 1
        n = attempt.attempt_number
        ok = f"Attempt #{n} rated {stars} of 5." if stars else f"Rating of attempt #{n} cleared."
        act(
            lambda v: rate_attempt(desk, attempt.id, stars, actor=actor, expected_version=v),
            ok,
            f"rating of attempt #{n}",
        )

    st.feedback("stars", key=key, disabled=not may, on_change=changed)
