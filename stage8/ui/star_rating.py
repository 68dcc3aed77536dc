"""Five stars for one attempt (1-5, a click on the current rating clears it), in a sheet row
and in the full panel; a rating is a decision (`stage8.decisions.ratings.rate_attempt`), made
against the version the reviewer saw, through the same callback as the other decisions."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from stage8.decisions.ratings import STARS, rate_attempt
from stage8.decisions.views import AttemptView
from stage8.desk import Desk
from stage8.reviewers.roles import Identity

# act(fn taking the expected version, ok message, intent): the row's or the panel's callback.
Act = Callable[[Callable[[int | None], object], str, str], None]
CSS = """<style>
[class*="st-key-row_"][class*="_stars"] button, [class*="st-key-attempt_stars_"] button {
  min-height: 1.25rem; height: 1.25rem; padding: 0 0.1rem; font-size: 1.1rem; line-height: 1;
}
</style>"""


def star_buttons(
    desk: Desk,
    attempt: AttemptView,
    current: int | None,
    *,
    box_key: str,
    star_key: Callable[[int], str],
    actor: Identity,
    may: bool,
    act: Act,
) -> None:
    """★★★☆☆ for `attempt` (its rating `current`), and ✕ to clear it when it is rated."""

    def rate(stars: int | None) -> None:
        n = attempt.attempt_number
        ok = (
            f"Rating of attempt #{n} cleared."
            if stars is None
            else f"Attempt #{n} rated {stars} of 5."
        )
        act(
            lambda v: rate_attempt(desk, attempt.id, stars, actor=actor, expected_version=v),
            ok,
            f"rating of attempt #{n}",
        )

    with st.container(key=box_key, horizontal=True, gap=None, vertical_alignment="center"):
        for stars in STARS:
            again = current == stars
            st.button(
                "★" if current and stars <= current else "☆",
                key=star_key(stars),
                type="tertiary",
                help=(
                    f"Clear the rating of attempt #{attempt.attempt_number} (0)"
                    if again
                    else f"Rate attempt #{attempt.attempt_number} {stars} of 5 ({stars})"
                ),
                disabled=not may,
                on_click=rate,
                args=(None if again else stars,),
            )
        if current:
            st.button(
                "✕",
                key=star_key(0),
                type="tertiary",
                help=f"Clear the rating of attempt #{attempt.attempt_number} (0)",
                disabled=not may,
                on_click=rate,
                args=(None,),
            )
