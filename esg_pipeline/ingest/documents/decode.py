"""Which format a report is in, and how its bytes decode to text.

Plain text: encoding detected (BOM, UTF-8, declared charset, charset-normalizer), never assumed;
newlines normalised. Every failure is a `DocumentError` whose message names the file and the problem.
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Sequence
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from esg_pipeline.ingest.documents.model import DocumentError

# --- format -----------------------------------------------------------------------

_EXTENSIONS = {".txt": "txt", ".text": "txt", ".md": "txt",
               ".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf"}
_CONTENT_TYPES = {"text/plain": "txt", "text/markdown": "txt", "text/html": "html",
                  "application/xhtml+xml": "html", "application/pdf": "pdf", "application/x-pdf": "pdf"}
_HTML_SNIFF = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.I | re.S)


def format_from_name(name: str | None) -> str | None:
    if not name:
        return None
    path = urlsplit(name).path if "://" in name else name
    return _EXTENSIONS.get(PurePosixPath(path.replace("\\", "/")).suffix.lower())


def detect_format(data: bytes, name: str | None = None, content_type: str | None = None) -> str:
    """PDF magic bytes, then the HTTP content type, then the file extension, then sniffing."""
    if _is_pdf(data):
        return "pdf"
    media_type = (content_type or "").split(";")[0].strip().lower()
    by_name = format_from_name(name)
    if media_type in _CONTENT_TYPES:
        return _CONTENT_TYPES[media_type]
    if by_name:
        return by_name
    return "html" if looks_like_html(data) else "txt"


def looks_like_html(data: bytes) -> bool:
    """The first bytes open an HTML document (doctype, <html>, <head> or <body>, after a BOM or comments)."""
    return bool(_HTML_SNIFF.match(data.lstrip(codecs.BOM_UTF8)[:2048]))


def _is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]  # the spec tolerates junk before the header


# --- text decoding -----------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Labels that under-describe what the bytes really use (WHATWG maps them to the superset).
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs",
              "iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252",
              "us-ascii": "cp1252"}
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_ALLOWED_CONTROLS = set("\t\n\r\f\v")
_BINARY_CHAR_RATIO = 0.02


def decode_text(data: bytes, name: str = "<bytes>", declared: Sequence[str | None] = ()) -> tuple[str, str]:
    """Return (encoding, text with '\\n' newlines); raises DocumentError for binary content."""
    encoding = _detect_encoding(data, [d for d in declared if d])
    if encoding is None:
        raise DocumentError(f"{name}: binary content, not a text report")
    text = data.decode(encoding, errors="replace")
    text = _NEWLINES.sub("\n", text.replace("\ufeff", ""))
    if _looks_binary(text):
        raise DocumentError(f"{name}: binary content, not a text report")
    if not text.strip():
        raise DocumentError(f"{name}: empty file")
    return encoding, text


def _detect_encoding(data: bytes, declared: list[str]) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    if b"\x00" in data:
        return _bomless_utf16(data)  # ASCII in UTF-16 has NULs; anywhere else they mean binary
    if _decodes(data, "utf-8"):
        return "utf-8"  # non-ASCII legacy text is almost never valid UTF-8 by accident
    for label in declared:
        encoding = _codec_name(label)
        if encoding and _decodes(data, encoding):
            return encoding
    return _guess_legacy_encoding(data)


# Legacy Western text is nearly always Windows-1252; charset-normalizer scores rarer code
# pages (cp775, mac_latin2...) about as well on short texts, so near-ties go to cp1252.
_WESTERN_DEFAULT = "cp1252"
_NEAR_TIE_CHAOS = 0.05


def _guess_legacy_encoding(data: bytes) -> str | None:
    import charset_normalizer
    from charset_normalizer.utils import is_multi_byte_encoding

    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        return None
    if not is_multi_byte_encoding(best.encoding):
        for match in matches:
            if _WESTERN_DEFAULT in match.could_be_from_charset and match.chaos <= best.chaos + _NEAR_TIE_CHAOS:
                return _WESTERN_DEFAULT
    return _codec_name(best.encoding)


def _codec_name(label: str) -> str | None:
    label = label.strip().strip("'\"").lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


# Code point ranges ordinary report text is made of (besides ASCII): Latin-1/Extended,
# general punctuation, CJK punctuation, kana, CJK ideographs, Hangul, fullwidth forms.
_COMMON_RANGES = ((0x00A0, 0x024F), (0x2000, 0x206F), (0x3000, 0x30FF), (0x4E00, 0x9FFF),
                  (0xAC00, 0xD7AF), (0xFF00, 0xFFEF))


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM: the byte order whose decoding reads as ordinary text, if any does.

    Scoring favours ASCII so Latin text read in the wrong byte order (which lands in the
    CJK block) loses to the right one.
    """
    if len(data) % 2:
        return None
    best, best_score = None, 0.0
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            sample = codecs.getincrementaldecoder(encoding)().decode(data[:8192], final=False)
        except UnicodeDecodeError:
            continue
        score = sum(2 if ch.isascii() and (ch.isprintable() or ch in _ALLOWED_CONTROLS)
                    else 1 if any(lo <= ord(ch) <= hi for lo, hi in _COMMON_RANGES) else 0
                    for ch in sample) / max(len(sample), 1)
        if score > best_score:
            best, best_score = encoding, score
    return best if best_score >= 0.9 and best and _decodes(data, best) else None


_BINARY_SAMPLE_CHARS = 256 * 1024  # binary files show it early; sampling keeps big reports fast


def _looks_binary(text: str) -> bool:
    sample = text[:_BINARY_SAMPLE_CHARS]
    if not sample:
        return False
    bad = sum(sample.count(ch) for ch in set(sample) if ch == "\ufffd" or (  # each distinct character once
        ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")))
    return bad / len(sample) > _BINARY_CHAR_RATIO


def _charset_param(content_type: str | None) -> str | None:
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type or "", re.I)
    return match.group(1) if match else None


_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.I)


def _html_declared(data: bytes) -> list[str]:
    head = data[:8192]
    found = [m.group(1) for m in (_META_CHARSET.search(head), _XML_ENCODING.search(head)) if m]
    return [label.decode("ascii", "replace") for label in found]


