"""PDF reports: pypdfium2 words per page (`pdf_words`), tables from word geometry (`grid`), the rest
laid out into headings, paragraphs and list items (`layout`), all in reading order; running headers,
footers and page numbers dropped across the document first."""
from __future__ import annotations

import math
import re
from collections import defaultdict

from esg_pipeline.ingest.documents import grid
from esg_pipeline.ingest.documents.layout import (
    LayoutBlock, PageLayout, assign_heading_levels, column_groups, group_rows, page_blocks, page_gutters, page_layout,
)
from esg_pipeline.ingest.documents.grid_lines import MIN_PERIODS
from esg_pipeline.ingest.documents.grid_header import UNIT_HEADER_RE
from esg_pipeline.ingest.documents.model import Document, DocumentBuilder, Word
from esg_pipeline.ingest.documents.periods import period_year
from esg_pipeline.ingest.documents.pdf_streams import DEFAULT_MAX_STREAM_BYTES
from esg_pipeline.ingest.documents.pdf_words import PageWords, read_pdf_words

# Running headers and footers: words in the top or bottom band (this share of the page height)
# repeated at one place on at least this share of the pages (and on two pages at least).
RUNNING_BAND_SHARE = 0.1
RUNNING_PAGES_SHARE = 0.5
RUNNING_POSITION_STEP = 4.0  # points: one generator places a running header at the same spot each page
PAGE_NUMBER_RE = re.compile(r"^(?:page\s+)?[ivxlc\d]{1,5}(?:\s*(?:/|of)\s*\d{1,5})?$", re.IGNORECASE)


def _in_band(word: Word, height: float) -> bool:
    return word.bottom <= RUNNING_BAND_SHARE * height or word.top >= (1 - RUNNING_BAND_SHARE) * height


def _running_key(word: Word) -> tuple[str, int, int]:
    """The word with its digits masked (page numbers change) at its place, in RUNNING_POSITION_STEP cells."""
    return (re.sub(r"\d+", "#", word.text.lower()), round(word.x0 / RUNNING_POSITION_STEP),
            round(word.top / RUNNING_POSITION_STEP))


def _table_header_words(words: list[Word]) -> set[int]:
    """Words on a table's header row (two or more periods): a data book repeats them on every page,
    at the same place, and each page's table needs them."""
    from esg_pipeline.ingest.documents.periods import period_year

    keep: set[int] = set()
    for row in group_rows(words):
        if sum(period_year(w.text) is not None for w in row) >= 2:
            keep.update(id(w) for w in row)
    return keep


def drop_running_words(pages: list[list[Word]], heights: list[float]) -> list[list[Word]]:
    """Each page's words without running headers and footers (words repeated at the same place in the
    top/bottom band of most pages: titles, navigation tabs) and bare page numbers in those bands."""
    pages_with: dict[tuple[str, int, int], int] = defaultdict(int)
    for words, height in zip(pages, heights):
        for key in {_running_key(w) for w in words if _in_band(w, height)}:
            pages_with[key] += 1
    needed = max(2, math.ceil(RUNNING_PAGES_SHARE * len(pages)))
    kept_pages = []
    for words, height in zip(pages, heights):
        band = [w for w in words if _in_band(w, height)]
        drop = {id(w) for w in band if pages_with[_running_key(w)] >= needed} - _table_header_words(band)
        for row in group_rows([w for w in band if id(w) not in drop]):
            if PAGE_NUMBER_RE.match(" ".join(w.text for w in row)):
                drop.update(id(w) for w in row)
        kept_pages.append([w for w in words if id(w) not in drop] if drop else words)
    return kept_pages



# A table whose last row lies in the bottom part of its page (this share of the page height) may go on
# on the next page without repeating its header.
CONTINUES_BELOW_SHARE = 0.75


def _continuation(page: PageWords, words: list[Word], carried: grid.PageTable | None
                  ) -> tuple[grid.PageTable | None, list[Word]]:
    """Rows at the top of the page that continue the previous page's last table, and the other words."""
    if carried is None:
        return None, words
    found = grid.continue_table(words, carried, page=page.page)
    if found is None:
        return None, words
    return found, [w for i, w in enumerate(words) if i not in found.word_ids]


def _carried(tables: list[grid.PageTable], continued: grid.PageTable | None, carried: grid.PageTable | None,
             page: PageWords) -> grid.PageTable | None:
    """The table that may go on on the next page: the page's lowest table, or the continued one, when it
    reaches the bottom part of the page."""
    if tables:
        last = max(tables, key=lambda t: t.box[3])
        bottom = last.box[3]
    elif continued is not None:
        last, bottom = carried, continued.box[3]
    else:
        return None
    return last if bottom >= CONTINUES_BELOW_SHARE * page.height else None


def _page_tables(page: PageWords, words: list[Word]) -> tuple[list[grid.PageTable], PageLayout]:
    """Tables first, on the whole page and column by column when the page seems to have text columns;
    the reading with more value cells wins (a gutter between a table's values and its unit or note
    columns would cut the table; prose beside a table would join its rows). The rest goes to layout."""
    if sum(1 for w in words if period_year(w.text) is not None) < MIN_PERIODS and \
            not any(UNIT_HEADER_RE.match(w.text) for w in words):  # a 'Unit' column may head a one-period table
        return [], page_layout(words, page.page, page.width, page.height)  # no header row: no table to find
    gutters = page_gutters(words)
    tables = grid.find_page_tables(words, page=page.page)
    if gutters:
        by_column: list[grid.PageTable] = []
        for group in column_groups(words, gutters):
            for found in grid.find_page_tables([words[i] for i in group], page=page.page):
                found.word_ids = {group[i] for i in found.word_ids}
                by_column.append(found)
        if _cells(by_column) >= _cells(tables):
            tables = by_column
    taken = set().union(*(t.word_ids for t in tables)) if tables else set()
    rest = [w for i, w in enumerate(words) if i not in taken]
    # with tables gone, columns may show that the tables hid: look again then
    return tables, page_layout(rest, page.page, page.width, page.height, None if tables else gutters)


def _cells(tables: list[grid.PageTable]) -> int:
    """How much of a table reading is structure: value cells, counted twice where their row has a unit cell."""
    return sum(len(row.cells) * (2 if row.unit else 1) for t in tables for row in t.table.rows)


def read_pdf(data: bytes, name: str, *, max_pages: int, max_stream_bytes: int = DEFAULT_MAX_STREAM_BYTES) -> Document:
    pages, warnings = read_pdf_words(data, name, max_pages=max_pages, max_stream_bytes=max_stream_bytes)
    content = drop_running_words([p.words for p in pages], [p.height for p in pages])
    found: list[tuple[list[grid.PageTable], PageLayout]] = []
    carried: grid.PageTable | None = None
    for page, words in zip(pages, content):
        continued, words = _continuation(page, words, carried)
        if continued is not None:  # one table over two pages: its rows join the table they continue
            carried.table.rows.extend(continued.table.rows)
            carried.table.pages = (*carried.table.pages, page.page)
        tables, layout = _page_tables(page, words)
        found.append((tables, layout))
        carried = _carried(tables, continued, carried, page)
    page_block_lists: list[list[LayoutBlock]] = [
        page_blocks(layout, [t.box for t in tables]) for tables, layout in found]
    assign_heading_levels([b for blocks in page_block_lists for b in blocks])

    builder = DocumentBuilder("pdf")
    builder.warnings.extend(warnings)
    for (tables, _), blocks in zip(found, page_block_lists):
        builder.new_page()
        for block in blocks:
            if block.table_index is not None:
                builder.add_table(tables[block.table_index].table, page=block.page, box=block.box)
            else:
                builder.add(block.kind, block.text, page=block.page, level=block.level, box=block.box)
    return builder.build()
