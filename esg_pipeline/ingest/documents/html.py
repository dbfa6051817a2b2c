"""HTML reports: page chrome dropped; headings, paragraphs, list items and tables in reading order.

A `<table>` with figures becomes a `Table` grid: rowspan and colspan expanded first, header rows joined per
column, the leading text columns are labels, a 'Unit' column gives each row its unit. A table without
figures (a layout table) stays text: its cells become paragraphs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from esg_pipeline.ingest.documents.model import Cell, Document, DocumentBuilder, DocumentError, Row, Table
from esg_pipeline.ingest.documents.periods import period_year
from esg_pipeline.ingest.documents.table_cells import (
    breakdown_parent, build_columns, group_level, group_path, heads_breakdown, is_empty_value, is_number,
    is_unit_header, pair_blank_columns, split_label,
)

_DROPPED_TAGS = frozenset({"script", "style", "noscript", "nav", "aside", "form", "template", "head", "svg",
                           "iframe", "canvas", "object", "embed", "button", "select", "textarea", "dialog"})
_PAGE_CHROME = frozenset({"header", "footer"})
_CHROME_ROLES = frozenset({"banner", "contentinfo"})
_DROPPED_ROLES = frozenset({"navigation", "search", "menu", "menubar"})
_CONTENT_CONTAINERS = frozenset({"article", "main"})
_BLOCK_TAGS = frozenset({"address", "article", "blockquote", "body", "caption", "center", "dd", "details", "div",
                         "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
                         "hr", "html", "legend", "li", "main", "ol", "p", "section", "summary", "table", "tbody",
                         "td", "tfoot", "th", "thead", "ul", "header", "footer", "tr"})
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_INDENT_STYLE = re.compile(r"(?:padding|margin)-left\s*:\s*([\d.]+)\s*(px|em|rem|pt)?|text-indent\s*:\s*([\d.]+)", re.I)
# A short line right above a table that declares its unit: "(Unit: tonnes)", "Unit: RMB million".
_UNIT_LINE = re.compile(r"^\(?\s*units?\s*[:：]", re.I)
CAPTION_MAX_CHARS = 100
MAX_HEADER_ROWS = 4
_NOTE_SUP = re.compile(r"^(?:\d{1,2}|[a-z]|[*†‡#]+|\[\w{1,3}\]|\(\w{1,2}\))$")
_UNIT_BEFORE_SUP = re.compile(r"(?:\b(?:k?m|cm|ft|CO|tCO|N|SO|NO)|\d)$")


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


@dataclass
class _Item:
    kind: str  # "heading", "paragraph", "list_item", "table"
    text: str = ""
    level: int = 0
    table: Table | None = None


@dataclass
class _HtmlBlocks:
    """Collects visible content as blocks: one per block element; tables as grids."""

    items: list[_Item] = field(default_factory=list)
    _inline: list[str] = field(default_factory=list)
    _kind: list[tuple[str, int]] = field(default_factory=lambda: [("paragraph", 0)])

    def flush(self) -> None:
        text = " ".join("".join(self._inline).split())
        self._inline = []
        if text:
            kind, level = self._kind[-1]
            self.items.append(_Item(kind, text, level))

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
        elif name == "table":
            self.flush()
            self._table(tag)
        elif name == "pre":
            self.flush()
            for line in tag.get_text().split("\n"):
                self._inline.append(line)
                self.flush()
        elif name in _HEADINGS or name == "li":
            self.flush()
            self._kind.append(("heading", _HEADINGS[name]) if name in _HEADINGS else ("list_item", 0))
            self.walk(tag)
            self.flush()
            self._kind.pop()
        elif name in _BLOCK_TAGS:
            self.flush()
            self.walk(tag)
            self.flush()
        else:
            self.walk(tag)

    def _table(self, tag) -> None:
        table = _grid_table(tag)
        if table is None:  # a layout table: its cells are text
            self._kind.append(("paragraph", 0))
            self.walk(tag)
            self.flush()
            self._kind.pop()
            return
        # A short unit line right above the table belongs to it.
        if self.items and self.items[-1].kind == "paragraph" and len(self.items[-1].text) <= CAPTION_MAX_CHARS \
                and _UNIT_LINE.match(self.items[-1].text):
            unit_line = self.items.pop().text
            table.caption = f"{table.caption} {unit_line}".strip()
        self.items.append(_Item("table", table=table))


# --- tables -----------------------------------------------------------------------------


@dataclass
class _GridCell:
    text: str
    origin: bool  # the cell's top-left slot (a spanned value is read once, where it starts)
    header: bool  # <th>
    indent: int = 0
    notes: tuple[str, ...] = ()


def _own_rows(table) -> list:
    """The table's own rows (not those of tables nested in its cells)."""
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table and not _is_dropped(tr)]


def _cell_text(cell) -> tuple[str, tuple[str, ...]]:
    """A cell's visible text on one line; footnote markers in a trailing <sup> come back as notes."""
    notes: list[str] = []
    sups = [s for s in cell.find_all("sup")]
    last = sups[-1] if sups else None
    if last is not None and _NOTE_SUP.match(last.get_text().strip()):
        after = "".join(s for s in last.find_all_next(string=True) if cell in s.parents)
        before = "".join(s for s in last.find_all_previous(string=True) if cell in s.parents)
        if not after.strip() and not _UNIT_BEFORE_SUP.search(before.rstrip()):
            notes.append(last.get_text().strip())
            last = last.extract()
    inner = _HtmlBlocks()
    inner.walk(cell)
    inner.flush()
    text = " ".join(item.text for item in inner.items if item.text)
    if last is not None and notes:
        cell.append(last)  # leave the tree as it was
    return " ".join(text.split()), tuple(notes)


def _indent(cell) -> int:
    raw = cell.get_text()
    lead = len(raw) - len(raw.lstrip(" \u00a0\u3000\t"))
    level = lead // 2
    for m in _INDENT_STYLE.finditer(cell.get("style") or ""):
        amount = float(m.group(1) or m.group(3) or 0)
        if amount > 0:
            level += 1
    return level


def _expand(rows) -> tuple[list[list[_GridCell | None]], list[list[str]]]:
    """The full grid with rowspan/colspan expanded, and each row's cells as printed."""
    grid: dict[tuple[int, int], _GridCell] = {}
    printed: list[list[str]] = []
    width = 0
    for r, tr in enumerate(rows):
        c = 0
        row_printed = []
        for td in tr.find_all(["td", "th"], recursive=False):
            if _is_dropped(td):
                continue
            while (r, c) in grid:
                c += 1
            text, notes = _cell_text(td)
            row_printed.append(text)
            rowspan = _span(td.get("rowspan"), len(rows) - r)
            colspan = _span(td.get("colspan"), 200)
            for dr in range(rowspan):
                for dc in range(colspan):
                    grid[(r + dr, c + dc)] = _GridCell(text, dr == 0 and dc == 0, td.name == "th",
                                                       _indent(td), notes)
            c += colspan
            width = max(width, c)
        printed.append(row_printed)
    return [[grid.get((r, c)) for c in range(width)] for r in range(len(rows))], printed


def _span(value, limit: int) -> int:
    try:
        return max(1, min(int(str(value).strip()), limit))
    except (TypeError, ValueError):
        return 1


def _spanned_periods(head: list[list], width: int) -> dict[tuple[int, int], str]:
    """A period printed over sub-columns without a colspan ('2024 | (blank)' over 'Number | %'): the blank
    header cells right of a period, over sub-header cells, take the period. (row, column) -> period text."""
    out: dict[tuple[int, int], str] = {}
    if len(head) < 2:
        return out
    below = head[-1]
    for r, row in enumerate(head[:-1]):
        carried = None
        for c in range(width):
            cell = row[c]
            if cell is not None and cell.text:
                carried = cell.text if period_year(cell.text) is not None else None
            elif carried is not None and below[c] is not None and below[c].text:
                out[(r, c)] = carried
            else:
                carried = None
    return out


def _is_value(cell: _GridCell | None) -> bool:
    from esg_pipeline.ingest.documents.periods import period_year

    return cell is not None and is_number(cell.text) and period_year(cell.text) is None


def _grid_table(tag) -> Table | None:
    rows = _own_rows(tag)
    if not rows or any(td.find("table") for tr in rows for td in tr.find_all(["td", "th"], recursive=False)):
        return None
    grid, printed = _expand(rows)
    if not grid or not grid[0]:
        return None
    width = len(grid[0])
    # Header rows: <thead>, else leading all-<th> rows, else leading rows without figures (years are no figures).
    in_thead = [tr.find_parent("thead") is not None for tr in rows]
    if any(in_thead):
        n_head = next((i for i, h in enumerate(in_thead) if not h), len(rows))
    else:
        n_head = 0
        for grid_row in grid[:MAX_HEADER_ROWS]:
            cells = [c for c in grid_row if c is not None and c.text]
            rest = [c for c in grid_row[1:] if c is not None and c.text]
            if cells and (all(c.header for c in cells) or rest and not any(_is_value(c) for c in rest)):
                n_head += 1
            else:
                break
    body = grid[n_head:]
    if not any(_is_value(c) for row in body for c in row[1:]):
        return None  # no figures: a layout table
    spanned = _spanned_periods(grid[:n_head], width)
    headers = []
    for c in range(width):
        parts: list[str] = []
        for r, row in enumerate(grid[:n_head]):
            cell = row[c]
            text = cell.text if cell is not None and cell.text else spanned.get((r, c), "")
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        headers.append(" ".join(parts))
    unit_cols = [c for c in range(width) if is_unit_header(headers[c])]
    unit_col = unit_cols[0] if unit_cols else None
    # Label columns: the leading columns holding text, not figures, under a header without a period.
    n_labels = 0
    for c in range(width):
        if c == unit_col or build_columns([headers[c]])[0].year is not None:
            break
        cells = [row[c] for row in body if row[c] is not None and row[c].text]
        if cells and sum(_is_value(x) for x in cells) * 2 >= len(cells):
            break
        n_labels += 1
    value_cols = [c for c in range(n_labels, width) if c != unit_col]
    columns = pair_blank_columns(build_columns([headers[c] for c in value_cols]))
    table = Table(columns=columns, header_rows=[p for p in printed[:n_head] if any(p)],
                  unit_header=headers[unit_col] if unit_col is not None else None, source="html-table")
    caption = tag.find("caption")
    if caption is not None and not _is_dropped(caption):
        table.caption = " ".join(caption.get_text(" ").split())
    groups: list[tuple[int, str]] = []  # (level, label) of the group rows above
    nested = any(row[n_labels - 1] is not None and (row[n_labels - 1].indent or group_level(row[n_labels - 1].text))
                 for row in body) if n_labels else False
    drafts: list[tuple] = []  # per body row: (label, notes, outer labels, level, unit, cells)
    for row in body:
        label_cells = [row[c] for c in range(n_labels) if row[c] is not None and row[c].text]
        outer = []
        for cell in label_cells[:-1]:
            if cell.text not in outer:
                outer.append(split_label(cell.text)[0])
        last = label_cells[-1] if label_cells else None
        label, notes = split_label(last.text) if last else ("", ())
        notes = (*(last.notes if last else ()), *notes)
        level = (last.indent if last else 0) + group_level(last.text if last else "")
        if last is not None and all(c is not None and c.text == last.text for c in row) and len(row) > 1:
            level = -1  # a section row spanning the whole table heads every row under it, indented or not
        cells = [Cell(text=row[c].text, col=i) for i, c in enumerate(value_cols)
                 if row[c] is not None and row[c].origin and not is_empty_value(row[c].text)]
        unit_cell = row[unit_col] if unit_col is not None else None
        if unit_cell is not None and not unit_cell.origin and last is not None and unit_cell.text == last.text:
            unit_cell = None  # a section row spanning every column ('<td colspan=5>GHG emissions</td>')
        unit = unit_cell.text if unit_cell is not None else None
        drafts.append((label, notes, outer, level, unit, cells))
    kinds = [(d[0], bool(d[5])) for d in drafts]
    split: list[str] = []  # the breakdowns of the row the open breakdown splits ('By gender', 'By age group')
    breakdown = 0  # how many of `groups` a flat table's breakdown row opened (the row it splits, and itself)
    for k, (label, notes, outer, level, unit, cells) in enumerate(drafts):
        if not cells:
            if label and not unit:
                open_parent = groups[-2][1] if breakdown and len(groups) > 1 else None
                while groups and groups[-1][0] >= level:
                    groups.pop()
                parent = None if nested else breakdown_parent(kinds, k, open_parent)
                if parent is not None:
                    groups.append((level, parent))
                groups.append((level, label))
                breakdown = 2 if parent is not None else 0
                split = split + [label] if parent is not None and parent == open_parent else [label]
            continue
        if breakdown and heads_breakdown(kinds, k, split):
            del groups[-breakdown:]  # a figure row with its own 'By gender' below ends the breakdown above
            breakdown = 0
        path = tuple(outer) + group_path(groups, level, nested)
        table.rows.append(Row(label=label, path=path, unit=unit or None, notes=notes, cells=cells))
        if nested and label:  # indented rows under a row with figures break it down ('Employees' / '  Women')
            groups.append((level, label))
    if not table.rows:
        return None
    return table


# The walk recurses once per element level; real pages nest a few dozen deep. Deeper markup is refused
# with one line instead of a RecursionError (Python's limit of 1,000 frames gives out near 490 levels).
MAX_HTML_DEPTH = 256


def _depth(soup) -> int:
    depths = {id(soup): 0}
    deepest = 0
    for element in soup.descendants:  # bs4 walks descendants without recursion
        depth = depths[id(element.parent)] + 1
        if getattr(element, "contents", None):
            depths[id(element)] = depth
        deepest = max(deepest, depth)
    return deepest


def _html_items(markup: str, name: str) -> list[_Item]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "lxml")
    depth = _depth(soup)
    if depth > MAX_HTML_DEPTH:
        raise DocumentError(f"{name}: HTML nested {depth} levels deep, more than the limit of {MAX_HTML_DEPTH}")
    blocks = _HtmlBlocks()
    blocks.walk(soup)
    blocks.flush()
    if not blocks.items:
        raise DocumentError(f"{name}: HTML with no text")
    return blocks.items


def read_html(markup: str, name: str, *, encoding: str | None = None) -> Document:
    builder = DocumentBuilder("html", encoding)
    for item in _html_items(markup, name):
        if item.table is not None:
            builder.add_table(item.table)
        else:
            builder.add(item.kind, item.text, level=item.level)
    return builder.build()
