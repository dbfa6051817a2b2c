"""Whole-text scans for case-insensitive patterns that open with one of a few words ("year ended ...",
"all amounts are in ..."): the regex engine cannot skip ahead over text where such a pattern has no chance,
so it is tried only where one of its opening words starts in the lower-cased text."""
from __future__ import annotations

import re
from collections.abc import Iterator

# Letters that a case-insensitive pattern reads as i or s though str.lower() keeps them apart (dotless ı,
# long ſ; the dotted İ lower-cases to two characters, which the length test catches).
_UNLOWERED_FOLDS = ("ı", "ſ")


def finditer_from_words(pattern: re.Pattern, text: str, words: tuple[str, ...]) -> Iterator[re.Match]:
    """pattern.finditer(text), for a pattern every match of which starts with one of `words` (lower case),
    ignoring case: the pattern is matched only at the starts of those words, left to right, each match
    resuming after the one before, as finditer does."""
    lowered = text.lower()
    if len(lowered) != len(text) or any(c in text for c in _UNLOWERED_FOLDS):
        yield from pattern.finditer(text)  # offsets would not carry over, or a word could hide: try everywhere
        return
    starts: set[int] = set()
    for word in words:
        at = lowered.find(word)
        while at >= 0:
            starts.add(at)
            at = lowered.find(word, at + 1)
    end = 0
    for at in sorted(starts):
        if at < end:
            continue  # inside the previous match
        m = pattern.match(text, at)  # lookbehinds and \b still see the text before `at`
        if m is not None:
            yield m
            end = m.end()
