"""The speed-ups must not change what is read: stems of a span of the text lower-cased once equal the stems of
the span lower-cased on its own, and a text whose lower-casing changes its length ("İ") gives the same figures
as the same text without that character."""
from __future__ import annotations

import random
from pathlib import Path

from esg_pipeline.extract import extract_metrics
from esg_pipeline.extract.classify import classifier

REPO = Path(__file__).resolve().parents[2]
TEXT = ("Hazardous waste came to 1,250 tonnes; non-hazardous waste fell to 300 tonnes.\n"
        "Anti-corruption training reached 96% of staff, and money laundering cases were zero.\n"
        "\u212aelvin-sign and Energy Consumption: 4,100 MWh of electricity; 52 employees volunteered.\n")


def test_span_stems_equal_slice_stems():
    cls = classifier()
    texts = [TEXT] + [p.read_text(encoding="utf-8") for p in sorted((REPO / "data" / "reports").glob("*/*.txt"))[:3]]
    rng = random.Random(3)
    for text in texts:
        lowered = text.lower()
        assert len(lowered) == len(text)
        for _ in range(300):  # spans cut anywhere, mid-word too
            s = rng.randrange(len(text))
            e = min(len(text), s + rng.randrange(1, 400))
            assert cls.stems_in_span(lowered, s, e) == cls.stems_in(text[s:e])


def test_length_changing_lowercase_falls_back():
    prefix = "Report\n"
    plain = extract_metrics(prefix + TEXT, doc="d", year=2023)
    dotted = extract_metrics(prefix.replace("R", "\u0130") + TEXT, doc="d", year=2023)  # "İ".lower() is 2 chars
    assert plain and [(m.value, m.unit, m.indicator, m.quote) for m in plain] == \
        [(m.value, m.unit, m.indicator, m.quote.replace("\u0130", "R")) for m in dotted]


def test_span_index_equals_span_tokenisation():
    """The document-wide index of stem-bearing tokens gives each span the stems its own tokenisation gives,
    wherever the span starts and ends (cut inside a word, a multi-word stem across its end, hyphens, quotes)."""
    cls = classifier()
    texts = [TEXT, "money laundering and anti-money-laundering; money\nlaundering, 'anti corruption ’- x-ray "
                   "non-hazardous-waste air  emissions"]
    texts += [p.read_text(encoding="utf-8") for p in sorted((REPO / "data" / "reports").glob("*/*.txt"))[:3]]
    rng = random.Random(5)
    for text in texts:
        lowered = text.lower()
        index = cls.span_index(lowered)
        for _ in range(400):
            s = rng.randrange(len(text) + 1)
            e = min(len(text), s + rng.randrange(0, 400))
            assert index.stems(s, e) == cls.stems_in_span(lowered, s, e), text[s:e]


def test_anchor_runs_equal_anchor_scan():
    """Anchors found from digit runs and number-word spellings are exactly ANCHOR_RE's matches."""
    from esg_pipeline.extract.extractor import ANCHOR_RE, anchor_runs

    pieces = ["one", "One", "ONE", "a", "A", "hundred", "thousand", "dozen", "5", "12", "1,000", "three", "Thirty-five",
              "tens", "million", "money", "often", "one contractor", "a hundred", "zero", "ninety", "x", "\u212a", "\u00a0"]
    rng = random.Random(6)
    texts = [TEXT] + [" ".join(rng.choice(pieces) + rng.choice(["", " ", "-", "\n"]) for _ in range(rng.randint(1, 12)))
                      for _ in range(3000)]
    for text in texts:
        runs = anchor_runs(text, text.lower())
        assert [p for s, e in runs for p in range(s, e)] == [m.start() for m in ANCHOR_RE.finditer(text)], text
