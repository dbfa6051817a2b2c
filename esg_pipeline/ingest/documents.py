"""Turn a raw report file into text. (Minimal: plain UTF-8 text; HTML/PDF come with ingestion.)"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class DocumentError(ValueError):
    """A report that cannot be turned into text; the message names the file and the problem."""


@dataclass(frozen=True)
class Document:
    text: str
    format: str
    page_starts: list[int] = field(default_factory=list)  # char offset where each PDF page starts

    @property
    def pages(self) -> int | None:
        return len(self.page_starts) or None


def read_document(path: str | Path, fmt: str | None = None) -> Document:
    path = Path(path)
    data = path.read_bytes()
    if not data.strip():
        raise DocumentError(f"{path}: empty file")
    return Document(text=data.decode("utf-8", errors="replace"), format=fmt or "txt")
