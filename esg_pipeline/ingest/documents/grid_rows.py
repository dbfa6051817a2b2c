"""A table's rows: figures in the value bands, the label and unit beside them, wrapped label lines
above or below, group rows, and the row-label path from indentation and breakdown groups."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from esg_pipeline.ingest.documents.grid_header import _band_of, _in_table, _Layout
from esg_pipeline.ingest.documents.grid_lines import (
    LABEL_GAP_HEIGHTS, MIN_PERIODS, PHRASE_GAP_HEIGHTS, UNIT_REACH_HEIGHTS, WRAP_GAP_HEIGHTS, _Line, _text, clean_label,
    is_empty_cell, is_number,
)
from esg_pipeline.ingest.documents.model import Cell, Row


@dataclass
class _RowDraft:
    line: int
    label_ids: list[int]
    unit_ids: list[int]
    cells: dict[int, int]  # column -> word id
    extra_label: list[list[int]] = field(default_factory=list)
    extra_unit: list[list[int]] = field(default_factory=list)
    above: list[list[int]] = field(default_factory=list)
    kind: str = "value"  # "value" or "group"
    indent: float = 0.0
    empty_ids: list[int] = field(default_factory=list)
    qualifier_ids: list[int] = field(default_factory=list)  # the second text column's words (scope, coverage)


def _split_line(words, line: _Line, layout: _Layout, height: float) -> _RowDraft:
    cells: dict[int, int] = {}
    rest: list[int] = []
    unit_ids: list[int] = []
    others: list[int] = []
    empty: list[int] = []  # '-' and 'n/a' cells: part of the table, no value
    for i in line.ids:
        w = words[i]
        if not _in_table(w, layout) or i in layout.header_ids:
            continue
        band = _band_of(w, layout)
        if band is not None and (is_number(w.text) or is_empty_cell(w.text)):
            if is_empty_cell(w.text):
                empty.append(i)
            if is_number(w.text):
                held = cells.get(band)
                centre = (layout.bands[band].x0 + layout.bands[band].x1) / 2
                if held is None or abs(w.xc - centre) < abs(words[held].xc - centre):
                    cells[band] = i  # two numbers in one band: the one under the header
            continue
        others.append(i)
    # the label ends where the row's first value (or, without values, the first column's header) begins
    values_from = min([words[i].x0 for i in cells.values()] + [layout.first_header_x0])
    qualifier: list[int] = []
    for i in others:
        w = words[i]
        if layout.unit_band and layout.unit_band[0] <= w.x0 < layout.unit_band[1]:
            unit_ids.append(i)
        elif w.x1 <= values_from + 1 and (layout.label_limit is None or w.x0 < layout.label_limit):
            rest.append(i)
        elif w.x1 <= values_from + 1:
            qualifier.append(i)
    if layout.unit_header is not None and rest:
        rest, unit_ids = _unit_phrase(words, rest, unit_ids, layout.unit_header, height)
    label = _label_run(words, rest, height)
    indent = words[label[0]].x0 if label else 0.0
    return _RowDraft(line=0, label_ids=label, unit_ids=unit_ids, cells=cells, indent=indent, empty_ids=empty,
                     qualifier_ids=qualifier)


def _unit_phrase(words, rest: list[int], unit_ids: list[int], header: tuple[float, float],
                 height: float) -> tuple[list[int], list[int]]:
    """A unit cell that starts left of its centred 'Unit' header: the last phrase before the values
    (set off by a wide gap) that reaches under the header, alone or with the unit words in the unit
    column it runs on into ('kl' before '/ Rupee')."""
    phrases: list[list[int]] = [[rest[0]]]
    for a, b in zip(rest, rest[1:]):
        if words[b].x0 - words[a].x1 > PHRASE_GAP_HEIGHTS * height:
            phrases.append([])
        phrases[-1].append(b)
    last = phrases[-1]
    end = words[last[-1]].x1
    if unit_ids and min(words[i].x0 for i in unit_ids) - end <= PHRASE_GAP_HEIGHTS * height:
        end = max(words[i].x1 for i in unit_ids)  # a unit cell wider than its header, centred under it
    under = end > header[0] and words[last[0]].x0 < header[1]
    if under and (len(phrases) > 1 or words[last[0]].x0 >= header[0] - UNIT_REACH_HEIGHTS * height):
        return [i for p in phrases[:-1] for i in p], sorted(last + unit_ids, key=lambda i: words[i].x0)
    return rest, unit_ids


def _label_run(words, ids: list[int], height: float) -> list[int]:
    """The words next to the columns, back to the first wide gap (a text column beside the table)."""
    if not ids:
        return []
    while len(ids) > 1 and is_number(words[ids[-1]].text) and is_number(words[ids[-2]].text):
        ids = ids[:-2]  # a run of figures left of the columns is another table's values, not a label
    if not ids:
        return []
    run = [ids[-1]]
    for i in reversed(ids[:-1]):
        if words[run[0]].x0 - words[i].x1 > LABEL_GAP_HEIGHTS * height or (
                is_number(words[i].text) and is_number(words[run[0]].text)):
            break
        run.insert(0, i)
    return run


def _attach_text_lines(words, lines, drafts: list[_RowDraft], height: float) -> list[_RowDraft]:
    """Lines without values: wrapped labels of the row above or below, or group rows."""
    out: list[_RowDraft] = []
    pending: list[_RowDraft] = []  # text lines waiting for the value row below them
    for k, d in enumerate(drafts):
        if d.cells or len(d.empty_ids) >= MIN_PERIODS:  # a row of '-' or 'N/A' cells is a row, not a heading
            for p in pending:
                if (not d.label_ids or p is pending[-1] and (_centred_wrap(words, p, d) or _open_end(words, p))) and \
                        _close(lines, p.line, d.line, height):
                    d.above.append(p.label_ids)
                    if p.unit_ids:
                        d.extra_unit.insert(0, p.unit_ids)
                else:
                    out.append(_as_group(p))
            pending = []
            out.append(d)
            continue
        prev = out[-1] if out and out[-1].kind == "value" else None
        nxt = next((n for n in drafts[k + 1:] if n.cells), None)
        if not d.label_ids and d.unit_ids and prev is not None and prev.unit_ids and nxt is not None and \
                not nxt.unit_ids and _close(lines, d.line, nxt.line, height):
            # a unit cell wrapped around the figures of the row below ('kl / MT of' over the figures, 'Product'
            # under them) when the row above has its own unit: the line starts the unit of the row below
            nxt.extra_unit.insert(0, d.unit_ids)
            continue
        if prev is not None and _close(lines, prev.line, d.line, height) and _continues(words, prev, d, nxt, lines, height):
            prev.extra_label.append(d.label_ids)
            if d.unit_ids:
                prev.extra_unit.append(d.unit_ids)
            prev.line = d.line  # a further wrapped line continues from here
            continue
        if not d.label_ids:
            if pending and d.unit_ids and _close(lines, pending[-1].line, d.line, height):
                pending[-1].unit_ids = pending[-1].unit_ids + d.unit_ids  # the unit of the label waiting above
                pending[-1].line = d.line  # the cells reach down to here
            elif prev is not None and d.unit_ids:
                prev.extra_unit.append(d.unit_ids)
            continue
        if pending and _close(lines, pending[-1].line, d.line, height) and _wraps(words, pending[-1], d):
            pending[-1].label_ids = pending[-1].label_ids + d.label_ids  # a group label over two lines
            pending[-1].unit_ids = pending[-1].unit_ids + d.unit_ids  # and its unit cell beside them
            pending[-1].line = d.line
            continue
        pending.append(d)
    out.extend(_as_group(p) for p in pending)
    return out


def _wraps(words, upper: _RowDraft, lower: _RowDraft) -> bool:
    """The lower text line finishes the upper one: it starts in lower case, or the upper one ends on a
    word that cannot end a label ('of', '/', 'and', an open bracket)."""
    last, first = words[upper.label_ids[-1]].text, words[lower.label_ids[0]].text
    text = _text(words, upper.label_ids)
    return first[:1].islower() or last.lower() in WRAPPING_WORDS or last.endswith(("/", "(", ",", "-")) or \
        text.count("(") > text.count(")")


def _centred_wrap(words, upper: _RowDraft, lower: _RowDraft) -> bool:
    """A label centred in its cell and wrapped so that its last line sits beside the figures: the lower
    line starts in lower case and shares the upper line's centre ('Ratio of sites audited on water' over
    'management', the figures on the second line)."""
    first = words[lower.label_ids[0]].text
    if not first[:1].islower() or BREAKDOWN_RE.match(first):
        return False
    (a0, a1), (b0, b1) = _span(words, upper.label_ids), _span(words, lower.label_ids)
    return abs((a0 + a1) - (b0 + b1)) / 2 <= INDENT_TOLERANCE and b0 - a0 > INDENT_TOLERANCE


def _open_end(words, upper: _RowDraft) -> bool:
    """A text line that cannot end a label: it ends on 'of', '/', 'and' or with a bracket still open."""
    last = words[upper.label_ids[-1]].text
    text = _text(words, upper.label_ids)
    return last.lower() in WRAPPING_WORDS or last.endswith(("/", "(", ",", "-")) or text.count("(") > text.count(")")


def _span(words, ids: list[int]) -> tuple[float, float]:
    return words[ids[0]].x0, words[ids[-1]].x1


WRAPPING_WORDS = frozenset({"of", "and", "or", "per", "the", "in", "for", "to", "by", "from", "with", "&"})


def _close(lines, a: int, b: int, height: float) -> bool:
    upper, lower = (lines[a], lines[b]) if lines[a].top <= lines[b].top else (lines[b], lines[a])
    return lower.top - upper.bottom <= WRAP_GAP_HEIGHTS * height


def _continues(words, prev: _RowDraft, d: _RowDraft, nxt: _RowDraft | None, lines, height) -> bool:
    """A text line right below a row continues it: lower-case or bracket start, or the row had no label
    of its own (its label was wrapped around the values), unless it rather heads the unlabelled row below."""
    if not d.label_ids:
        return bool(d.unit_ids)
    first = words[d.label_ids[0]].text
    above = _text(words, prev.above[-1] if prev.above else [])
    own_text = f"{above} {_text(words, prev.label_ids)} {' '.join(_text(words, e) for e in prev.extra_label)}"
    line_text = _text(words, d.label_ids)
    if own_text.count("(") > own_text.count(")") and line_text.count(")") > line_text.count("("):
        return True  # the row's label has an open bracket and this line closes it
    if _is_unit_line(_text(words, d.label_ids)):
        # a unit alone on its line: under its row's label it ends that label ('(MWh/$M)'); further
        # left it heads the rows below with their unit ('(mtCO2e)' before a second block of rows)
        own = prev.label_ids or (prev.above[-1] if prev.above else [])
        return bool(own) and words[d.label_ids[0]].x0 >= words[own[0]].x0 - INDENT_TOLERANCE
    if nxt is not None and not nxt.label_ids and _close(lines, d.line, nxt.line, height) and \
            lines[nxt.line].top - lines[d.line].bottom < lines[d.line].top - lines[prev.line].bottom:
        return False
    if first[:1].islower() or first[:1] in "([&/-–":
        return True
    own = prev.label_ids or (prev.above[-1] if prev.above else [])
    if own and words[own[-1]].text.endswith(("(", ",", "/", "-", "–", "and", "of", "per")):
        return True
    return not prev.label_ids and len(prev.above) <= 1 and not prev.extra_label


def _is_unit_line(text: str) -> bool:
    from esg_pipeline.extract.unit_parse import parse_unit  # the unit vocabulary lives with the extractor

    text = text.strip()
    return text.startswith("(") and text.endswith(")") and len(text) <= 30 and parse_unit(text) is not None


def _as_group(d: _RowDraft) -> _RowDraft:
    d.kind = "group"
    return d


@dataclass
class _Level:
    """An open row on the path stack: its indent, label, kind, boldness, and how its first child looked."""

    indent: float
    label: str
    kind: str
    bold: bool = False
    child_indent: float | None = None
    child_bold: bool = False


# Indents within this many points are the same level.
INDENT_TOLERANCE = 2.0


# A group row that names a breakdown ('By gender', 'Of which') splits the row above it at the same indent.
BREAKDOWN_RE = re.compile(r"^(?:by|of\s+which|breakdown\s+by|split\s+by|including)\b", re.I)


def _ends(stack: list[_Level], indent: float, kind: str, label: str, bold: bool) -> bool:
    """Whether the top of the path stack ends before a new row at `indent`."""
    tol = INDENT_TOLERANCE
    top = stack[-1]
    if top.indent > indent + tol:
        return True
    if top.indent < indent - tol:
        return False
    if kind == "group":  # a breakdown ('By age') splits the nearest total row above it at its own indent
        if top.kind == "value" and BREAKDOWN_RE.match(label):
            parent = stack[-2] if len(stack) > 1 else None
            return not (top.bold or parent is None or parent.indent < indent - tol)
        return True
    if top.kind == "value":
        return True
    # a group keeps same-indent rows below it when its first row sat at its own indent, until a row set
    # like a heading (bold where the group's rows are not) starts a new section
    if top.child_indent is None:
        return False  # the group's first row
    return top.child_indent > indent + tol or (bold and not top.child_bold)


# Labels centred in their cells: this share of the rows have a label whose centre it shares with
# another row's label, and the left edges differ within such a centre (else they are left-aligned).
CENTRED_SHARE = 0.8
MIN_CENTRED_ROWS = 4
# ... and their left edges take at least this many positions per shared centre.
CENTRED_LEFTS_PER_CENTRE = 2
# The indent given to each level of centred cells (more than INDENT_TOLERANCE apart).
CENTRED_LEVEL_STEP = 10.0
# A cell centred within this share of the label column's width of its middle spans the column.
CENTRED_COLUMN_SLACK = 0.15


def _centred_levels(words, drafts: list[_RowDraft]) -> dict[int, float]:
    """Row labels centred in their cells (a data book's merged cells) have no indent to read: a short label
    starts further right than a long one at the same level. There the cells are the levels: the labels of
    one cell share a centre. A cell centred on the label column spans it (an item without breakdown, the
    outer level); a cell centred left of that starts at the column's left edge (a merged group cell, 'By
    region'); one centred right of it ends at the column's right edge (the rows of that group, innermost).
    Returns each row's indent, or nothing when the labels are not centred."""
    spans: dict[int, tuple[float, float]] = {}
    for k, d in enumerate(drafts):
        parts = [ids for ids in [*d.above, d.label_ids, *d.extra_label] if ids]
        if parts:
            spans[k] = max((_span(words, ids) for ids in parts), key=lambda s: s[1] - s[0])
    if len(spans) < MIN_CENTRED_ROWS:
        return {}
    cells: list[list[int]] = []
    for k in sorted(spans, key=lambda k: sum(spans[k])):
        if cells and (sum(spans[k]) - sum(spans[cells[-1][-1]])) / 2 <= INDENT_TOLERANCE:
            cells[-1].append(k)
        else:
            cells.append([k])
    shared = [c for c in cells if len(c) > 1]
    scattered = [c for c in shared if max(spans[k][0] for k in c) - min(spans[k][0] for k in c) > INDENT_TOLERANCE]
    if sum(map(len, shared)) < CENTRED_SHARE * len(spans) or 2 * sum(map(len, scattered)) < len(spans):
        return {}
    lefts = sorted(s[0] for s in spans.values())
    if 1 + sum(1 for a, b in zip(lefts, lefts[1:]) if b - a > INDENT_TOLERANCE) < CENTRED_LEFTS_PER_CENTRE * len(cells):
        return {}  # a few indents and labels centred on a few points by chance: a left-aligned table
    left, right = lefts[0], max(s[1] for s in spans.values())
    middle, slack = (left + right) / 2, CENTRED_COLUMN_SLACK * (right - left)
    levels: dict[int, float] = {}
    for c in cells:
        centre = sum(spans[c[0]]) / 2
        depth = 0 if abs(centre - middle) <= slack else 1 if centre < middle else 2
        levels.update((k, depth * CENTRED_LEVEL_STEP) for k in c)
    return levels


def _centred_groups_first(drafts: list[_RowDraft], levels: dict[int, float], lines) -> list[int]:
    """The order to read rows in when group cells are centred on the rows they span: a group label printed
    halfway down its rows ('Male', then 'By gender', then 'Female') heads the rows above it that are deeper
    than it, back to a row at its level or above; between two group labels a row goes with the nearer one.
    Group labels are taken as centred on their rows only when the first one has deeper rows right above it
    (a group label set at the top of its cell comes right after the row before the group)."""
    order = list(range(len(drafts)))
    first = next((g for g, d in enumerate(drafts) if d.kind == "group" and g in levels), None)
    if first is None or first == 0 or levels.get(first - 1, -1.0) <= levels[first]:
        return order
    for g, d in enumerate(drafts):
        if d.kind != "group" or g not in levels:
            continue
        at = order.index(g)
        start = at
        while start > 0 and levels.get(order[start - 1], -1.0) > levels[g]:
            start -= 1
        above = order[start - 1] if start > 0 else None
        if above is not None and drafts[above].kind == "group" and levels.get(above) == levels[g]:
            top, mid = lines[drafts[above].line].top, lines[d.line].top
            while start < at and lines[drafts[order[start]].line].top - top < mid - lines[drafts[order[start]].line].top:
                start += 1  # nearer the group label above: its row
        order[start:at + 1] = [g, *order[start:at]]
    return order


def _rows_with_paths(words, lines, drafts: list[_RowDraft], layout: _Layout, page: int | None) -> list[Row]:
    rows: list[Row] = []
    stack: list[_Level] = []
    centred = _centred_levels(words, drafts)
    order = _centred_groups_first(drafts, centred, lines) if centred else range(len(drafts))
    item, item_indent = "", 0.0  # the last value row's own label: a merged item cell over the rows below it
    for k in order:
        d = drafts[k]
        label_ids = [i for ids in d.above for i in ids] + d.label_ids + [i for ids in d.extra_label for i in ids]
        cleaned = [clean_label(_text(words, ids)) for ids in [*d.above, d.label_ids, *d.extra_label] if ids]
        label = " ".join(c[0] for c in cleaned if c[0])
        notes = tuple(n for c in cleaned for n in c[1])
        if d.kind == "value" and d.qualifier_ids:
            # item-and-coverage rows ('Scope 1 emissions | Japan', then ' | Overseas'): the second text column
            # qualifies the item; a row with no item of its own sits under the item cell merged over it
            qualifier, more = clean_label(_text(words, d.qualifier_ids))
            own = label
            label = f"{label or item} {qualifier}".strip()
            notes = notes + tuple(more)
            if own:
                item, item_indent = own, words[label_ids[0]].x0
            else:
                d.indent = item_indent  # at the merged item cell's indent, not the qualifier's
        elif d.kind == "value":
            item, item_indent = label, (words[label_ids[0]].x0 if label_ids else d.indent)
        indent = centred[k] if k in centred else words[label_ids[0]].x0 if label_ids else d.indent
        if _text(words, label_ids[:1]).startswith(("...", "…")):
            indent += 10.0  # '...natural gas' is a part of the row above it
        bold = bool(label_ids) and all(words[i].bold for i in label_ids)
        while stack and _ends(stack, indent, d.kind, label, bold):
            stack.pop()
        if stack and stack[-1].child_indent is None:
            stack[-1].child_indent, stack[-1].child_bold = indent, bold
        path = tuple(level.label for level in stack)
        if d.kind == "group":
            if label:  # a group row keeps its text in the table (a row without cells) and heads the rows below
                rows.append(Row(label=label, path=path, notes=notes, page=page))
                stack.append(_Level(indent, label, "group", bold))
            continue
        unit_ids = [i for ids in d.extra_unit[:1] if d.above for i in ids] + d.unit_ids + \
                   [i for ids in (d.extra_unit[1:] if d.above else d.extra_unit) for i in ids]
        unit = _text(words, unit_ids) or None
        own_unit = _text(words, d.unit_ids)
        if own_unit.rstrip().endswith(("/", " per")) and (d.extra_label or d.extra_unit):
            # a unit wrapped onto the next lines ('tonnes of CO2-e/' then 'm3 of production volume'):
            # the continuation lines finish the unit, not the label
            wrapped = sorted((i for ids in (*d.extra_label, *d.extra_unit) for i in ids),
                             key=lambda i: (round(words[i].top), words[i].x0))
            unit = f"{own_unit} {_text(words, wrapped)}"
            label = " ".join(c[0] for c in (clean_label(_text(words, ids)) for ids in [*d.above, d.label_ids] if ids)
                             if c[0])
        cells = [Cell(text=words[i].text, col=k, page=page,
                      box=(words[i].x0, words[i].top, words[i].x1, words[i].bottom))
                 for k, i in sorted(d.cells.items())]
        rows.append(Row(label=label, path=path, unit=unit, notes=notes, cells=cells, page=page))
        stack.append(_Level(indent, label, "value", bold))
    return rows
