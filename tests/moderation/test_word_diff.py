"""The review page's diff marks the words that changed in a field, not the whole of its old and new
values: the old text with its deleted words in <del>, the new with its inserted words in <ins>, each
mark saying what it means to screen readers, every piece of text escaped (a depositor's text is
shown to the moderator)."""

import re
from html import unescape

from django.utils import translation

from moderation.review import WORD_DIFF_MAX_TOKENS, Change, word_diff

HIDDEN = re.compile(r'<span class="visually-hidden">[^<]*</span>')


def marks(html: str, tag: str) -> list[str]:
    return [HIDDEN.sub("", m) for m in re.findall(rf"<{tag}>(.*?)</{tag}>", html)]


def text_of(html: str) -> str:
    """What a sighted reader sees: the text without the marks, unescaped."""
    return unescape(re.sub(r"</?(del|ins)>", "", HIDDEN.sub("", html)))


def test_only_the_words_that_changed_are_marked_and_the_spacing_is_kept():
    before = "CTD casts on the shelf of the Bay of Biscay,\nduring PELGAS 2024."
    after = "CTD casts on the slope of the Bay of Biscay,\nduring PELGAS 2024 and 2025."
    old, new = word_diff(before, after)
    assert marks(old, "del") == ["shelf"]
    assert marks(new, "ins") == ["slope", " and 2025"]
    assert "<ins>" not in old and "<del>" not in new
    assert text_of(old) == before and text_of(new) == after  # whitespace as typed


def test_hostile_html_in_either_text_is_escaped_marked_or_not():
    before = 'Salinity <script>alert("old")</script> & <b onmouseover="x()">temperature</b>'
    after = 'Salinity <script>alert("new")</script> & <img src=x onerror=alert(1)> temperature'
    old, new = word_diff(before, after)
    for html in (old, new):
        assert "<script" not in html and "<b " not in html and "<img" not in html
        assert set(re.findall(r"</?([a-z]+)", html)) <= {"del", "ins", "span"}
    assert text_of(old) == before and text_of(new) == after  # shown as typed, as text
    assert [m for m in marks(old, "del") if "old" in m] and [m for m in marks(new, "ins") if "new" in m]
    assert not [m for m in marks(old, "del") + marks(new, "ins") if "Salinity" in m]  # unchanged: unmarked


def test_the_marks_say_deleted_and_inserted_in_the_readers_language():
    with translation.override("fr"):
        old, new = word_diff("Box west -6", "Box west -5.5")
    assert old == 'Box west <del><span class="visually-hidden">supprimé\u00a0: </span>-6</del>'
    assert new == 'Box west <ins><span class="visually-hidden">ajouté\u00a0: </span>-5.5</ins>'


def test_a_value_added_or_removed_is_marked_whole_and_a_huge_text_is_not_compared_word_by_word():
    added = Change("title", "Title", "", "Glider section")
    assert added.kind == "added" and added.before_html == ""
    assert marks(added.after_html, "ins") == ["Glider section"]
    huge_before = "word " * WORD_DIFF_MAX_TOKENS
    old, new = word_diff(huge_before, huge_before + "more")
    assert marks(old, "del") == [huge_before] and marks(new, "ins") == [huge_before + "more"]
