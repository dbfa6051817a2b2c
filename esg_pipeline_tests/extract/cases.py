"""The vocabulary of the extraction case tables (test_number_formats, test_traps, test_units, test_counts,
test_scope, test_periods, test_kpi, test_text_tables): how a case reads its text, picks a figure and states
what must hold of it. Every table row starts with a short rule name, which is also the test id.

Row shapes, one runner each:
- FOUND   (rule, text, given, pick, want): the first figure that matches `pick` exists and matches `want`;
- EXACTLY (rule, text, given, fields, expected): the figures' `fields`, in text order, are exactly `expected`;
- ABSENT  (rule, text, given, pick): no figure matches `pick` (a dict, or a list of dicts: none of them).

`given` holds the keyword arguments of extract_metrics (the catalog year, an entity, page starts). A pick or
want is a dict of Metric attributes; a key may end in `__has` (the value is in the attribute), `__in` (the
attribute is one of the values), `__lacks` (the value is not in the attribute), `__startswith` or `__endswith`."""
from __future__ import annotations

from esg_pipeline.extract import extract_document, extract_metrics
from esg_pipeline.ingest.documents import read_document_bytes

Y23 = {"year": 2023}  # read as a report whose catalog year is 2023


def read(text: str, given: dict | None = None):
    return extract_metrics(text, doc="t.txt", **(given or {}))


def read_page(text: str):
    """A page read end to end, as `esg-pipeline extract` reads a text file: document grids, then the extractor."""
    return extract_document(read_document_bytes(text.encode(), "txt", name="page.txt"), doc="page.txt")


def check_page_figure(rule, text, pick, want):
    """The first figure of the page read end to end that matches `pick` exists and matches `want`."""
    figures = read_page(text)
    hits = [m for m in figures if holds(m, pick)]
    assert hits, (rule, [(m.raw, m.value, m.unit, m.year) for m in figures])
    assert holds(hits[0], want), (rule, {k: getattr(hits[0], k.partition("__")[0]) for k in want})


def holds(metric, attrs: dict) -> bool:
    for key, expected in attrs.items():
        name, _, test = key.partition("__")
        got = getattr(metric, name)
        if test == "":
            ok = got == expected
        elif test == "has":
            ok = expected in got
        elif test == "in":
            ok = got in expected
        elif test == "lacks":
            ok = expected not in got
        elif test == "startswith":
            ok = got.startswith(expected)
        elif test == "endswith":
            ok = got.endswith(expected)
        else:
            raise ValueError(f"unknown test {key!r}")
        if not ok:
            return False
    return True


def shown(metrics) -> list[tuple]:
    return [(m.raw, m.value, m.unit, m.qualifier, m.hkex_kpi, m.subject) for m in metrics]


def ids(table) -> list[str]:
    return [row[0] for row in table]


def check_found(rule, text, given, pick, want):
    metrics = read(text, given)
    hits = [m for m in metrics if holds(m, pick)]
    assert hits, (rule, shown(metrics))
    assert holds(hits[0], want), (rule, want, shown(hits[:1]), hits[0].indicator, hits[0].year_source, hits[0].flags)


def fields_of(metric, fields):
    return getattr(metric, fields) if isinstance(fields, str) else tuple(getattr(metric, f) for f in fields)


def check_exactly(rule, text, given, fields, expected):
    metrics = read(text, given)
    assert [fields_of(m, fields) for m in metrics] == expected, (rule, shown(metrics))


def check_absent(rule, text, given, pick):
    metrics = read(text, given)
    picks = pick if isinstance(pick, list) else [pick]
    assert not [m for m in metrics if any(holds(m, p) for p in picks)], (rule, shown(metrics))
