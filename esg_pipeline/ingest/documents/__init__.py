"""Read a raw report (plain text, HTML or PDF) into the document model: ordered blocks and table grids.

- `model`: the document model (blocks, tables as grids, words) and the builder that keeps spans exact.
- `decode`: format detection and text decoding.
- `text`, `html`, `pdf`: one reader per format; `pdf_words`, `layout`, `ocr`: the PDF page layer;
  `grid` (with `grid_lines`, `grid_header`, `grid_rows`): tables from word geometry; `text_tables`
  (with `text_grid`, `text_pipe`, `text_aligned`, `text_rows`, `text_inline`, `table_cells`): tables
  from text layouts; `periods`: years and fiscal years in headers; `inspect`: what was read, for people.

Every failure is a `DocumentError` whose message names the file and the problem.
"""
from __future__ import annotations

from pathlib import Path

from esg_pipeline import settings
from esg_pipeline.ingest.documents.decode import (
    _charset_param, _html_declared, decode_text, detect_format, format_from_name,
)
from esg_pipeline.ingest.documents.model import (
    FORMATS, TABLE_CELL_SEPARATOR, Block, Cell, Column, Document, DocumentError, FormatName, Row, Table, Word,
)
from esg_pipeline.ingest.documents.pdf_streams import DEFAULT_MAX_STREAM_BYTES

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_PAGES = settings.MAX_REPORT_PAGES

__all__ = ["Block", "Cell", "Column", "Document", "DocumentError", "FORMATS", "FormatName", "Row", "Table",
           "TABLE_CELL_SEPARATOR", "Word", "decode_text", "detect_format", "format_from_name", "read_document",
           "read_document_bytes", "read_file_bytes", "DEFAULT_MAX_BYTES", "DEFAULT_MAX_PAGES", "DEFAULT_MAX_STREAM_BYTES"]


def read_document(path: str | Path, fmt: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  max_pages: int = DEFAULT_MAX_PAGES, max_stream_bytes: int = DEFAULT_MAX_STREAM_BYTES) -> Document:
    return read_document_bytes(read_file_bytes(path, max_bytes=max_bytes), fmt, str(path), max_bytes=max_bytes,
                               max_pages=max_pages, max_stream_bytes=max_stream_bytes)


def read_file_bytes(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """A report file's bytes, or a DocumentError naming the file and what is wrong with it."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(f"{path}: file exceeds {max_bytes} bytes ({size} bytes)")
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise DocumentError(f"{path}: file not found") from exc
    except IsADirectoryError as exc:
        raise DocumentError(f"{path}: is a directory, not a report file") from exc
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read file: {exc.strerror or exc}") from exc
    return data


def read_document_bytes(data: bytes, fmt: str | None = None, name: str = "<bytes>", *,
                        content_type: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                        max_pages: int = DEFAULT_MAX_PAGES, max_stream_bytes: int = DEFAULT_MAX_STREAM_BYTES
                        ) -> Document:
    """Parse report bytes; `name` (file path or URL) appears in errors and guides format inference."""
    if len(data) > max_bytes:
        raise DocumentError(f"{name}: file exceeds {max_bytes} bytes ({len(data)} bytes)")
    if not data.strip():
        raise DocumentError(f"{name}: empty file")
    if fmt is not None and fmt not in FORMATS:
        raise DocumentError(f"{name}: unsupported format '{fmt}' (expected one of {', '.join(FORMATS)})")
    fmt = fmt or detect_format(data, name, content_type)
    if fmt == "pdf":
        from esg_pipeline.ingest.documents.pdf import read_pdf

        return read_pdf(data, name, max_pages=max_pages, max_stream_bytes=max_stream_bytes)
    if fmt == "html":
        from esg_pipeline.ingest.documents.html import read_html

        encoding, text = decode_text(data, name, declared=[_charset_param(content_type), *_html_declared(data)])
        return read_html(text, name, encoding=encoding)
    from esg_pipeline.ingest.documents.text import read_text

    encoding, text = decode_text(data, name, declared=[_charset_param(content_type)])
    return read_text(text, encoding=encoding)
