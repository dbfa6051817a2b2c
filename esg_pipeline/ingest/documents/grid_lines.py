"""Words to lines, and what a word in a table is: a figure, an empty cell, a label footnote marker.
The geometric thresholds the table finder shares live here, each with why it has its value."""
from __future__ import annotations

import re
from dataclasses import dataclass

from esg_pipeline.ingest.documents.model import Word

# A printed value cell: numbers with separators, signs, brackets, %, a '<'/'>' bound, and a glued
# footnote marker ('23,6003)', '7,9¹⁾'). Dashes and n/a mark an empty cell.
NUMBER_RE = re.compile(r"^[<>≤≥~≈]?[(\-–−+]?\$?\d[\d,.\s]*%?\)?(?:\d\)|[¹²³⁴⁵⁶⁷⁸⁹⁰]+⁾?|\*+|[a-z]{1,2})?$")


EMPTY_CELL_RE = re.compile(r"^(?:[-–—−]+|n/?a|n\.a\.|nil|—)$", re.I)


# Letter footnote markers that label ends carry: 'n', 'p q', 'aa', 'bbb' (a letter alone or doubled).
LETTER_MARKER_RE = re.compile(r"^([a-z])\1{0,2}$")


BRACKET_MARKER_RE = re.compile(r"\s*\[[A-Z0-9]{1,2}\]|\s*[¹²³⁴⁵⁶⁷⁸⁹⁰]+⁾?|\*+$")


GLUED_DIGIT_MARKER_RE = re.compile(r"(?<=[a-z])\d\)(?=\s|$)")  # 'emissions1)': footnote 1, unless '(m3)'


# Two words on one line: their vertical centres lie within this share of the smaller height.
SAME_LINE_OVERLAP = 0.5


# A header needs this many periods: one year alone is a date, two are columns.
MIN_PERIODS = 2


# Between label words: gaps up to this many line heights; a wider gap separates the label from
# other text (a prose column beside the table).
LABEL_GAP_HEIGHTS = 2.5


# Within a cell words are a space apart; a gap this many line heights wide separates two cells.
PHRASE_GAP_HEIGHTS = 1.2


# A unit cell alone on its line (a wrapped unit) starts at most this far left of its 'Unit' header.
UNIT_REACH_HEIGHTS = 4.0


# The first and last value bands reach this many header widths beyond their header: values are
# right-aligned or centred under it, and a label's own number ('Scope 1') must stay in the label.
OUTER_BAND_WIDTHS = 2.5


# A line under a table with this many lower-case words and a closing full stop is a sentence.
SENTENCE_LOWER_WORDS = 4


# Sub-column headers under spanning years sit on the next line, this close (in line heights).
SUBHEADER_GAP_HEIGHTS = 1.0


# A table ends after an empty stretch this many line heights tall.
TABLE_GAP_HEIGHTS = 3.2


# Wrapped label lines join a row only when this close (in line heights) vertically.
WRAP_GAP_HEIGHTS = 0.9


# Prose across the value columns: this many alphabetic words inside the bands ends the table.
PROSE_WORDS_IN_BANDS = 3


@dataclass
class _Line:
    ids: list[int]
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


PAIR_CELL_RE = re.compile(r"^\d[\d,.]*%?\s*[/／]\s*\d[\d,.]*%?$")  # '69／8.8': a count and its share


def is_number(text: str) -> bool:
    return (bool(NUMBER_RE.match(text)) or bool(PAIR_CELL_RE.match(text))) and any(ch.isdigit() for ch in text)


def is_empty_cell(text: str) -> bool:
    return bool(EMPTY_CELL_RE.match(text))


def group_lines(words: list[Word]) -> list[_Line]:
    """Words into visual lines: a word joins the line whose vertical centre it shares."""
    order = sorted(range(len(words)), key=lambda i: (words[i].yc, words[i].x0))
    lines: list[_Line] = []
    for i in order:
        w = words[i]
        line = lines[-1] if lines else None
        if line is not None and abs(w.yc - (line.top + line.bottom) / 2) <= SAME_LINE_OVERLAP * min(
                max(w.height, 1.0), max(line.height, 1.0)):
            line.ids.append(i)
            line.top, line.bottom = min(line.top, w.top), max(line.bottom, w.bottom)
        else:
            lines.append(_Line([i], w.top, w.bottom))
    for line in lines:
        line.ids.sort(key=lambda i: words[i].x0)
    return lines


def _text(words, ids: list[int]) -> str:
    return " ".join(words[i].text for i in ids)


def clean_label(label: str) -> tuple[str, tuple[str, ...]]:
    """Footnote markers off a label: '[A]', '¹⁾', '3)', '*', and trailing letter markers ('n', 'p q', 'bbb')."""
    notes = [m.group().strip() for m in BRACKET_MARKER_RE.finditer(label)]
    label = BRACKET_MARKER_RE.sub("", label).strip()
    for m in reversed(list(GLUED_DIGIT_MARKER_RE.finditer(label))):
        before = label[:m.start()]
        if before.count("(") <= before.count(")"):  # no bracket open: the ')' closes a footnote number
            notes.append(m.group())
            label = label[:m.start()] + label[m.end():]
    tokens = label.split()
    while len(tokens) > 1 and LETTER_MARKER_RE.match(tokens[-1]):
        notes.append(tokens.pop())
    label = " ".join(tokens).lstrip(".… ").strip()
    return label, tuple(notes)
