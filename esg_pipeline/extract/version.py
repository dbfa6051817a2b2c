"""What extraction output depends on besides a report's bytes: the extractor's version and the taxonomy's.

`EXTRACTOR_VERSION` is the human knob: bump it when output changes for a reason no hashed file shows (a
new pdfium or pint, say). The code that turns bytes into rows (the document readers, the extractor, the
observation record) is fingerprinted too, so an edit there can never serve rows of the old code from the
extraction cache. `taxonomy_version()` hashes taxonomy.yaml and the unit vocabulary (extract/vocab/).
"""
from __future__ import annotations

import functools
import hashlib
from pathlib import Path

EXTRACTOR_VERSION = "1"

_PACKAGE = Path(__file__).resolve().parents[1]  # esg_pipeline/
# The code between a report's bytes and its warehouse rows.
_CODE = ("extract", "ingest/documents", "observation.py", "pipeline.py", "taxonomy.py")
_TAXONOMY = ("taxonomy.yaml", "extract/vocab")


def _digest(parts: tuple[str, ...], pattern: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        path = _PACKAGE / part
        files = sorted(f for f in path.rglob(pattern) if f.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@functools.cache
def extractor_version() -> str:
    """`EXTRACTOR_VERSION` plus a fingerprint of the reader and extractor sources: '1+3f9a…'."""
    return f"{EXTRACTOR_VERSION}+{_digest(_CODE, '*.py')}"


@functools.cache
def taxonomy_version() -> str:
    """A fingerprint of taxonomy.yaml and extract/vocab/*."""
    return _digest(_TAXONOMY, "*")
