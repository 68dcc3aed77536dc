"""The prompt word diff of the compare view."""

from stage8.reads.compare import WordChange, word_diff


def test_same_prompt_is_one_kept_run():
    assert word_diff("a red coat", "a  red\ncoat") == [WordChange("same", "a red coat")]


def test_replaced_words_show_as_removed_then_added_in_place():
    assert word_diff("Mara in a red coat at dusk", "Mara in a blue coat at dawn") == [
        WordChange("same", "Mara in a"),
        WordChange("removed", "red"),
        WordChange("added", "blue"),
        WordChange("same", "coat at"),
        WordChange("removed", "dusk"),
        WordChange("added", "dawn"),
    ]


def test_missing_prompts_are_empty_text():
    assert word_diff(None, "new words") == [WordChange("added", "new words")]
    assert word_diff("old words", None) == [WordChange("removed", "old words")]
    assert word_diff(None, None) == []
