"""Plain-text reports: the text stays as written (spans are offsets into it); blocks are found over it.

Tables laid out as text (pipe rows, whitespace-aligned columns, one cell per line, `label unit v1 v2`
rows under a header of years) are found by `text_tables`; the rest is paragraphs, headings and list items.
"""
from __future__ import annotations

import re

from esg_pipeline.ingest.documents.model import Block, Document

# A heading: a short line without sentence punctuation at its end, standing alone between blank lines
# or above a paragraph. Longer lines are paragraphs whatever their case.
HEADING_MAX_CHARS = 80
LIST_ITEM_RE = re.compile(r"^\s*(?:[•●▪\-–*·]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")
PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t]*\n")


def read_text(text: str, *, encoding: str | None = None) -> Document:
    from esg_pipeline.ingest.documents.text_tables import find_text_tables

    blocks: list[Block] = []
    tables = find_text_tables(text)
    taken = sorted((b.start, b.end) for b in tables)
    blocks.extend(tables)
    pos = 0
    for start, end in [*taken, (len(text), len(text))]:
        blocks.extend(_prose_blocks(text, pos, start))
        pos = max(pos, end)
    blocks.sort(key=lambda b: b.start)
    return Document(text=text, format="txt", encoding=encoding, blocks=blocks)


def _prose_blocks(text: str, start: int, end: int) -> list[Block]:
    """Paragraphs between blank lines; a short unpunctuated line alone is a heading, a bulleted line a list item."""
    blocks: list[Block] = []
    pos = start
    for brk in [*PARAGRAPH_BREAK_RE.finditer(text, start, end), None]:
        stop = brk.start() if brk else end
        chunk = text[pos:stop]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            s, e = pos + lead, pos + len(chunk.rstrip())
            blocks.extend(_chunk_blocks(text, s, e))
        pos = brk.end() if brk else end
    return blocks


def _chunk_blocks(text: str, start: int, end: int) -> list[Block]:
    lines = text[start:end].split("\n")
    if len(lines) == 1 and _is_heading(lines[0]):
        return [Block("heading", text[start:end], start, end, level=2)]
    if all(LIST_ITEM_RE.match(line) for line in lines if line.strip()):
        out, pos = [], start
        for line in lines:
            if line.strip():
                out.append(Block("list_item", line.strip(), pos, pos + len(line)))
            pos += len(line) + 1
        return out
    return [Block("paragraph", " ".join(line.strip() for line in lines if line.strip()), start, end)]


def _is_heading(line: str) -> bool:
    line = line.strip()
    return 0 < len(line) <= HEADING_MAX_CHARS and not line.endswith((".", ",", ";", ":")) and \
        not any(ch.isdigit() for ch in line[:1])
