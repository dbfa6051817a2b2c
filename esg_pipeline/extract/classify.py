"""Map a metric to a taxonomy indicator by keyword evidence, weighted by how close the evidence is."""
from __future__ import annotations

import re
from dataclasses import dataclass

from esg_pipeline.taxonomy import Indicator, fallback_id, load_taxonomy

# Evidence weight by where a keyword stem occurs. The counted noun says most about what is counted.
# "section" is the headings above the nearest one: sub-headings like "Education" sit under "Community Investment".
ZONE_WEIGHTS = {"subject": 4.0, "sentence": 2.0, "paragraph": 1.0, "heading": 1.5, "section": 1.0, "nearby": 0.5}
VERB_WEIGHT = 12.0
# Distinct stems counted per context zone: a long paragraph full of related words must not outvote
# the subject and the verb.
ZONE_CAPS = {"sentence": 3, "paragraph": 2, "heading": 2, "section": 2, "nearby": 2}
# Below this, evidence is too thin (a keyword somewhere in nearby text): use the unit kind's fallback.
MIN_SCORE = 2.0
REQUIRES_ZONES = ("subject", "verb", "sentence", "paragraph", "heading", "section", "nearby")


@dataclass(frozen=True)
class _Entry:
    indicator: Indicator
    subject: frozenset[str]
    keywords: frozenset[str]
    requires: frozenset[str]
    verbs: frozenset[str]
    zones: tuple[str, ...]


def _stem_pattern(stem: str) -> str:
    return re.escape(stem).replace(r"\ ", r"[\s-]+")


def _stem_regex(stems) -> re.Pattern:
    # A hyphen before a stem blocks it, so "non-hazardous" is not "hazardous".
    alts = sorted(set(stems), key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z-])(?:" + "|".join(_stem_pattern(s) for s in alts) + ")", re.I)


class Classifier:
    def __init__(self, indicators: list[Indicator]):
        self.by_id = {i.id: i for i in indicators}
        self.by_kind: dict[str, list[_Entry]] = {}
        stems: set[str] = set()
        for ind in indicators:
            entry = _Entry(ind, frozenset(ind.subject_keywords), frozenset(ind.keywords), frozenset(ind.requires),
                           frozenset(ind.verb_keywords), ind.keyword_zones or tuple(ZONE_WEIGHTS))
            stems |= entry.subject | entry.keywords | entry.requires | entry.verbs
            if entry.subject or entry.keywords:
                self.by_kind.setdefault(ind.unit_kind, []).append(entry)
        self.stem_re = _stem_regex(stems)
        self._canonical = {re.sub(r"[\s-]+", " ", s): s for s in stems}
        # The regex reports the longest stem only; "anti-corruption training" must also count as
        # "corrupt" and "train", so each stem implies the shorter stems inside it.
        self._implied = {s: {t for t in stems if re.search(r"(?<![A-Za-z])" + _stem_pattern(t), s)} for s in stems}

    def stems_in(self, text: str) -> set[str]:
        found = set()
        for m in self.stem_re.finditer(text):
            key = re.sub(r"[\s-]+", " ", m.group(0).lower())
            found |= self._implied.get(self._canonical.get(key, key), {key})
        return found

    def classify(self, unit: str, unit_kind: str, zones: dict[str, set[str]]) -> Indicator:
        """Best-scoring indicator of this unit kind; the kind's fallback when nothing matches.

        Durations must match the indicator's unit exactly: lost days and training hours are different things."""
        everywhere = set().union(*(zones.get(z, set()) for z in REQUIRES_ZONES))
        best, best_score = None, MIN_SCORE - 1e-9
        for entry in self.by_kind.get(unit_kind, ()):
            if entry.requires and not (entry.requires & everywhere):
                continue
            if unit_kind == "time" and entry.indicator.canonical_unit != unit:
                continue
            score = ZONE_WEIGHTS["subject"] * len(entry.subject & zones.get("subject", set()))
            score += VERB_WEIGHT * len(entry.verbs & zones.get("verb", set()))
            for zone in entry.zones:
                hits = len(entry.keywords & zones.get(zone, set()))
                score += ZONE_WEIGHTS[zone] * min(hits, ZONE_CAPS.get(zone, hits))
            if score > best_score:
                best, best_score = entry.indicator, score
        return best or self.by_id[fallback_id(unit_kind)]


_classifier: Classifier | None = None


def classifier() -> Classifier:
    global _classifier
    if _classifier is None:
        _classifier = Classifier(load_taxonomy())
    return _classifier
