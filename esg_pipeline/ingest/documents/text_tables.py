"""Tables laid out as text. (Placeholder until the text-layout table readers land.)"""
from __future__ import annotations

from esg_pipeline.ingest.documents.model import Block


def find_text_tables(text: str) -> list[Block]:
    return []
