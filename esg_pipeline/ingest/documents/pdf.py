"""PDF reports: pypdfium2 words per page (`pdf_words`), tables from word geometry (`grid`), the rest
laid out into headings, paragraphs and list items (`layout`), all in reading order."""
from __future__ import annotations

from esg_pipeline.ingest.documents import grid
from esg_pipeline.ingest.documents.layout import (
    LayoutBlock, PageLayout, assign_heading_levels, column_groups, drop_running_words, page_blocks, page_gutters,
    page_layout,
)
from esg_pipeline.ingest.documents.model import Document, DocumentBuilder, Word
from esg_pipeline.ingest.documents.pdf_words import PageWords, read_pdf_words


def _page_tables(page: PageWords, words: list[Word]) -> tuple[list[grid.PageTable], PageLayout]:
    """Tables first, column by column when the page has text columns; the rest to layout."""
    gutters = page_gutters(words)
    tables: list[grid.PageTable] = []
    for group in column_groups(words, gutters) if gutters else [list(range(len(words)))]:
        for found in grid.find_page_tables([words[i] for i in group], page=page.page):
            found.word_ids = {group[i] for i in found.word_ids}
            tables.append(found)
    taken = set().union(*(t.word_ids for t in tables)) if tables else set()
    rest = [w for i, w in enumerate(words) if i not in taken]
    # with tables gone, columns may show that the tables hid: look again then
    return tables, page_layout(rest, page.page, page.width, page.height, None if tables else gutters)


def read_pdf(data: bytes, name: str, *, max_pages: int) -> Document:
    pages, warnings = read_pdf_words(data, name, max_pages=max_pages)
    content = drop_running_words([p.words for p in pages], [p.height for p in pages])
    found = [_page_tables(page, words) for page, words in zip(pages, content)]
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
