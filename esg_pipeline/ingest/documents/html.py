"""HTML reports: page chrome dropped; headings, paragraphs, list items and tables in reading order."""
from __future__ import annotations

import re

from esg_pipeline.ingest.documents.model import TABLE_CELL_SEPARATOR, Document, DocumentBuilder, DocumentError

_DROPPED_TAGS = frozenset({"script", "style", "noscript", "nav", "aside", "form", "template", "head", "svg",
                           "iframe", "canvas", "object", "embed", "button", "select", "textarea", "dialog"})
_PAGE_CHROME = frozenset({"header", "footer"})
_CHROME_ROLES = frozenset({"banner", "contentinfo"})
_DROPPED_ROLES = frozenset({"navigation", "search", "menu", "menubar"})
_CONTENT_CONTAINERS = frozenset({"article", "main"})
_BLOCK_TAGS = frozenset({"address", "article", "blockquote", "body", "caption", "center", "dd", "details", "div",
                         "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
                         "hr", "html", "legend", "li", "main", "ol", "p", "section", "summary", "table", "tbody",
                         "td", "tfoot", "th", "thead", "ul", "header", "footer"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _html_text(markup: str, name: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    lines = _HtmlLines()
    lines.walk(soup)
    lines.flush()
    if not lines.lines:
        raise DocumentError(f"{name}: HTML with no text")
    return "\n".join(lines.lines)


def _is_dropped(tag) -> bool:
    name = tag.name
    if name in _DROPPED_TAGS or tag.has_attr("hidden") or tag.get("aria-hidden") == "true":
        return True
    if _HIDDEN_STYLE.search(tag.get("style") or ""):
        return True
    role = (tag.get("role") or "").lower()
    if role in _DROPPED_ROLES:
        return True
    if name in _PAGE_CHROME or role in _CHROME_ROLES:
        # A site banner/footer is chrome; an article's own <header> holds its title.
        return not any(parent.name in _CONTENT_CONTAINERS for parent in tag.parents)
    return False


class _HtmlLines:
    """Collects visible text as lines: one per block element, one per table row."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._inline: list[str] = []

    def flush(self) -> None:
        self.add_line("".join(self._inline))
        self._inline = []

    def add_line(self, text: str) -> None:
        line = " ".join(text.split())
        if line:
            self.lines.append(line)

    def walk(self, node) -> None:
        from bs4 import NavigableString, Tag

        for child in node.children:
            if isinstance(child, Tag):
                self._element(child)
            elif type(child) is NavigableString or child.__class__.__name__ == "CData":
                self._inline.append(str(child))
            # comments, doctype, processing instructions: not text

    def _element(self, tag) -> None:
        if _is_dropped(tag):
            return
        name = tag.name
        if name == "br":
            self.flush()
        elif name == "tr":
            self.flush()
            self._row(tag)
        elif name == "pre":
            self.flush()
            for line in tag.get_text().split("\n"):
                self.add_line(line)
        elif name in _BLOCK_TAGS:
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)

    def _row(self, tr) -> None:
        cells = []
        for cell in tr.find_all(["td", "th"], recursive=False):
            if _is_dropped(cell):
                continue
            inner = _HtmlLines()
            inner.walk(cell)
            inner.flush()
            cells.append(" ".join(inner.lines))
        if any(cells):
            self.lines.append(TABLE_CELL_SEPARATOR.join(cells).strip())




def read_html(markup: str, name: str, *, encoding: str | None = None) -> Document:
    text = _html_text(markup, name)
    builder = DocumentBuilder("html", encoding)
    for line in text.split("\n"):
        builder.add("paragraph", line)
    return builder.build()
