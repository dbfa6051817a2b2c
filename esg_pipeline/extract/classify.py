"""Map a metric to a taxonomy indicator by keyword evidence, weighted by how close the evidence is."""
from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

from esg_pipeline.extract.units import alternation
from esg_pipeline.extract.units import unit_kind as kind_of_unit
from esg_pipeline.taxonomy import Indicator, fallback_id, load_taxonomy

# Evidence weight by where a keyword stem occurs. The counted noun says most about what is counted.
# "section" is the headings above the nearest one: sub-headings like "Education" sit under "Community Investment".
# "sentence" is the quantity's own part of its sentence, cut at clause boundaries (";", ", while", ", which", ...);
# "beyond" is the rest of the sentence: a neighbouring clause's topic ("..., and anti-corruption training reached
# 96%") is weak evidence for this figure.
ZONE_WEIGHTS = {"subject": 4.0, "sentence": 2.0, "beyond": 0.5, "paragraph": 1.0, "heading": 1.5, "section": 1.0,
                "nearby": 0.5}
VERB_WEIGHT = 12.0
# "clause" (the quantity's own clause) is not scored: it only decides where `requires` stems may be, for
# indicators that set requires_zones (an average must say so near the figure, not three clauses away).
ZONE_ORDER = ("verb", *ZONE_WEIGHTS, "clause")  # the key order of a metric's evidence, for caching
# Distinct stems counted per context zone: a long paragraph full of related words must not outvote
# the subject and the verb.
ZONE_CAPS = {"sentence": 3, "beyond": 2, "paragraph": 2, "heading": 2, "section": 2, "nearby": 2}
# Below this, evidence is too thin (a keyword somewhere in nearby text): use the unit kind's fallback.
MIN_SCORE = 2.0
REQUIRES_ZONES = ("subject", "verb", "sentence", "beyond", "paragraph", "heading", "section", "nearby")


@dataclass(frozen=True)
class _Entry:
    indicator: Indicator
    subject: frozenset[str]
    keywords: frozenset[str]
    requires: frozenset[str]
    verbs: frozenset[str]
    zones: tuple[str, ...]
    requires_zones: tuple[str, ...]
    excludes: frozenset[str]
    subject_requires: frozenset[str]


TOKEN_RE = re.compile(r"[a-z0-9&][a-z0-9&'’\-]*")
# Characters of a token (TOKEN_RE): a span boundary between two of them cuts a token, which only a span's own
# tokenisation reads as the span does.
TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789&'’-")


class Classifier:
    def __init__(self, indicators: list[Indicator]):
        self.by_id = {i.id: i for i in indicators}
        self.by_kind: dict[str, list[_Entry]] = {}
        stems: set[str] = set()
        for ind in indicators:
            entry = _Entry(ind, frozenset(ind.subject_keywords), frozenset(ind.keywords), frozenset(ind.requires),
                           frozenset(ind.verb_keywords), _with_beyond(ind.keyword_zones or tuple(ZONE_WEIGHTS)),
                           _with_beyond(ind.requires_zones or REQUIRES_ZONES), frozenset(ind.excludes),
                           frozenset(ind.subject_requires))
            stems |= entry.subject | entry.keywords | entry.requires | entry.verbs | entry.excludes | entry.subject_requires
            if entry.subject or entry.keywords:
                self.by_kind.setdefault(ind.unit_kind, []).append(entry)
        # Stems match at a word start. One-word stems ("donat", "anti-corruption") are looked up by the
        # prefixes of each word; multi-word stems ("money laundering") by their first word. A stem also
        # implies the stems inside it, so "anti-corruption" counts as "corrupt" too. A hyphen joins a word:
        # "non-hazardous" is not "hazardous".
        self.clause_kinds = frozenset(i.unit_kind for i in indicators if "clause" in i.requires_zones)
        self.single = frozenset(s for s in stems if " " not in s)
        self.lengths = sorted({len(s) for s in self.single})
        self.multi: dict[str, list[tuple[str, ...]]] = {}
        for s in stems:
            if " " in s:
                words = tuple(s.split())
                self.multi.setdefault(words[0], []).append(words)
        self.implied = _implied_stems(stems)
        self._word_cache: dict[str, frozenset[str]] = {}
        self._multi_first = frozenset(self.multi)
        # A token holding a stem opens with a one-word stem or a multi-word stem's first word: one pattern finds
        # just those tokens (a token runs from the first letter or digit of a run of token characters to its end).
        openers = {s for s in self.single | self._multi_first if s[:1].isalnum() and set(s) <= TOKEN_CHARS}
        self._stem_token_re = re.compile(r"(?<![a-z0-9&'’\-])['’\-]*(?P<tok>(?:" + alternation(openers)
                                         + r")[a-z0-9&'’\-]*)")
        # first word -> (middle words, last word, implied stems): what _multi_stems compares, split up once
        self._multi_parts = {first: [(list(sw[1:-1]), sw[-1], self.implied[" ".join(sw)]) for sw in stem_words]
                             for first, stem_words in self.multi.items()}
        self._zone_cache: dict[tuple[str, str, frozenset[str]], list[tuple[int, float]]] = {}
        self._result_cache: dict[tuple, Indicator] = {}
        self._text_cache: dict[str, frozenset[str]] = {}
        # Inverted index per unit kind: stem -> entries it is evidence for, so scoring touches only the
        # stems present in a metric's context.
        self.index: dict[str, dict[str, dict[str, list[int]]]] = {}
        for kind, entries in self.by_kind.items():
            idx: dict[str, dict[str, list[int]]] = {"subject": {}, "verb": {}, "keywords": {}}
            for e, entry in enumerate(entries):
                for field, stems_ in (("subject", entry.subject), ("verb", entry.verbs), ("keywords", entry.keywords)):
                    for stem in stems_:
                        idx[field].setdefault(stem, []).append(e)
            self.index[kind] = idx

    def clear_caches(self) -> None:
        for cache in (self._word_cache, self._zone_cache, self._result_cache, self._text_cache):
            cache.clear()

    def stems_of_label(self, text: str) -> frozenset[str]:
        """stems_in(text.lower()) for texts that recur (a table's title and context, a row's path read for each of
        its cells): each distinct text is tokenised once."""
        found = self._text_cache.get(text)
        if found is None:
            if len(self._text_cache) > 20_000:
                self._text_cache.clear()
            found = self._text_cache[text] = self.stems_in(text.lower())
        return found

    def _word_stems(self, word: str) -> frozenset[str]:
        found = frozenset().union(*(self.implied[word[:n]] for n in self.lengths
                                    if n <= len(word) and word[:n] in self.single))
        if "-" in word:  # "money-laundering" reads as "money laundering"
            found |= self._multi_stems(word.split("-"), 0)
        self._word_cache[word] = found
        return found

    def _multi_stems(self, words: list[str], i: int) -> frozenset[str]:
        """Multi-word stems starting at words[i]: the first words exactly, the last one as a prefix."""
        found: frozenset[str] = frozenset()
        for middle, last, implied in self._multi_parts.get(words[i], ()):
            j = i + 1 + len(middle)  # index of the stem's last word
            if j < len(words) and words[j].startswith(last) and (not middle or words[i + 1:j] == middle):
                found = found | implied
        return found

    def stems_in(self, text: str) -> frozenset[str]:
        """Keyword stems in `text`. Word lookups are cached, so the loop runs in C for known words."""
        return self.stems_of_words(TOKEN_RE.findall(text.lower()))

    def stems_in_span(self, lowered: str, start: int, end: int) -> frozenset[str]:
        """stems_in(text[start:end]) for `lowered` = text.lower() of the same length: no slice, no lower()
        per span. TOKEN_RE has no lookaround, so findall with pos/endpos reads exactly what the slice would."""
        return self.stems_of_words(TOKEN_RE.findall(lowered, start, end))

    def span_index(self, lowered: str) -> "SpanStems":
        """Keyword stems of any span of one text lower-cased once: the text is tokenised once, not per span."""
        return SpanStems(self, lowered)

    def stems_of_words(self, words: list[str]) -> frozenset[str]:
        distinct = set(words)  # a repeated word adds nothing
        per_word = list(map(self._word_cache.get, distinct))
        if None in per_word:
            per_word = [st if st is not None else self._word_stems(w) for st, w in zip(per_word, distinct)]
        found = frozenset().union(*filter(None, per_word))  # most words hold no stem: skip their empty sets
        if not self._multi_first.isdisjoint(distinct):
            found = found.union(*(self._multi_stems(words, i) for i, w in enumerate(words) if w in self.multi))
        return found

    def _zone_scores(self, unit_kind: str, zone: str, found: frozenset[str]) -> list[tuple[int, float]]:
        """(entry, score) for one zone's stems; cached, since metrics in one sentence or line share zones."""
        key = (unit_kind, zone, found)
        cached = self._zone_cache.get(key)
        if cached is not None:
            return cached
        entries, index = self.by_kind[unit_kind], self.index[unit_kind]
        scores: dict[int, float] = {}
        if zone in ("subject", "verb"):
            weight = VERB_WEIGHT if zone == "verb" else ZONE_WEIGHTS["subject"]
            for stem in found:
                for e in index[zone].get(stem, ()):
                    scores[e] = scores.get(e, 0.0) + weight
        if zone != "verb":
            hits: dict[int, int] = {}
            for stem in found:
                for e in index["keywords"].get(stem, ()):
                    if zone in entries[e].zones:
                        hits[e] = hits.get(e, 0) + 1
            cap = ZONE_CAPS.get(zone)
            for e, n in hits.items():
                scores[e] = scores.get(e, 0.0) + ZONE_WEIGHTS[zone] * (min(n, cap) if cap else n)
        result = self._zone_cache[key] = list(scores.items())
        if len(self._zone_cache) > 50_000:
            self._zone_cache.clear()
        return result

    def classify(self, unit: str, unit_kind: str, zones: dict[str, set[str]]) -> Indicator:
        """Best-scoring indicator of this unit kind; the kind's fallback when nothing matches.

        Durations must match the indicator's unit exactly: lost days and training hours are different things."""
        key = (unit, unit_kind, *map(zones.get, ZONE_ORDER))
        cached = self._result_cache.get(key)
        if cached is None:
            cached = self._result_cache[key] = self._classify(unit, unit_kind, zones)
            if len(self._result_cache) > 50_000:
                self._result_cache.clear()
        return cached

    def _classify(self, unit: str, unit_kind: str, zones: dict[str, frozenset[str]]) -> Indicator:
        entries = self.by_kind.get(unit_kind, ())
        index = self.index.get(unit_kind)
        if not index:
            return self.by_id[fallback_id(unit_kind)]
        scores = [0.0] * len(entries)
        for zone, found in zones.items():
            if found and zone != "clause":
                for e, score in self._zone_scores(unit_kind, zone, found):
                    scores[e] += score
        best, best_score = None, MIN_SCORE - 1e-9
        empty: frozenset[str] = frozenset()
        numerator = _numerator_kind(unit) if unit_kind == "ratio" else None
        for e, score in enumerate(scores):
            entry = entries[e]
            if score <= best_score or (unit_kind == "time" and entry.indicator.canonical_unit != unit):
                continue
            if numerator in MEASURED_KINDS and _numerator_kind(entry.indicator.canonical_unit) in \
                    MEASURED_KINDS - {numerator}:
                continue  # 'GJ/t' under a CO2 heading is an energy intensity: the unit says what is divided
            if entry.excludes and not entry.excludes.isdisjoint(zones.get("subject", empty)):
                continue
            if entry.subject_requires and entry.subject_requires.isdisjoint(zones.get("subject", empty)):
                continue
            if not entry.requires or any(entry.requires & zones.get(z, empty) for z in entry.requires_zones):
                best, best_score = entry.indicator, score
        if best is None and numerator in ("energy", "emissions"):  # 'GJ/t' is an energy intensity unlabelled too
            best = next((e.indicator for e in entries
                         if _numerator_kind(e.indicator.canonical_unit) == numerator), None)
        return best or self.by_id[fallback_id(unit_kind)]


# Numerators that say what a ratio measures whatever its heading says: energy, greenhouse gas, volume.
MEASURED_KINDS = frozenset({"energy", "emissions", "volume"})


def _numerator_kind(unit: str) -> str | None:
    return kind_of_unit(unit.split("/", 1)[0]) if "/" in unit else None


class SpanStems:
    """stems_in_span for one lowered text, read from one tokenisation of the whole text.

    Only tokens holding a stem are kept, with their offsets (and multi-word stems with the offsets of their
    first and last word), so the stems of a span are the union of the kept tokens inside it, cached by their
    index range. A span cut inside a token (rare: spans start and end at breaks) is tokenised on its own."""

    def __init__(self, cls: Classifier, lowered: str):
        self.cls, self.lowered = cls, lowered
        starts: list[int] = []
        found: list[frozenset[str]] = []
        multi: list[tuple[int, int, frozenset[str]]] = []  # (first word's start, last word's end, stems)
        word_cache, word_stems, multi_parts = cls._word_cache, cls._word_stems, cls._multi_parts
        for m in cls._stem_token_re.finditer(lowered):
            word = m.group("tok")
            stems = word_cache.get(word)
            if stems is None:
                stems = word_stems(word)
            if stems:
                starts.append(m.start("tok"))
                found.append(stems)
            parts = multi_parts.get(word)
            if parts:
                multi += self._multi_at(m.start("tok"), m.end(), parts)
        self.starts, self.found, self.multi = starts, found, multi
        self.multi_starts = [start for start, _, _ in multi]
        self._cache: dict[tuple[int, int], frozenset[str]] = {}

    def _multi_at(self, start: int, end: int, parts) -> list[tuple[int, int, frozenset[str]]]:
        """Multi-word stems opening at the token [start, end), as _multi_stems reads them from a span's words."""
        longest = max(len(middle) for middle, _, _ in parts) + 1
        following = []
        for m in TOKEN_RE.finditer(self.lowered, end):
            following.append(m)
            if len(following) == longest:
                break
        words = [m.group() for m in following]
        out = []
        for middle, last, implied in parts:
            j = len(middle)  # index of the stem's last word in `following`
            if j < len(words) and words[j].startswith(last) and (not middle or words[:j] == middle):
                out.append((start, following[j].end(), implied))
        return out

    def stems(self, start: int, end: int) -> frozenset[str]:
        low = self.lowered
        if (0 < start < len(low) and low[start - 1] in TOKEN_CHARS and low[start] in TOKEN_CHARS) or (
                0 < end < len(low) and low[end - 1] in TOKEN_CHARS and low[end] in TOKEN_CHARS):
            return self.cls.stems_in_span(low, start, end)  # cut inside a token
        i, j = bisect_left(self.starts, start), bisect_left(self.starts, end)
        found = self._cache.get((i, j))
        if found is None:
            found = self._cache[(i, j)] = frozenset().union(*self.found[i:j])
        k = bisect_left(self.multi_starts, start)
        if k < len(self.multi) and self.multi[k][0] < end:
            extra = [implied for first, last, implied in self.multi[k:bisect_left(self.multi_starts, end)] if last <= end]
            if extra:
                found = found.union(*extra)
        return found

    def stems_of_lines(self, start: int, end: int) -> frozenset[str]:
        """The union of stems(s, e) over the lines in [start, end) (both at line starts, or `end` at the text's
        end), at once: the tokens starting in the range, and the multi-word stems that stay on one line."""
        found = frozenset().union(*self.found[bisect_left(self.starts, start):bisect_left(self.starts, end)])
        k, stop = bisect_left(self.multi_starts, start), bisect_left(self.multi_starts, end)
        if k < stop:
            extra = [implied for first, last, implied in self.multi[k:stop] if self.lowered.find("\n", first, last) < 0]
            if extra:
                found = found.union(*extra)
        return found


def _with_beyond(zones: tuple[str, ...]) -> tuple[str, ...]:
    """Where a taxonomy row says "sentence", it means the whole sentence: the own clause and beyond it."""
    return (*zones, "beyond") if "sentence" in zones and "beyond" not in zones else tuple(zones)


def _implied_stems(stems: set[str]) -> dict[str, frozenset[str]]:
    """Each stem with the stems that occur at a word start inside it ("corrupt" in "anti-corruption"), not after
    a negation ("non-hazardous" is not "hazardous"). One compiled pattern per inner stem, tried only where the
    inner stem occurs at all: the re module's cache holds 512 patterns, fewer than the stems, so building the
    patterns on the fly recompiled every one of them for every pair (26 s per process)."""
    patterns = {t: re.compile(r"(?<![a-z])(?<!non-)" + re.escape(t)) for t in stems}
    return {s: frozenset(t for t in stems if t in s and patterns[t].search(s)) | {s} for s in stems}


_classifier: Classifier | None = None


def classifier() -> Classifier:
    global _classifier
    if _classifier is None:
        _classifier = Classifier(load_taxonomy())
    return _classifier
