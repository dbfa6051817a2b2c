"""What a reader made of a document, for people: blocks in order and every table as a grid.

`esg-pipeline inspect FILE` prints this, so a user can see why a figure was or was not found.
"""
from __future__ import annotations

from dataclasses import asdict

from esg_pipeline.ingest.documents.model import Block, Document, Table

PREVIEW_CHARS = 100


def document_json(doc: Document) -> dict:
    return {"format": doc.format, "pages": doc.pages, "warnings": doc.warnings,
            "blocks": [{k: v for k, v in asdict(b).items()} for b in doc.blocks]}


def document_text(doc: Document) -> str:
    out = [f"format {doc.format}, {doc.pages or 1} page(s), {len(doc.blocks)} blocks, {len(doc.tables)} tables"]
    out.extend(f"warning: {w}" for w in doc.warnings)
    for block in doc.blocks:
        out.append(_block_text(block))
    return "\n".join(out) + "\n"


def _block_text(block: Block) -> str:
    where = f"p{block.page} " if block.page else ""
    head = f"[{where}{block.start}-{block.end}] {block.kind}"
    if block.kind == "heading":
        head += f" h{block.level}"
    if block.table is None:
        text = " ".join(block.text.split())
        return f"{head}: {text[:PREVIEW_CHARS]}{'…' if len(text) > PREVIEW_CHARS else ''}"
    return f"{head} ({block.table.source})\n{grid_text(block.table)}"


def grid_text(table: Table) -> str:
    """The grid as aligned columns: row-label path, unit, then one column per header."""
    header = ["row", "unit", *(_column_title(c) for c in table.columns)]
    body = [[" › ".join(r.label_path) + (f" {list(r.notes)}" if r.notes else ""), r.unit or "",
             *_cells(r, len(table.columns))] for r in table.rows]
    rows = [header, *body]
    widths = [min(max(len(r[i]) for r in rows), 60 if i == 0 else 24) for i in range(len(header))]
    lines = []
    if table.caption:
        lines.append(f"    caption: {table.caption}")
    for r in rows:
        lines.append("    " + "  ".join(c[:w].ljust(w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)


def _column_title(column) -> str:
    title = column.header
    if column.year:
        title += f" ={column.year}"
    if column.kind != "value":
        title += f" ({column.kind})"
    return title


def _cells(row, n: int) -> list[str]:
    cells = [""] * n
    for c in row.cells:
        if c.col < n:
            cells[c.col] = c.text
    return cells
