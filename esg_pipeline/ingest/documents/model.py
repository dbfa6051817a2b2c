"""The document model every reader produces: ordered blocks (headings, paragraphs, list items,
tables) over one document text, with tables as grids.

A reader (PDF, HTML, text) builds a `Document` with a `DocumentBuilder`, which appends each block's
text to the document text and records its character span, so the provenance of every figure
(page and span) stays exact whichever path read it.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Literal, get_args

FormatName = Literal["txt", "html", "pdf"]
FORMATS: tuple[str, ...] = get_args(FormatName)
BlockKind = Literal["heading", "paragraph", "list_item", "table"]
Box = tuple[float, float, float, float]  # x0, top, x1, bottom in page points (top-down)

TABLE_CELL_SEPARATOR = " | "


class DocumentError(ValueError):
    """A report that cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class Word:
    """A word placed on a page: PDF glyph runs, OCR words, or a text line's tokens (x = character column)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    page: int = 1  # 1-based
    bold: bool = False

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.top + self.bottom) / 2

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass
class Cell:
    """One value cell of a table grid: its text as printed, where it sits, and its span in the document text."""

    text: str
    col: int  # index into Table.columns
    page: int | None = None
    box: Box | None = None
    start: int = -1
    end: int = -1


@dataclass
class Column:
    """A value column: the header text as printed (all header rows joined) and the period it names, if any."""

    header: str
    period: str | None = None  # "2023", "FY2023", "2022/23" as printed in the header
    year: int | None = None  # the year the period ends in
    kind: str = "value"  # "value", "change" (YoY %), "target", "baseline", "note"


@dataclass
class Row:
    """A table row: its label, the group rows above it (outermost first), a unit, footnote markers, cells."""

    label: str
    path: tuple[str, ...] = ()
    unit: str | None = None  # from a unit column or a unit cell, as printed
    notes: tuple[str, ...] = ()
    cells: list[Cell] = field(default_factory=list)
    page: int | None = None
    start: int = -1  # span of the row's rendered line in the document text
    end: int = -1

    @property
    def label_path(self) -> tuple[str, ...]:
        return (*self.path, self.label)


@dataclass
class Table:
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)
    caption: str = ""  # title and unit lines above the table ("(Unit: 10,000 yuan)")
    header_rows: list[list[str]] = field(default_factory=list)  # the header lines as printed
    unit_header: str | None = None  # the header of a unit column, when the table has one
    pages: tuple[int, ...] = ()
    source: str = ""  # which reader rule built it ("pdf-year-header", "html-table", "text-aligned", ...)


@dataclass
class Block:
    kind: BlockKind
    text: str
    start: int
    end: int
    page: int | None = None
    level: int = 0  # heading level (1 = top)
    table: Table | None = None
    box: Box | None = None


@dataclass
class Document:
    text: str
    format: str
    page_starts: list[int] = field(default_factory=list)  # char offset where each PDF page starts
    encoding: str | None = None  # the decoding used for txt/html; None for PDF
    blocks: list[Block] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. "pages 3, 4: no text layer (scanned?)"

    @property
    def pages(self) -> int | None:
        return len(self.page_starts) or None

    @property
    def tables(self) -> list[Table]:
        return [b.table for b in self.blocks if b.table is not None]

    def page_at(self, offset: int) -> int | None:
        """1-based page number holding char `offset`, or None for documents without pages."""
        if not self.page_starts:
            return None
        return max(bisect.bisect_right(self.page_starts, offset), 1)

    def table_spans(self) -> list[tuple[int, int]]:
        """Character spans of the table blocks, for readers of the text that leave tables to the grid path."""
        return [(b.start, b.end) for b in self.blocks if b.kind == "table"]


class DocumentBuilder:
    """Appends blocks to one text, recording spans; tables are rendered one row per line,
    cells joined by ' | ', and every value cell learns its span."""

    def __init__(self, fmt: str, encoding: str | None = None) -> None:
        self.format = fmt
        self.encoding = encoding
        self.parts: list[str] = []
        self.length = 0
        self.blocks: list[Block] = []
        self.page_starts: list[int] = []
        self.warnings: list[str] = []

    def _append(self, text: str) -> tuple[int, int]:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")
            self.length += 1
        start = self.length
        self.parts.append(text)
        self.length += len(text)
        return start, self.length

    def new_page(self) -> None:
        if self.parts:
            self._append("\n")  # a blank line between pages
        self.page_starts.append(self.length)

    def add(self, kind: BlockKind, text: str, *, page: int | None = None, level: int = 0,
            box: Box | None = None) -> Block | None:
        text = text.strip()
        if not text:
            return None
        start, end = self._append(text)
        block = Block(kind=kind, text=text, start=start, end=end, page=page, level=level, box=box)
        self.blocks.append(block)
        return block

    def add_table(self, table: Table, *, page: int | None = None, box: Box | None = None) -> Block:
        lines: list[str] = []
        if table.caption:
            lines.append(table.caption)
        for header in table.header_rows:
            lines.append(TABLE_CELL_SEPARATOR.join(header))
        offset = self.length + (1 if self.parts and not self.parts[-1].endswith("\n") else 0)
        pos = offset + sum(len(line) + 1 for line in lines)
        for row in table.rows:
            pieces = [" › ".join(row.label_path) or "-"]
            if table.unit_header is not None or row.unit:
                pieces.append(row.unit or "")
            line = TABLE_CELL_SEPARATOR.join(pieces)
            row.start = pos
            by_col = {cell.col: cell for cell in row.cells}
            slots = max([len(table.columns), *(c.col + 1 for c in row.cells)]) if row.cells else 0
            for col in range(slots):  # one slot per column, empty ones too, so rows line up under the header
                line += TABLE_CELL_SEPARATOR
                cell = by_col.get(col)
                if cell is not None:
                    cell.start = pos + len(line)
                    line += cell.text
                    cell.end = pos + len(line)
            row.end = pos + len(line)
            lines.append(line)
            pos += len(line) + 1
        start, end = self._append("\n".join(lines))
        assert start == offset, "table spans must match the text"
        block = Block(kind="table", text="\n".join(lines), start=start, end=end, page=page,
                      table=table, box=box)
        self.blocks.append(block)
        return block

    def build(self) -> Document:
        text = "".join(self.parts)
        return Document(text=text, format=self.format, page_starts=self.page_starts,
                        encoding=self.encoding, blocks=self.blocks, warnings=self.warnings)
