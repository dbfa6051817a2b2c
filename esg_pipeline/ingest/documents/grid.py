"""Tables from word geometry (PDF glyphs, OCR words, or text lines with x = character column).

(Interface; the finder lands in the next commit.)
"""
from __future__ import annotations

from dataclasses import dataclass

from esg_pipeline.ingest.documents.model import Box, Table, Word


@dataclass
class PageTable:
    table: Table
    box: Box
    word_ids: set[int]  # indices into the words passed in that the table consumed


def find_page_tables(words: list[Word], *, page: int | None = None) -> list[PageTable]:
    return []
