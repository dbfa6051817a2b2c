"""PDF reports. (Transitional: the pdfplumber text, one paragraph per line, until the pypdfium2 layer lands.)"""
from __future__ import annotations

from esg_pipeline.ingest.documents.model import Document, DocumentBuilder
from esg_pipeline.ingest.documents.pdf_legacy import _pdf_text


def read_pdf(data: bytes, name: str, *, max_pages: int) -> Document:
    text, starts = _pdf_text(data, name)
    builder = DocumentBuilder("pdf")
    for i, s in enumerate(starts):
        e = starts[i + 1] if i + 1 < len(starts) else len(text)
        builder.new_page()
        for line in text[s:e].split("\n"):
            builder.add("paragraph", line, page=i + 1)
    return builder.build()
