"""How far a PDF's compressed streams inflate, checked before PDFium opens the file.

A few kilobytes of Flate data can inflate to gigabytes (a "zip bomb" in a content stream), and PDFium
inflates a page's content stream whole. Each stream that could inflate past the limit is inflated here
in chunks, counting bytes and keeping none, and the first one over the limit fails the document.

Cheap on real reports: deflate cannot inflate more than ~1032 times its compressed size, so a stream
too short to reach the limit is skipped unread (its length is the larger of its /Length and the distance
to the next `endstream`, so a stray `endstream` inside the data cannot hide a long stream), and image
streams are skipped (PDFium decodes a picture only to render its page for OCR, where the reader's memory
limit holds).
"""
from __future__ import annotations

import re
import zlib

from esg_pipeline import settings
from esg_pipeline.ingest.documents.model import DocumentError

DEFAULT_MAX_STREAM_BYTES = settings.MAX_STREAM_MB * 1024 * 1024
DEFLATE_MAX_RATIO = 1100  # zlib's own bound is 1032:1; a little over it for the stream's framing
_STREAM_RE = re.compile(rb"stream(?:\r\n|\n|\r)")
_LENGTH_RE = re.compile(rb"/Length\s+(\d+)(?:\s+(\d+)\s+R)?")
_NUMBER_OBJECT_RE = re.compile(rb"(?<!\d)(\d+)\s+(\d+)\s+obj\s*(\d+)\s*endobj")
_DICT_LOOKBACK = 4096  # bytes before `stream` searched for the stream dictionary's /Subtype
_CHUNK = 64 * 1024
_OUT_CHUNK = 1024 * 1024


def _is_zlib_header(first: int, second: int) -> bool:
    return first & 0x0F == 8 and (first << 8 | second) % 31 == 0


def _dictionary(data: bytes, start: int) -> bytes:
    """The bytes between the stream's `obj` and its `stream` keyword (its dictionary)."""
    before = data[max(0, start - _DICT_LOOKBACK):start]
    return before[before.rfind(b" obj"):]


class _Lengths:
    """Stream lengths as declared: `/Length 123`, or `/Length 7 0 R` and object 7 holding the number
    (the objects that are a bare number are indexed once, on the first reference)."""

    def __init__(self, data: bytes):
        self.data = data
        self.numbers: dict[tuple[bytes, bytes], int] | None = None

    def declared(self, dictionary: bytes) -> int:
        found = _LENGTH_RE.search(dictionary)
        if not found:
            return 0
        if found.group(2) is None:
            return int(found.group(1))
        if self.numbers is None:
            self.numbers = {(m.group(1), m.group(2)): int(m.group(3)) for m in _NUMBER_OBJECT_RE.finditer(self.data)}
        return self.numbers.get((found.group(1), found.group(2)), 0)


def _inflated_size(view: memoryview, start: int, end: int, limit: int) -> int:
    """Bytes the zlib data at `start` inflates to, counting no further than just past `limit`."""
    inflater = zlib.decompressobj()
    total, position = 0, start
    try:
        while not inflater.eof and position < end:
            chunk = view[position:position + _CHUNK]
            position += _CHUNK
            while chunk and not inflater.eof:
                total += len(inflater.decompress(chunk, _OUT_CHUNK))
                if total > limit:
                    return total
                chunk = inflater.unconsumed_tail
    except zlib.error:  # not Flate after all, or corrupt: PDFium reports what it cannot read
        pass
    return total


def check_stream_sizes(data: bytes, name: str, max_stream_bytes: int) -> None:
    """A DocumentError naming the file when one of its Flate streams inflates past `max_stream_bytes`."""
    view, lengths = memoryview(data), _Lengths(data)
    for match in _STREAM_RE.finditer(data):
        start = match.end()
        if start + 2 > len(data) or not _is_zlib_header(data[start], data[start + 1]):
            continue
        end = data.find(b"endstream", start)
        end = len(data) if end < 0 else end
        if (end - start) * DEFLATE_MAX_RATIO <= max_stream_bytes:
            dictionary = _dictionary(data, match.start())
            end = max(end, min(start + lengths.declared(dictionary), len(data)))
            if (end - start) * DEFLATE_MAX_RATIO <= max_stream_bytes:
                continue
        if b"/Image" in _dictionary(data, match.start()):
            continue
        if _inflated_size(view, start, len(data), max_stream_bytes) > max_stream_bytes:
            raise DocumentError(f"{name}: a PDF stream inflates to more than the limit of "
                                f"{max_stream_bytes // (1024 * 1024)} MB")
