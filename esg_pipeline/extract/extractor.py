"""Rule-based extraction of quantitative ESG statements.

Hot path: one precompiled anchor regex (digits and number words) runs over the whole text; at each anchor
CANDIDATE_RE reads the quantity with its currency, scale and unit, and cheap local rules accept or reject it:
  1. traps: calendar years, numbers glued into codes (ISO9000, PM2.5, Covid-19), ordinals (65th), ratios
     (1 in 5), ranks and references (Top 250, Phase 2, page 4), dates, names (Shenzhen 12 Cultural Alliance);
  2. kind: money (currency), measure (unit), or count (a counted-noun phrase must follow, or be implied by
     "of which", a "Label: N" list under a lead-in, or a predicate such as "headcount reached N");
  3. scope: counts described as statistics about the world are not about the company;
  4. qualifier, subject, indicator/KPI (taxonomy keywords, see classify.py), entity, year and provenance.
Table rows (cells separated by ' | ', one cell per line, or PDF rows with space-separated columns) take
label, unit and year from the table. Sentences, lines and brand mentions are located once per document.
With a trace (`extract --explain`), every number looked at gets one entry naming the rule that kept it
(`unit:measure`, `count:noun`, ...) or the exit that dropped it (`trap:calendar-year`, `no-unit`, ...).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache
from typing import Sequence

from esg_pipeline.extract import lexicon as lx
from esg_pipeline.extract.classify import classifier
from esg_pipeline.extract.context import DocContext, build_context, cell_year, infer_year, year_columns
from esg_pipeline.extract.currency import report_currency, report_dollar
from esg_pipeline.extract.decimals import decimal_comma, writes_decimal_comma
from esg_pipeline.extract.dimensions import assign_dimensions
from esg_pipeline.extract.fiscal import assign_period, fiscal_year_end
from esg_pipeline.extract.metric import Metric
from esg_pipeline.extract.tables import COUNT_RE, extract_table_metrics
from esg_pipeline.extract.unit_parse import CONVERTED_UNITS, RATE_RE, UnitSpec, contextual_unit, rate_unit
from esg_pipeline.extract.units import (CASE_SENSITIVE, CORRECT_SPELLINGS, CURRENCIES, CURRENCY_SUFFIXES,
                                        CURRENCY_DENOMINATOR_SCALES, DENOMINATORS, EXACT_CASE, MEASURE_UNITS, SCALES, alternation,
                                        is_unit_typo, unit_kind)
from esg_pipeline.ingest.documents.periods import period_year

# Rule `glued-word`: PDF transcripts drop the space after a scale or unit word ("HKD 92,751 millionin revenue",
# "24.9 %in traffic"); a short function word glued on is the next word, not part of the scale. A per cent sign
# ends its unit whatever follows it ("↓15.3%GJ/1,000 ft2").
GLUED_WORD = r"(?=(?:in|of|for|to|on|at|by|from|and|or|was|were|is|are|with)(?![A-Za-z]))"
_PREFIX_CURRENCIES = [c for c in CURRENCIES if c not in ("yuan", "renminbi", "tenge", "pataca", "yen", "euro", "euros")
                      and " " not in c]
CANDIDATE_RE = re.compile(
    r"(?:(?<![A-Za-z])(?P<cur>(?i:" + alternation(_PREFIX_CURRENCIES) + r"))\s?)?"
    r"(?P<paren>\(\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
    r"|\b(?i:" + lx.VAGUE_RE + r")\b|\b(?i:" + lx.NUMBER_WORD_RE + r")\b)"
    r"(?(paren)\s?\))"
    r"(?:\s?(?P<scale>(?i:ten\s+thousand|thousand|millions?|billions?|trillion|mn|mln|bn|tn)(?:\b|" + GLUED_WORD + r")"
    r"|[mkb](?![A-Za-z0-9²³])|m(?=[A-Z][a-z]{2})|(?<=\d)[MKB](?:(?![A-Za-z0-9²³])|(?=[A-Z][a-z]{2})))"
    r"(?:\s(?P<scale2>(?i:thousand|million)\b))?)?"
    r"(?P<plus>\+(?=[ \t]))?"  # "153,000+ hours", "100+ suppliers": at least
    r"(?:\s?(?P<cursuf>(?i:" + alternation(CURRENCY_SUFFIXES) + r"))\b)?"
    r"(?:\s?(?P<unit>(?i:" + alternation(MEASURE_UNITS) + r"))(?:(?<=%)|(?![A-Za-z0-9²³])|(?=[A-Z][a-z])))?"
)
# The hot loop scans for anchors only: a digit, or a number word at a word start. The pattern opens with a
# character set so the regex engine can skip everything else quickly; CANDIDATE_RE then reads the full quantity
# at each anchor.
_NUMBER_WORDS = sorted({*lx.UNITS_WORDS, *lx.TENS_WORDS, "hundreds", "thousands", "dozens", "tens", "millions", "a"},
                       key=len, reverse=True)
# "a" and "one" only count before a magnitude ("a hundred", "one million"), and "one" before a tallied noun
# ("one contractor"): elsewhere they are articles and pronouns, far too frequent to inspect one by one.
_ONLY_BEFORE_MAGNITUDE = {"a": r"(?=\s+(?:hundred|thousand|dozen)\b)",
                          "one": r"ne(?=[\s-]+(?:hundred|thousand|million|billion)\b|\s+(?:[a-z\-]+\s+){0,2}(?:"
                                 + "|".join(sorted(lx.ONE_COUNT_NOUNS)) + r")\b|\s+" + lx.MISCONDUCT_REPORT_RE + r"\b)"}  # "one (concluded) case"
_BY_FIRST: dict[str, list[str]] = {}
for _w in _NUMBER_WORDS:
    _BY_FIRST.setdefault(_w[0], []).append(_ONLY_BEFORE_MAGNITUDE.get(_w, re.escape(_w[1:])))
_FIRST = "".join(_BY_FIRST) + "".join(_BY_FIRST).upper()
ANCHOR_RE = re.compile(
    r"[\d" + _FIRST + r"](?<![A-Za-z][A-Za-z])(?:(?<=\d)|(?<=[A-Za-z])(?:"
    + "|".join(f"(?<=[{c}{c.upper()}])(?:{'|'.join(rest)})" for c, rest in _BY_FIRST.items()) + r")(?![A-Za-z]))")
DIGIT_RUN_RE = re.compile(r"\d+")
WHITESPACE_RE = re.compile(r"\s+")  # compiled once: these run for most figures
LETTER_WORD_RE = re.compile(r"[A-Za-z][A-Za-z\-]*")
PHRASE_BREAK_RE = re.compile(r"[.;:,()\n]")
# ANCHOR_RE's letters open with one of the set `_FIRST`, a third of all letters, so its scan stops at most of them.
# Its word anchors are found faster from the number words' lower-case spellings in the lower-cased text (only
# the words no other extends: "ten" finds "tens"; for "a", the magnitudes it must precede), each checked with
# ANCHOR_RE itself.
_ANCHOR_SEEDS = tuple(w for w in _NUMBER_WORDS if w != "a" and not any(o != w and w.startswith(o) for o in _NUMBER_WORDS
                                                                         if o != "a"))
_A_MAGNITUDES = ("hundred", "thousand", "dozen")


def anchor_runs(text: str, lowered: str | None) -> list[tuple[int, int]]:
    """Every match start of ANCHOR_RE in `text`, in order, as runs [start, stop) of consecutive starts: a run of
    digits (each digit is an anchor) or a number word's first letter (`lowered`: text.lower(), same length)."""
    if lowered is None:
        return [(m.start(), m.start() + 1) for m in ANCHOR_RE.finditer(text)]
    words: set[int] = set()
    for seed in _ANCHOR_SEEDS:
        at = lowered.find(seed)
        while at >= 0:
            if not (at and text[at - 1].isascii() and text[at - 1].isalpha()) and ANCHOR_RE.match(text, at):
                words.add(at)
            at = lowered.find(seed, at + 1)
    for magnitude in _A_MAGNITUDES:
        at = lowered.find(magnitude)
        while at >= 0:
            before = at - 1
            while before >= 0 and text[before].isspace():
                before -= 1
            if before < at - 1 and text[before] in "aA" and ANCHOR_RE.match(text, before):
                words.add(before)
            at = lowered.find(magnitude, at + 1)
    digits = [m.span() for m in DIGIT_RUN_RE.finditer(text)]
    return sorted(digits + [(p, p + 1) for p in words]) if words else digits


# Characters a currency prefix can end with ("RMB 5", "HK$5", "(151)"): only then look back for one.
CURRENCY_LAST_CHARS = frozenset(" \u00a0($¥€£" + "".join({c[-1] for c in _PREFIX_CURRENCIES})
                                + "".join({c[-1].upper() for c in _PREFIX_CURRENCIES}))
LEFT_CURRENCY_RE = re.compile(r"(?<![A-Za-z])(?i:" + alternation(_PREFIX_CURRENCIES) + r")\s?(?:\(\s?)?$|\(\s?$")
# A denominator not in the table: any singular noun after "per" ("m³ per garment", "kg CO2e per bed-night"),
# except periods of time ("per year" is an annual amount) and words that are not a unit of output.
GENERIC_DENOMINATOR_STOP = frozenset(
    "year annum month week day hour minute second quarter shift cent the our its their each every any this that a an"
    " capita cubic square unit million thousand hundred billion"
    " batch run cycle trip time occasion event incident session visit".split())  # occurrences, not output
COMPOUND_RE = re.compile(
    r"\s?(?:/|\s+per\s+)(?:(?P<den>(?i:" + alternation(DENOMINATORS) + r"))(?![A-Za-z])"
    r"|(?P<dcur>(?i:" + alternation(_PREFIX_CURRENCIES) + r"))\s?(?P<dscale>" + alternation(CURRENCY_DENOMINATOR_SCALES) + r")\b"
    r"|(?P<dscale2>" + alternation(CURRENCY_DENOMINATOR_SCALES) + r")\s(?P<dcur2>(?i:" + alternation(CURRENCY_SUFFIXES) + r"))\b"
    r"|(?<=per )(?P<gen>[a-z][a-z]{2,}(?:-[a-z]+)?)(?<!s)(?![A-Za-z\-]))")
WORD_RE = re.compile(r"[ \t]*(?:\n[ \t]*)?([A-Za-z][A-Za-z'’\-]*)")
ACRONYM_PLURAL_RE = re.compile(r"[A-Z]{2,5}s|[A-Z]+\d[A-Za-z\d\-]*\ds")  # "ATMs", "A350-900s"
ACRONYM_WORD_RE = re.compile(r"[A-Z]{2,6}")
WHOLE_SIZE_RE = re.compile(r"[ \t]+\d[\d,]*(?![\d.,]*\d)(?=[ \t]+[a-z])")
WORD_RUN_RE = re.compile(r"(?:[ \t]*(?:\n[ \t]*)?[A-Za-z][A-Za-z'’\-]*){1,9}")
DETERMINER_AFTER_OF = frozenset("our its the their these those his her such".split())
HYPHEN_COUNT_RE = re.compile(r"-(?P<noun>" + "|".join(sorted(lx.HYPHEN_COUNT_NOUNS, key=len, reverse=True))
                             + r")\b(?!-)")
RIGHT_TRAP_RE = re.compile(r"(?:st|nd|rd|th)\b|-[A-Za-z]|[:/]\d|\.\d|[A-Za-z]", re.I)
PAREN_UNIT_RE = re.compile(r"\(([^()]{1,40})\)|\[([^\[\]]{1,40})\]")  # "(MWh)", and European tables' "[ML]"
TABLE_SEP = " | "
NEARBY_CHARS = 800  # how far back "nearby" topic evidence reaches
TRACE_CONTEXT = 28  # characters of text on either side of a number in an `--explain` entry
COUNT_METHOD_RULES = {"vague_count": "count:vague", "number_word_count": "count:number-word"}  # trace names


def compound_denominator(comp: re.Match) -> str:
    if comp.group("gen"):
        return comp.group("gen")
    if comp.group("dcur"):
        return f"{CURRENCIES[comp.group('dcur').lower()]} {comp.group('dscale')}"
    if comp.group("dcur2"):  # "per million yuan" is written like "per RMB million"
        cur = CURRENCIES[" ".join(comp.group("dcur2").lower().split())]
        return f"{cur} {comp.group('dscale2')}"
    return DENOMINATORS[WHITESPACE_RE.sub(" ", comp.group("den").lower())]


def _compound(text: str, pos: int) -> re.Match | None:
    comp = COMPOUND_RE.match(text, pos)
    if comp is not None and comp.group("gen") and comp.group("gen") in GENERIC_DENOMINATOR_STOP:
        return None
    return comp


COMPOUND_TAIL_RE = re.compile(r"\s+of\s+[A-Za-z][A-Za-z\- ]*$")  # "(tCO2e per tonne of cement)": what the tonne is


def _letter_scaled_count(text: str, m: re.Match) -> bool:
    """Rule `letter-scale`: a capital K/M/B glued to a figure scales it ("95K people", "$571M"), but not on a
    lone digit, which is a name or a resolution ("3M", "4K screens")."""
    return len(m.group("num").replace(",", "").replace(".", "")) > 1


# Rule `ghg-mass`: a mass of CO2 however a PDF or web page wrote it: "15.8 Mt CO 2 -e", "2.5 million mtCO 2",
# "2.29 tCO2/tcs", "14,672 kg of carbon", and after a restated symbol, "0.43 tonne (Mt) of CO2e".
GHG_AFTER_RE = re.compile(r"[ \t]?(?:of\s+)?(?:CO\s?2|carbon(?:\s+dioxide)?(?!\s+(?:fib(?:re|er)|black|steel|monoxide|credit)))"
                          r"(?:[ \t]?-[ \t]?e\b|[ \t]?e(?:q)?\b|\s+equivalents?\b)?")
GHG_MASS_RE = re.compile(r"[ \t]?(?P<mass>(?:t|mt|MT|Mt|kt|kg)(?=[ \t]?CO\s?2)|(?i:metric\s+tons|tonnes|tons|kilograms)(?=\s))")
GHG_MASS_FACTORS = {"Mt": 1e6, "kt": 1e3}
RESTATED_UNIT_RE = re.compile(r"[ \t]?\(([A-Za-z][A-Za-z0-9]{0,5})\)")


def _ghg_mass(text: str, m: re.Match, unit: str | None) -> tuple[str, float, int] | None:
    """(unit, extra factor, end) of a mass of CO2 after the figure; the written mass unit keeps its own factor
    and a restated symbol in brackets is skipped ("tonne (Mt)" stays tonnes)."""
    pos, extra = m.end(), 1.0
    if unit is None:
        mass = GHG_MASS_RE.match(text, pos)
        if mass is None:
            return None
        unit = "kg" if mass.group("mass").lower().startswith("k") and mass.group("mass") != "kt" else "tonne"
        extra, pos = GHG_MASS_FACTORS.get(mass.group("mass"), 1.0), mass.end()
    restated = RESTATED_UNIT_RE.match(text, pos)
    if restated and MEASURE_UNITS.get(restated.group(1).lower(), ("",))[0] == unit:
        pos = restated.end()
    ghg = GHG_AFTER_RE.match(text, pos)
    if ghg is None:
        return None
    return ("kgCO2e" if unit == "kg" else "tCO2e"), extra, ghg.end()


def _number_value(num: str) -> float:
    if num[0].isdigit():
        return float(num.replace(",", ""))
    low = WHITESPACE_RE.sub(" ", num.lower())
    return float(lx.VAGUE_WORDS.get(low) or lx.number_word_value(low))


def _plural_like(word: str) -> bool:
    return word in lx.IRREGULAR_PLURALS or (
        len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "'s", "’s"))
        and word not in lx.NOT_PLURAL)


def _singular(word: str) -> str:
    if word == "people":
        return "person"
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _countable(word: str) -> bool:
    return word in lx.COUNTABLE_NOUNS or _singular(word) in lx.COUNTABLE_NOUNS


def _read_words(text: str, pos: int, limit: int = 9) -> list[tuple[str, int]]:
    """Up to `limit` words from pos, stopping at punctuation; each with its end offset."""
    if limit == 1:  # the trap rules only look at the next word
        m = WORD_RE.match(text, pos)
        return [(m.group(1), m.end())] if m else []
    return _words_after(text, pos)[:limit]


NP_TOKEN_RE = re.compile(r"[ \t]*(?:\n[ \t]*)?([A-Za-z0-9][A-Za-z0-9&'’\-]*(?:/[A-Za-z][A-Za-z\-]*)?)")
CODE_CHAR_RE = re.compile(r"[\d&/]")  # "online/offline courses": a slash pair is one modifier
NP_RUN_RE = re.compile(r"(?:[ \t]*(?:\n[ \t]*)?[A-Za-z0-9][A-Za-z0-9&'’\-]*(?:/[A-Za-z][A-Za-z\-]*)?){1,9}")


def _np_words(text: str, pos: int) -> list[tuple[str, int]]:
    """Like _read_words, but a noun phrase may hold codes with digits ('A321neo', '2G', 'R&D'); a token with no
    letter ends it (a second number)."""
    run = NP_RUN_RE.match(text, pos)
    if not run:
        return []
    if not CODE_CHAR_RE.search(text, pos, run.end()):
        return _words_after(text, pos)  # plain words: the shared, cached reading
    out = []
    for m in NP_TOKEN_RE.finditer(text, pos, run.end()):
        tok = m.group(1)
        if tok.isdigit() and len(tok) <= 2 and out and out[-1][0][:1].isupper() and out[-1][0].isalpha():
            out.append((tok, m.end()))  # "146 Tier 1 and Tier 2 suppliers": a grade names the noun's kind
            continue
        if tok.isdigit() or not any(c.isalpha() for c in tok):
            break
        out.append((tok.rstrip("-"), m.end() - (len(tok) - len(tok.rstrip("-")))))
    return out


@lru_cache(maxsize=64)  # several rules read the words after the same number; str hashes are cached
def _words_after(text: str, pos: int) -> list[tuple[str, int]]:
    run = WORD_RUN_RE.match(text, pos)
    if not run:
        return []
    return [(m.group(1), m.end()) for m in WORD_RE.finditer(text, pos, run.end())]


GLUED_CAMEL_RE = re.compile(r"[a-z][a-z'’\-]{2,}(?=[A-Z][a-z])")


def counted_noun(text: str, pos: int, *, value: float, words_only: bool, after_relation: bool) -> tuple[str, int] | None:
    """The counted-noun phrase after a number ('541 valid patents' -> 'valid patents'), or None.

    Digits accept any plural noun; number words only countable business objects, so 'one of the',
    'first time' and 'two countries' stay out."""
    words = _np_words(text, pos)
    for k, (w, wend) in enumerate(words):
        glued = GLUED_CAMEL_RE.match(w)
        if glued:  # "202 aircraftIncluding 10 new ...": a PDF dropped the space before the next sentence
            words = words[:k] + [(glued.group(), wend - len(w) + glued.end())]
            break
    i = 0
    if len(words) > 2 and words[0][0].lower() == "of" and words[1][0].lower() in ("which", "whom", "them"):
        i = 3 if words[2][0].lower() in lx.COPULA else 2  # "23 of which are invention patents"
    elif words and words[0][0].lower() == "of" and len(words) > 1 and words[1][0].lower() in DETERMINER_AFTER_OF:
        i = 2  # "Thirty-five of our subsidiaries"
        whole = WHOLE_SIZE_RE.match(text, words[1][1])
        if whole:  # "Nine of our 22 plants": the noun follows the size of the whole
            words = words[:2] + _read_words(text, whole.end())
    elif words and words[0][0].lower() == "of":
        i = 1  # "hundreds of meetings"
    if after_relation and i == 0 and words and words[0][0].lower() in lx.COPULA:
        i = 1  # "of which 191 are patents"
    if i == 0 and len(words) > 2 and (words[0][0], words[1][0]) in (("or", "more"), ("or", "above"), ("and", "above")):
        i = 2  # "5,000 or more trees"
    codes = {w for w, _ in words if not w.isalpha() and not w.replace("-", "").replace("'", "").isalpha()}
    # No proper-name modifier across lines, nor after a number that opens its line ("6.2 Energy and resources")
    breaks = {w for w, wend in words if "\n" in text[pos:wend - len(w)]}
    if not any(c.isspace() for c in text[text.rfind("\n", 0, pos) + 1:pos].strip()):
        breaks = {w for w, _ in words}
    phrase: list[str] = []
    end = pos
    head = None
    window = words[i:i + 8]  # "4 new mid-to-large sized oil and gas discoveries"
    for k, (word, wend) in enumerate(window):
        low = word.lower()
        if low in ("and", "or") and phrase:
            phrase.append(low)  # "primary and secondary schools"
            continue
        acronym_plural = (ACRONYM_PLURAL_RE.fullmatch(word) is not None  # "2,300 ATMs", "120 SMEs"
                          or word in lx.COUNT_UNIT_ACRONYMS)  # "14.7 million TEU"
        # Modifiers before the head: acronyms ("286 AML sessions"), model and grade codes ("A321neo", "2G",
        # "R&D"), and a proper name on the same line ("14 Traditional Owner rangers").
        name_word = word[0].isupper() and word not in breaks and low not in lx.NP_STOP_WORDS
        next_name = k + 1 < len(window) and window[k + 1][0][0].isupper() and window[k + 1][0] not in breaks
        acronym = not acronym_plural and (ACRONYM_WORD_RE.fullmatch(word) is not None or word in codes
                                          or (name_word and (not _plural_like(low) or next_name)
                                              and sum(w not in ("and", "or") for w in phrase) < 3))
        if name_word and not acronym and phrase and _plural_like(low):
            acronym_plural = True  # "14 Responsible Gaming Kiosks": a capitalised plural head after a name
        if low in lx.NP_STOP_WORDS or not (word[0].islower() or acronym_plural or acronym):
            break
        phrase.append(word if acronym_plural or acronym else low)
        if acronym:
            continue  # a modifier: the head noun still has to follow
        end = wend
        if acronym_plural or _plural_like(low):
            head = low
            break
        if value == 1 and low in lx.COUNTABLE_NOUNS:
            head = low  # "1 product recall": a singular head may still take a noun after it
            nxt = _read_words(text, wend, 1)
            if nxt and nxt[0][0].islower() and nxt[0][0] not in lx.NP_STOP_WORDS and not nxt[0][0].endswith("ed"):
                phrase.append(nxt[0][0])
                end = nxt[0][1]
            break
    if head is None or head in lx.NON_COUNT_HEADS or head in lx.MONTHS:
        return None
    if words_only and not _countable(head) and head in lx.GENERIC_PLURALS:
        return None
    rest = _read_words(text, end, 4)
    if head in lx.MEASURE_WORDS and rest and rest[0][0] == "of":  # "200 sets of equipment"
        tail = [w for w, _ in rest[1:3] if w.islower() and w not in lx.NP_STOP_WORDS]
        if tail:
            phrase += ["of"] + tail
            end = dict(rest)[tail[-1]] if tail[-1] in dict(rest) else end
    elif rest and rest[0][0] in ("and", "or"):  # "districts and counties"
        extra = []
        for k, (w, wend) in enumerate(rest[1:4], 1):
            if w in lx.NP_STOP_WORDS or not w[0].islower() or w in lx.UNITS_WORDS or w in lx.TENS_WORDS:
                break
            if w.endswith(("ed", "ing")) and not (k + 1 < len(rest) and _countable(rest[k + 1][0])):
                break  # "viewers and achieved sales": a verb, not a second noun
            extra.append(w)
            if _plural_like(w):
                phrase += [rest[0][0]] + extra
                end = wend
                break
    return " ".join(phrase), end


SHARED_HEAD_RE = re.compile(r"[ \t]+(?P<adj>[a-z][a-z\-]*)[ \t]+(?:and|or)[ \t]+\d[\d,]*(?=[ \t]+[a-z])")
TIMES_RE = re.compile(r"[ \t]+times\b(?![ \t]+(?:more|less|fewer|higher|lower|greater|larger|bigger|smaller|faster|as|the|that|"
                      r"than|over|what|a|per|each|every)\b)")
PAST_VERB_OPENER_RE = re.compile(r"[\s•·*\-–]*[A-Z][a-z]+ed\b")


ADJECTIVE_UNIT_RE = re.compile(r"[ \t]+(?:new|additional|more|extra|further)[ \t]+(?P<unit>(?i:"
                               + alternation(k for k in MEASURE_UNITS if len(k) > 1 and k not in EXACT_CASE)
                               + r"))(?![A-Za-z0-9²³])")


def _shared_head(text: str, pos: int, value: float) -> tuple[str, int] | None:
    """Rule `shared-head`: '12 green and 11 zero-waste factories': two counts share the noun after the second."""
    pair = SHARED_HEAD_RE.match(text, pos)
    if pair is None or pair.group("adj") in lx.NP_STOP_WORDS:
        return None
    second = counted_noun(text, pair.end(), value=value, words_only=False, after_relation=False)
    if second is None:
        return None
    return f"{pair.group('adj')} {second[0].rsplit(' ', 1)[-1]}", pair.start("adj") + len(pair.group("adj"))


def _times_count(text: str, m: re.Match, value: float) -> tuple[str, int] | None:
    """Rule `times-count`: 'used the boxes 47 million times', 'searched nearly 6.1 million times': a tally of
    uses or visits when the figure is large or scaled; not a multiplier ('3 times higher') or a frequency
    ('four times a year')."""
    times = TIMES_RE.match(text, m.end())
    if times is None or not (m.group("scale") or value >= 100):
        return None
    return "times", times.end()


def _hyphen_count(text: str, hyphen: re.Match) -> tuple[str, int]:
    """'a 180-unit housing project' -> ('unit housing project', end): the noun, then what it is part of."""
    phrase, end = [hyphen.group("noun")], hyphen.end()
    for word, wend in _read_words(text, end, 4):
        if word in lx.NP_STOP_WORDS or not word[0].islower():
            break
        phrase.append(word)
        end = wend
    return " ".join(phrase), end


FIRST_PERSON_RE = re.compile(r"\b(?:[Ww]e|[Oo]ur|us)\b")


@lru_cache(maxsize=64)
def _org_re(brand: str) -> re.Pattern | None:
    if not brand:
        return None
    return re.compile(re.escape(brand) + r"\b(?:['’]s)?(?:[ \t]+(?:[A-Z][A-Za-z&\-]*|\([A-Z][^()\n]{0,40}\)))*")


def _entity_name(ctx: DocContext, mention: str) -> str:
    """A brand mention as an entity: 'CITIC Bank' stays, 'CITIC' or the group's own name is the group."""
    name = mention.strip()
    if name.endswith(("'s", "’s")):
        name = name[:-2]
    if name == ctx.brand or ctx.group.startswith(name) or name.endswith((" Group", " Limited")):
        return ctx.group
    return name


LEFT_REACH = 48


@lru_cache(maxsize=64)  # several rules read the words before the same number: one shared, read-only tuple
def _left_words(text: str, start: int, reach: int = LEFT_REACH) -> tuple[str, ...]:
    """Lower-case words just before `start`, nearest last. Punctuation stays attached, so a word
    followed by a comma or full stop never reads as directly qualifying the number."""
    chunk = text[max(0, start - reach):start]
    words = chunk.lower().split()
    if words and start - reach > 0 and not text[start - reach - 1].isspace():
        words = words[1:]  # cut mid-word
    if words and words[-1] == "(":
        words.pop()
    elif words and words[-1].endswith("("):
        words[-1] = words[-1][:-1]
    # An opening bracket starts a parenthetical: "(about 41%)" is qualified by "about" as much as "about 41%".
    if "(" in chunk or "[" in chunk or "“" in chunk or '"' in chunk:
        words = [w.lstrip("([“\"") if w[0] in "([“\"" else w for w in words]
        words = [w for w in words if w]
    return tuple(words)


RANK_RE = re.compile(r"\b(?:\d+(?:st|nd|rd|th)|rank(?:ed|ing|s)?|top|first|second|third|place[ds]?)\b", re.I)


def _ranking_population(text: str, start: int, left: Sequence[str]) -> bool:
    words = [w for w in left[-3:] if w not in ("the", "all")]
    return bool(words) and words[-1] in ("among", "amongst", "of", "out") and bool(
        RANK_RE.search(text, max(0, start - 60), start))


PLACE_AFTER_RE = re.compile(r"\s+(?:of|in|across)\s+(?:our|the|this|its)\s+(?:" + "|".join(lx.PLACE_NOUNS) + r")\b", re.I)


def _population_statistic(text: str, np_end: int, head: str, left: Sequence[str], brand: str) -> bool:
    """'Hong Kong's 7.4 million residents', 'a country of 1.4 billion people', 'the 1.4 billion people of our
    country': how many live somewhere is context, not a metric (a company's own people are 'the Group's')."""
    if head not in lx.POPULATION_HEADS:
        return False
    if left:
        last = left[-1]
        if last.endswith(("'s", "’s")):
            owner = last[:-2]
            return owner not in lx.COMPANY_NOUNS and owner != brand.lower()
        if last == "of" and len(left) > 1 and left[-2] in lx.PLACE_NOUNS:
            return True
    return PLACE_AFTER_RE.match(text, np_end) is not None


def _after_relation(text: str, start: int) -> bool:
    """'of which 191', 'including 38': the number is a part of a whole just named."""
    words = _left_words(text, start)
    if not words:
        return False
    last = words[-1][:-1] if words[-1].endswith(",") else words[-1]
    return last in lx.RELATION_PHRASES or " ".join((*words[-2:-1], last)) in lx.RELATION_PHRASES


def _strip_total(words: tuple[str, ...]) -> tuple[str, ...]:
    return words[:-3] if words[-3:] == ("a", "total", "of") else words


SYMBOL_QUALIFIERS = {">": "at_least", "≥": "at_least", "<": "at_most", "≤": "at_most", "~": "approx", "≈": "approx"}
SYMBOL_QUALIFIER_RE = re.compile(r"(?<![-=<>])([<>≤≥~≈])[ \t]?$")


def _symbol_qualifier(text: str, start: int) -> str | None:
    """Rule `symbol-qualifier`: a comparison sign glued before the figure, as key-figure tiles print them
    (">HK$19 billion", "~6.9% women", "<1%"); not an arrow ("->")."""
    m = SYMBOL_QUALIFIER_RE.search(text, max(0, start - 3), start)
    return SYMBOL_QUALIFIERS[m.group(1)] if m else None


def _qualifier(text: str, start: int, end: int) -> str:
    symbol = _symbol_qualifier(text, start)
    if symbol:
        return symbol
    words = _strip_total(_left_words(text, start))
    for k in (3, 2, 1):
        if len(words) >= k:
            q = lx.QUALIFIER_PHRASES.get(" ".join(words[-k:]))
            if q:
                return q
    m = lx.QUALIFIER_AFTER_RE.match(text[end:end + 20])
    if m:
        return next(k for k, v in m.groupdict().items() if v)
    return "exact"


def _is_trap(text: str, m: re.Match, *, has_unit: bool) -> str | None:
    """Numbers that are part of names, codes, ranks, dates, ages or references: the trap's rule name, or None."""
    start = m.start("num") if not m.group("cur") else m.start()
    left = text[max(0, start - 30):start]
    if "(" in left[-12:] or "+" in left[-12:]:
        if any(p.start() <= start < p.end() for p in PHONE_RE.finditer(text, max(0, start - 12), m.end() + 16)):
            return "trap:phone"  # "(852) 3105 7788", "+86 21 6543 2100"
    if left[-1:] == "(" and has_unit and text.startswith(")", m.end()) and _is_wan(m):
        return "trap:wan-label"  # "(10,000 kWh)": the Chinese wan multiplies the figures it labels, it is no figure itself
    if "age" in left.lower() and AGE_LEFT_RE.search(left):  # a, g and e match no other letter when case is ignored
        return "trap:age-band"  # "aged 12 to 16", "aged 18-25": ages describe who, not how many
    if not m.group("cur"):
        if left and (left[-1].isalpha() or left[-1].isdigit()):
            return "trap:glued-code"  # ISO9000, PM2.5, E20, Covid19
        if left and (left[-1] in "#№" or (len(left) > 1 and (
                (left[-1] == "-" and left[-2].isalpha()) or (left[-1] in ".:/" and left[-2].isdigit())))):
            return "trap:code"  # Covid-19, #3, 1.2.3
        if left[-1:] == "-" and CODE_BEFORE_HYPHEN_RE.search(left):
            return "trap:model-code"  # A330-300: the second part of a model code
        words = _left_words(text, start)
        if len(words) > 1 and words[-1] == "in" and (words[-2].isdigit() or words[-2] in lx.UNITS_WORDS):
            return "trap:ratio"  # "1 in 5 managers": a ratio
        if words:
            prev = words[-1]
            if prev == "per":
                return "trap:rate-base"  # "0.34 per 1,000 passengers": the base of a rate, not a quantity
            if not has_unit and prev in ("under", "below", "over", "above") and len(words) > 1 and words[-2] in AGE_OF_WORDS:
                return "trap:age-limit"  # "no workers under 18": an age limit, not a count
            if _is_name_word(prev) or prev in lx.MONTHS:  # "Phase 2", "(Unit: 10,000 yuan)"
                return _name_word_rule(prev)
            if not has_unit and _listed_after_name_word(words):
                return "trap:name-list"  # but "Scope 1 and 28,330 tCO2e of Scope 2" is a quantity
    if not has_unit:
        right = text[m.end():m.end() + 3]
        if (glued := RIGHT_TRAP_RE.match(right)) and not HYPHEN_COUNT_RE.match(text, m.end()):
            return _right_trap_rule(glued.group())  # 65th, 5G, 30-day, 10:30, 3/4; not "a 180-unit project"
    nxt = _read_words(text, m.end(), 1)
    if nxt and nxt[0][0].lower() in lx.MONTHS and not has_unit:
        return "trap:date"
    if not text[m.end() + 1:m.end() + 2].isupper():
        return None
    if left[-1:] in "\"“'‘" and left and TITLE_RIGHT_RE.match(text, m.end()):
        return "trap:title"  # the "100 Days Without Incident" campaign, the "30 Most Influential Publishers": names
    if TITLE_RUN_RE.match(text, m.end()) and re.search(r"[a-z,]\s+$", left):
        return "trap:title"  # "the first of our Five Bottom Lines.": a capitalised name ends with the figure's phrase
    return None


AGE_OF_WORDS = frozenset({"workers", "employees", "staff", "children", "people", "persons", "youths", "applicants",
                          "candidates", "labourers", "laborers", "anyone", "nobody", "minors"})
PREVIOUS_VALUE_RE = re.compile(r"\b(?:down|up)\s+from\s+$")
GENDER_HEADS = frozenset({"men", "women", "males", "females"})  # "3,309 people, 1,487 men and 1,822 women": parts
TITLE_RIGHT_RE = re.compile(r"\s+[A-Z][a-z]+")
TITLE_RUN_RE = re.compile(r"(?:\s+[A-Z][a-z]+){2,}(?=\s*(?:[\"”'’.,;:)]|$))")


PHONE_RE = re.compile(r"(?:\+\d{1,3}[ \t]?|\(\d{2,4}\)[ \t]?)\d{2,4}(?:[ \t-]\d{3,4})+")
AGE_LEFT_RE = re.compile(r"\b(?:aged|ages)\s+(?:\d{1,3}\s*(?:-|–|to|and)\s*)?$", re.I)


def _is_wan(m: re.Match) -> bool:
    """Is the quantity read at `m` just the multiplier 10,000 ("10,000 yuan", "10 thousand kWh")?"""
    scale = m.group("scale")
    return _number_value(m.group("num")) * (SCALES.get(WHITESPACE_RE.sub(" ", scale.lower()), 1.0) if scale else 1.0) == 1e4


CODE_BEFORE_HYPHEN_RE = re.compile(r"[A-Za-z][A-Za-z]*\d+-$|(?<![A-Za-z])[A-Z][a-z]+[ \t]\d+-$")  # A330-300, Kenli 10-2
# A time unit followed by what it repeats over is an opening time ("24 hours a day", "7 days a week").
SERVICE_TIME_RE = re.compile(r"\s*(?:a|per|each)\s+(?:day|week)\b", re.I)
OF_AFTER_RE = re.compile(r"\s+of\b")
FULL_CYCLES = (("hour", 24), ("day", 365))  # round-the-clock availability, unless "24 hours of <activity>"


def _is_name_word(word: str) -> bool:
    return word in lx.TRAP_PREVIOUS_WORDS or word.rstrip(".:") in lx.TRAP_PREVIOUS_WORDS


# Trace names of the name-word traps (only computed when a trap fires): a rank, a page reference, a date, a name.
RANK_WORDS = frozenset("top ranked rank ranking ranks placed no no. number".split())
PAGE_WORDS = frozenset("page pages p. pp.".split())


def _name_word_rule(prev: str) -> str:
    if prev in lx.MONTHS or prev.rstrip(".:") in lx.MONTHS:
        return "trap:date"  # "June 30"
    if prev in RANK_WORDS or prev.rstrip(".:") in RANK_WORDS:
        return "trap:rank"  # "Top 250", "No. 1"
    if prev in PAGE_WORDS or prev.rstrip(".:") in PAGE_WORDS:
        return "trap:page-ref"  # "page 4"
    return "trap:name-word"  # "Phase 2", "Scope 1", "ISO 14001"


def _right_trap_rule(glued: str) -> str:
    """The trace name of what RIGHT_TRAP_RE found glued after a bare figure."""
    if glued[0] in ":/":
        return "trap:time-or-fraction"  # 10:30, 3/4
    if glued[0] == ".":
        return "trap:dotted-number"  # 1.2.3
    if glued[0] == "-":
        return "trap:hyphen-word"  # 30-day
    if glued.lower() in ("st", "nd", "rd", "th"):
        return "trap:ordinal"  # 65th
    return "trap:glued-suffix"  # 5G


LIST_JOINERS = frozenset({"and", "or", "&", "to"})
NUMERAL_RE = re.compile(r"\d+[a-z]?")


def _listed_after_name_word(words: Sequence[str]) -> bool:
    """'Scope 1 and 2', 'SDG 7, 8 and 13': later members of a list opened by a name word are names too."""
    if not (words[-1] in LIST_JOINERS or words[-1].endswith(",")):
        return False
    numerals = 0
    for w in reversed(words[-8:]):
        w = w.rstrip(",")
        if w in LIST_JOINERS:
            continue
        if NUMERAL_RE.fullmatch(w):
            numerals += 1
            continue
        return numerals > 0 and _is_name_word(w)
    return False


FOOTNOTE_AFTER_RE = re.compile(r"[ \t][1-9]\d?(?=[ \t]+[a-z])")
NEXT_FIGURE_RE = re.compile(r"[ \t]+(?:\(?\d|[A-Z]{1,3}\$|FY\d)|[ \t]*$", re.M)
SPACED_DIGIT_LEFT_RE = re.compile(r"\d[ \t]$")
NAME_AFTER_ZERO_RE = re.compile(r"[ \t-]+[A-Z][a-z]+\b")


def _digit_run(num: str) -> bool:
    """'123456789', '101112': consecutive numbers run together (a table of contents' page list)."""
    if len(num) < 5 or not num.isdigit():
        return False
    for width in (1, 2):
        first = int(num[:width])
        run = "".join(str(first + k) for k in range(len(num)))
        if run.startswith(num):
            return True
    return False


def _is_page_debris(text: str, m: re.Match, *, has_unit: bool) -> str | None:
    """Rule `page-debris`: figures that a page's furniture or a PDF transcript made, not quantities (the trace
    name of the sub-rule, or None):
    - a digit run of consecutive numbers ('123456789', '101112');
    - a footnote marker '(5)' alone on its line or before another figure ('FY2017 (1) 1', '(12) US$80.1 million');
    - a digit of a letter-spaced figure ('>1 5 , 2 0 0 tons') or a marker after a figure ('95,000 10 people'),
      when words follow on the line (a row of values keeps its small figures);
    - the base of a rate after a unit and a slash ('GJ/1,000 ft2');
    - 'zero' in 'net zero' and in names ('Zero Waste certified')."""
    num = m.group("num")
    if m.group("cur") or m.group("cursuf"):
        return None
    start = m.start("num")
    if not has_unit and _digit_run(num):
        return "debris:digit-run"
    if m.group("paren") and not has_unit and num.isdigit() and len(num) <= 2 and NEXT_FIGURE_RE.match(text, m.end()):
        line_start = text.rfind("\n", 0, m.start()) + 1
        before = text[line_start:m.start()]
        if not before.strip() or before.rstrip()[-1:].isalnum() or before.rstrip()[-1:] == ")":
            return "debris:footnote-marker"
    if num.isdigit() and len(num) <= 2 and SPACED_DIGIT_LEFT_RE.search(text, max(0, start - 2), start):
        line_end = text.find("\n", m.end())
        rest = text[m.end():line_end if line_end >= 0 else len(text)]
        if re.search(r"[A-Za-z]", rest):
            return "debris:spaced-digit"
    if start > 1 and text[start - 1] == "/" and (text[start - 2].isalpha() or text[start - 2] in "²³"):
        return "debris:rate-base"
    if num.lower() == "zero":
        prev = _left_words(text, start)[-1:]
        if prev == ("net",):
            return "debris:net-zero"
        name = NAME_AFTER_ZERO_RE.match(text, m.end())
        if name and not _plural_like(name.group().strip(" \t-").lower()):
            return "debris:zero-name"
    return None


def _is_calendar_year(text: str, m: re.Match) -> bool:
    num = m.group("num")
    if not (len(num) == 4 and num.isdigit() and 1900 <= int(num) <= 2100):
        return False
    if m.group("cur") or m.group("cursuf") or m.group("unit") or m.group("scale"):
        return False
    prev = _left_words(text, m.start())
    nxt = _read_words(text, m.end(), 1)
    countable_next = bool(nxt) and nxt[0][0].islower() and _countable(nxt[0][0])
    return not countable_next or (bool(prev) and prev[-1] in lx.YEAR_PREPOSITIONS)


def _header_unit_text(head: str) -> str | None:
    """The bracketed unit of a table's header line, as a unit cell's text: "Emissions (tCO2e)" -> "tCO2e"."""
    for paren, bracket in reversed(PAREN_UNIT_RE.findall(head)):
        inner = paren or bracket
        if _paren_unit(f"({inner})"):
            return inner
    return None


def _paren_unit(label: str) -> tuple[str, float] | None:
    """Unit of a table row from its label: 'Electricity (MWh)', 'Donations (RMB million)', 'Staff (persons)'."""
    for paren, bracket in PAREN_UNIT_RE.findall(label):
        inner = paren or bracket
        rate = RATE_RE.fullmatch(inner)
        if rate:  # "Lost-time injury rate (per million hours worked)"
            return rate_unit(rate), 1.0
        inner = UNIT_DECLARATION_RE.sub("", inner)  # "(Unit: 10,000 yuan)" declares "10,000 yuan"
        inner = re.sub(r"\s?['’]000\b", " thousand", inner)  # "(HK$'000)": amounts in thousands
        inner = TEN_THOUSAND_RE.sub("ten thousand", inner)  # "(10,000 yuan)": the Chinese wan
        probe = "1 " + inner.strip().lstrip("'’")
        probe = re.sub(r"^1 (?i:(rmb|hk\$|us\$|cny|hkd|usd|kzt))\s*", lambda mm: mm.group(1) + "1 ", probe)
        mm = CANDIDATE_RE.match(probe)
        if mm and (mm.group("cur") or mm.group("cursuf") or mm.group("unit")):
            unit, factor, _flags = _unit_of(mm)
            comp = _compound(probe, mm.end()) if unit and mm.group("unit") else None
            if comp and unit_kind(unit) != "time":
                unit, end = f"{unit}/{compound_denominator(comp)}", comp.end()
                tail = COMPOUND_TAIL_RE.match(probe, end)
                if tail:
                    end = tail.end()
            else:
                end = mm.end()
            if unit and end >= len(probe) - 1:
                return unit, factor
        if re.fullmatch(r"(?i)\s*(number|no\.|persons?|people|headcount|times|cases|units|pcs)\s*", inner):
            return "count", 1.0
        scaled = SCALED_COUNT_RE.fullmatch(inner)
        if scaled and (scaled.group("noun") in lx.COUNT_UNIT_ACRONYMS or _plural_like(scaled.group("noun").lower())):
            return "count", SCALES[WHITESPACE_RE.sub(" ", scaled.group("scale").lower())]
    return None


SCALED_COUNT_RE = re.compile(r"\s*(?P<scale>(?i:ten thousand|thousand|million|billion))\s+(?P<noun>[A-Za-z][A-Za-z\-]+)\s*")
UNIT_DECLARATION_RE = re.compile(r"^\s*(?:units?\s*[:：]|in)\s*", re.I)
TEN_THOUSAND_RE = re.compile(r"(?<![\d,.])10,000(?![\d,.])|\b10\s+thousand\b", re.I)
SCALE_ONLY_RE = re.compile(r"\(\s*(?P<scale>thousand|million|billion|ten thousand|10,000|['’]000)\s*\)", re.I)
PAREN_AFTER_RE = re.compile(r"[ \t]?\(([^()\n]{1,30})\)")
PAREN_BEFORE_RE = re.compile(r"\(([^()\n]{1,30})\)[ \t]*[:：][ \t]*\(?$")


def _adjacent_paren_unit(text: str, m: re.Match) -> tuple[str, float, int] | None:
    """(unit, factor, end) of a bare figure whose unit is a parenthesis right after it ("1,230 (10,000 yuan)") or
    right before its colon ("electricity (10,000 kWh): 5,620"). Counts stay with the noun-phrase reading."""
    after = PAREN_AFTER_RE.match(text, m.end())
    before = None if after else PAREN_BEFORE_RE.search(text, max(0, m.start() - 40), m.start())
    found = after or before
    parsed = _paren_unit(found.group()) if found else None
    if parsed is None or parsed[0] == "count":
        return None
    return parsed[0], parsed[1], after.end() if after else m.end()


def _label_scale(label: str) -> float:
    """'Registered users (million)': a bare scale in a row label multiplies its counts."""
    m = SCALE_ONLY_RE.search(label)
    if m is None:
        return 1.0
    scale = m.group("scale").lower()
    return 1e3 if scale.endswith("000") and "," not in scale else SCALES[WHITESPACE_RE.sub(" ", scale)]


def _unit_of(m: re.Match) -> tuple[str | None, float, list[str]]:
    """(unit, multiplier, flags) for money or measure candidates; (None, 1, []) for bare numbers."""
    flags: list[str] = []
    scale = 1.0
    if m.group("scale"):
        scale = SCALES.get(WHITESPACE_RE.sub(" ", m.group("scale").lower()), 1.0)  # "80 ten thousand yuan"
        if m.group("scale2"):
            scale *= SCALES[m.group("scale2").lower()]
    cur = m.group("cur") or m.group("cursuf")
    if cur:
        return CURRENCIES[WHITESPACE_RE.sub(" ", cur.lower())], scale, flags
    surface = m.group("unit")
    if surface:
        key = WHITESPACE_RE.sub(" ", surface.lower())
        if key in CASE_SENSITIVE and surface != key and surface not in CORRECT_SPELLINGS:
            return None, 1.0, flags
        if key in EXACT_CASE and surface not in CORRECT_SPELLINGS:
            return None, 1.0, flags
        canonical, factor = MEASURE_UNITS[key]
        if is_unit_typo(surface, canonical):
            flags.append("unit_typo")
        if canonical in CONVERTED_UNITS:  # megalitres are reported as m3 x 1000, as table cells are
            canonical, by = CONVERTED_UNITS[canonical]
            factor *= by
        return canonical, scale * factor, flags
    return None, scale, flags


class _Reading:
    """One candidate number as the rule stages read it; each stage writes what it decides."""
    __slots__ = ("m", "num", "is_digit", "unit", "factor", "flags", "rate", "unit_rule", "unit_end", "line_idx",
                 "line_start", "line_end", "year", "year_source", "value", "vague", "qualifier", "end", "table",
                 "table_rule", "subject", "method", "confidence", "np_rule", "sentence")

    def __init__(self, m: re.Match):
        self.m = m
        self.num = m.group("num")
        self.is_digit = self.num[0].isdigit()
        self.unit: str | None = None
        self.factor = 1.0
        self.flags: list[str] = []
        self.rate: re.Match | None = None
        self.unit_rule = ""  # the trace name of a unit found past the figure's own symbol (`unit:rate`, ...)
        self.unit_end: int | None = None
        self.table: tuple[str, str | None, int | None] | None = None  # (row label, unit column, column year)
        self.table_rule = ""
        self.subject, self.method, self.confidence, self.np_rule = "", "", 0.0, "noun"
        self.sentence = (0, 0)


def _kept_rule(r: _Reading) -> str:
    """The trace name of the rule that kept a number, from what the stages decided."""
    if r.method == "table_cell":  # table:pipe-row, table:stacked, table:listed, table:data-sheet, ...
        return f"table:{r.table_rule}"
    if r.method == "currency_amount":  # money:currency, or money:paren ("1,230 (10,000 yuan)")
        return f"money:{r.unit_rule or 'currency'}"
    if r.method == "measure_unit":  # unit:measure, unit:rate, unit:ghg-mass, unit:adjective, unit:paren
        return f"unit:{r.unit_rule or 'measure'}"
    if "implied_noun" in r.flags:  # "of which 5,118 were based in Hong Kong", "Headcount reached 3,140"
        return "count:implied"
    # count:noun, count:hyphen, count:shared-head, count:times, count:number-word, count:vague
    return COUNT_METHOD_RULES.get(r.method, f"count:{r.np_rule}")


class _Extraction:
    """State for one document: context computed once, then one pass over candidates."""

    def __init__(self, text: str, doc: str, year: int | None, entity: str | None, page_starts: Sequence[int],
                 skip: Sequence[tuple[int, int]] = (), trace=None):
        self.text = text
        self.trace = trace  # `extract --explain`: a tables.Trace that hears why each number was kept or dropped
        self.skip = sorted(skip)  # spans read elsewhere (table grids): no candidate starts inside them
        self._skip_starts = [s for s, _ in self.skip]
        self.doc = doc
        self.ctx = build_context(text, year=year, entity=entity)
        self.page_starts = list(page_starts)
        self.cls = classifier()
        self._last_metric: Metric | None = None
        self._last_whole: Metric | None = None
        self._whole_verbs: dict[int, frozenset[str]] = {}
        self._site_names: dict[str, bool] = {}
        self._mentions: tuple[list[int], list[str]] | None = None
        self._table_lines: dict[int, bool] = {}
        self._stem_cache: dict = {}
        self._quotes: dict[tuple[int, int], str] = {}
        # The text lower-cased once, for keyword stems of its lines and spans; None when lower-casing changes
        # the length ("İ" -> "i̇"), so offsets would not carry over: then each span is lower-cased on its own.
        lowered = text.lower()
        self._lowered = lowered if len(lowered) == len(text) else None
        # The same, when it also holds every letter a case-insensitive pattern reads as a-z as that letter ("ı" and
        # "ſ" match "i" and "s" but stay themselves): then a lower-case word missing from a span of it is missing
        # from any case-insensitive match there too.
        self._folded = self._lowered if self._lowered is not None and "ı" not in text and "ſ" not in text else None
        self._span_stems_index = None
        self._statistic_sentences: dict[int, bool] = {}

    # ------------------------------------------------------------------ table support
    def _table_years(self, line_idx: int) -> dict[int, int]:
        """Column -> year from the nearest header row above a ' | ' table row."""
        ctx = self.ctx
        for i in range(line_idx - 1, max(-1, line_idx - 60), -1):
            s, e = ctx.line_span(i)
            line = self.text[s:e]
            if TABLE_SEP not in line:
                if line.strip():
                    break
                continue
            cols = year_columns(line.split(TABLE_SEP))
            if cols:
                return cols
        return {}

    def _table_cell(self, m: re.Match, line_idx: int) -> tuple[str, str | None, int | None] | None:
        """(label, unit column text, year) for a number in a ' | ' row; None if it is a header cell."""
        s, e = self.ctx.line_span(line_idx)
        line = self.text[s:e]
        cells = line.split(TABLE_SEP)
        offset, col = s, 0
        for i, cell in enumerate(cells):
            if offset <= m.start() < offset + len(cell) + len(TABLE_SEP):
                col = i
                break
            offset += len(cell) + len(TABLE_SEP)
        if col == 0 or year_columns(cells).get(col):
            return None
        label = cells[0].strip()
        unit_cell = next((c.strip() for c in cells[1:col] if c.strip() and not any(ch.isdigit() for ch in c)), None)
        years = self._table_years(line_idx)
        return label, unit_cell, years.get(col)

    def _stacked_cell(self, line_idx: int) -> tuple[str, str | None, int | None] | None:
        """A table flattened to one cell per line: (label, unit line, year) for a number alone on its line."""
        ctx, text = self.ctx, self.text
        values_before = 0
        unit_line = None
        i = line_idx - 1
        while i >= 0 and line_idx - i < 12:
            s, e = ctx.line_span(i)
            cell = text[s:e].strip()
            if not cell:
                i -= 1
                continue
            if NUMBER_ONLY_RE.match(cell) and not cell_year(cell):
                values_before += 1
            elif _paren_unit("(" + cell + ")") and unit_line is None and len(cell) <= 20:
                unit_line = cell
            else:
                break
            i -= 1
        if i < 0:
            return None
        s, e = ctx.line_span(i)
        label = text[s:e].strip()
        if len(label) > 80 or label.endswith((".", ":")) or cell_year(label) or TABLE_SEP in label:
            return None
        header = self._column_header(i)  # "Hong Kong" under a "Number of suppliers" header
        if header and header != label:
            label = f"{header}: {label}"
        years = self._stacked_header_years(i)
        year = years[values_before] if values_before < len(years) else None
        return label, unit_line, year

    def _stacked_headers(self, line_idx: int) -> str:
        """A value with its unit alone on its line ("71%" under "Female share"): its row label and the header
        cells above the table's first row, as the measured thing."""
        cell = self._stacked_cell(line_idx)
        if cell is None:
            return ""
        headers: list[str] = []
        below = ""
        i = line_idx - 1
        while i >= 0 and line_idx - i < 40:
            s, e = self.ctx.line_span(i)
            line = self.text[s:e].strip()
            if not line or len(line) > 60:
                break
            if not (NUMBER_ONLY_RE.match(line) or NUMBER_ONLY_RE.match(below) or line.endswith("%")):
                headers.append(line)
            below = line
            i -= 1
        return " ".join([*headers[:4], cell[0]]).lower()

    def _stacked_header_years(self, label_idx: int) -> list[int]:
        """The header block of a stacked table: the nearest run of year-only lines above a row label."""
        years: list[int] = []
        for j in range(label_idx - 1, max(-1, label_idx - 40), -1):
            s, e = self.ctx.line_span(j)
            year = cell_year(self.text[s:e])
            if year:
                years.append(year)
            elif years:
                break
        return years[::-1]

    def _column_header(self, label_idx: int) -> str | None:
        """A count or unit header a few lines above a stacked table's first row label."""
        below = ""
        for i in range(label_idx - 1, max(-1, label_idx - 16), -1):
            s, e = self.ctx.line_span(i)
            cell = self.text[s:e].strip()
            if not cell or len(cell) > 60:
                return None
            row_label = bool(NUMBER_ONLY_RE.match(below))
            below = cell
            if NUMBER_ONLY_RE.match(cell) or row_label:
                continue  # an earlier row of the same table
            if _countable_label(cell) or _paren_unit(cell) or _label_unit(cell):
                return cell
        return None

    def _is_table_line(self, idx: int, start: int, end: int) -> bool:
        """Cells separated by ' | ' (HTML tables); remembered per line, since long lines hold many numbers."""
        found = self._table_lines.get(idx)
        if found is None:
            found = self._table_lines[idx] = self.text.find(TABLE_SEP, start, end) >= 0
        return found

    def _spaced_cell(self, m: re.Match, line_idx: int) -> tuple[str, str | None, int | None] | None:
        """A table row whose cells a PDF flattened to spaces: a label, then two or more numbers."""
        s, e = self.ctx.line_span(line_idx)
        row = SPACED_ROW_RE.fullmatch(self.text, s, e)
        if row is None or row.start("values") > m.start():
            return None
        col = len(NUMBER_TOKEN_RE.findall(self.text, row.start("values"), m.start()))
        years: list[int] = []
        unit_cell = None
        for i in range(line_idx - 1, max(-1, line_idx - 30), -1):  # the header row: the nearest run of years
            hs, he = self.ctx.line_span(i)
            header = SPACED_YEARS_RE.search(self.text, hs, he)
            if header and header.end() >= he - 1:
                years = [int(y) for y in header.group().split()]
                # rule `header-unit`: "Emissions (tCO2e) 2023 2022", "WATER [ML] 2023 2022" give the rows their unit
                unit_cell = _header_unit_text(self.text[hs:header.start()])
                break
        n_values = len(NUMBER_TOKEN_RE.findall(self.text, row.start("values"), e))
        year = years[col] if len(years) == n_values else None
        return row.group("label").strip(), unit_cell, year

    def _listed_cell(self, m: re.Match, line_idx: int) -> tuple[str, str | None, int | None] | None:
        """A 'Label: N' line in a run of them under a line that declares their unit: a table written as a list."""
        s, e = self.ctx.line_span(line_idx)
        row = LABEL_VALUE_RE.fullmatch(self.text, s, e) if self.text.find(":", s, e) >= 0 else None
        if row is None or row.end("label") > m.start():
            return None
        for i in range(line_idx - 1, max(-1, line_idx - 15), -1):
            hs, he = self.ctx.line_span(i)
            if LABEL_VALUE_RE.fullmatch(self.text, hs, he):
                continue  # an earlier item of the same list
            header = self.text[hs:he]
            if UNIT_HEADER_RE.search(header) and _paren_unit(header):
                return row.group("label").strip(), header[header.rfind("(") + 1:header.rfind(")")], None
            return None
        return None

    def _data_sheet_cell(self, m: re.Match, line_idx: int, line_start: int) -> tuple[str, None, None] | None:
        """A data-sheet line 'Label: N' whose label names a unit or counted things: the label's head noun is
        what N counts. Only when nothing but punctuation follows N, so '... : 86 aircraft' reads its own noun."""
        row = DATA_SHEET_RE.fullmatch(self.text, line_start, m.start()) if self.text.find(":", line_start, m.start()) >= 0 else None
        if row is None or not AFTER_SHEET_VALUE_RE.match(self.text, m.end()):
            return None
        label = row.group("label").strip()
        if _paren_unit(label) or _label_unit(label) or _countable_label(label, any_plural=True):
            return label, None, None
        return None

    def _period_cell(self, m: re.Match, line_idx: int, line_start: int,
                     line_end: int) -> tuple[str, str | None, int | None] | None:
        """A scorecard flattened to text prints each figure right after its period: 'Workplace fatalities
        FY2017 (1) 1', 'FY2020 0 FY2017 0'. The period is the figure's year; the row's label is the nearest
        line around it, above before below, that names counted things (a whole figure) or a rate per hours worked (a decimal)."""
        left = PERIOD_BEFORE_RE.search(self.text, max(line_start, m.start() - 24), m.start())
        if left is None or not PERIOD_CELL_AFTER_RE.fullmatch(self.text, m.end(), line_end):
            return None
        if (words := _left_words(self.text, left.start())) and words[-1] in lx.YEAR_PREPOSITIONS:
            return None  # "in 2020 15": prose wrapped at a line end
        year = period_year(left.group("period").replace(" ", ""))
        n_lines = len(self.ctx.line_starts)
        value = _number_value(m.group("num"))
        if value != int(value):  # a decimal: a rate, when one is stated near the row
            for i in range(max(0, line_idx - PERIOD_RATE_REACH), min(n_lines, line_idx + PERIOD_RATE_REACH)):
                rate = RATE_RE.search(self.text, *self.ctx.line_span(i))
                if rate:
                    return _letters(self.text[line_start:line_end]), rate.group().strip(), year
            return None
        nearest = sorted(range(max(0, line_idx - PERIOD_CELL_REACH), min(n_lines, line_idx + 3)),
                         key=lambda i: (i > line_idx, abs(i - line_idx)))  # this line, then above, then below
        for i in nearest:
            s, e = self.ctx.line_span(i)
            label = _letters(self.text[s:e])
            if label and (_countable_label(label, any_plural=True) or COUNT_RE.search(label)):
                return label, None, year
        return None

    def _is_page_number(self, line_idx: int) -> bool:
        """A bare number on the first or last line of a PDF page."""
        if not self.page_starts:
            return False
        s, e = self.ctx.line_span(line_idx)
        k = bisect_right(self.page_starts, s)
        page_start = self.page_starts[k - 1] if k else 0
        page_end = self.page_starts[k] if k < len(self.page_starts) else len(self.text)
        return not self.text[page_start:s].strip() or not self.text[e:page_end].strip()

    def _may_hold(self, words: tuple[str, ...], start: int, end: int) -> bool:
        """False only if none of the lower-case `words` occurs in text[start:end] in any case: a cheap test before
        a case-insensitive pattern that needs one of them."""
        folded = self._folded
        if folded is None:
            return True
        for word in words:
            if folded.find(word, start, end) >= 0:
                return True
        return False

    # ------------------------------------------------------------------ explain
    def _drop(self, m: re.Match, rule: str) -> None:
        """An exit of _candidate: records why the number at `m` was dropped when a trace listens; always None."""
        if self.trace is not None:
            self._note(m.start(), m.end(), "dropped", rule)
        return None

    def _note(self, start: int, end: int, decision: str, rule: str) -> None:
        text = self.text
        span = " ".join(text[start:end].split())
        context = " ".join(f"{text[max(0, start - TRACE_CONTEXT):start]}[{text[start:end]}]"
                           f"{text[end:end + TRACE_CONTEXT]}".split())
        self.trace.add(f"line {self.ctx.line_index(start) + 1}: {span}  …{context}…", decision, rule)

    def _note_table_span(self, start: int, end: int) -> None:
        """Numbers in a table span are read from the table's grid: one entry per table."""
        text = self.text
        first = " ".join(text[start:end].split("\n", 1)[0].split())[:60]
        lines = text.count("\n", start, end) + 1
        self.trace.add(f"line {self.ctx.line_index(start) + 1}: table of {lines} lines (read from its grid)  …{first}…",
                       "skipped", "table-span")

    # ------------------------------------------------------------------ main pass
    def run(self) -> list[Metric]:
        out: list[Metric] = []
        last_end = 0
        for start, stop in anchor_runs(self.text, self._lowered):
            a = max(start, last_end)  # an anchor inside the previous candidate is skipped ("five" in "Thirty-five")
            while a < stop:
                last_end = self._anchor(a, last_end, out)
                a = max(a + 1, last_end)
        return out

    def _anchor(self, a: int, last_end: int, out: list[Metric]) -> int:
        """Reads the quantity at anchor `a` (past `last_end`, where the previous candidate ended); returns where
        this one ends."""
        text = self.text
        if self.skip:
            k = bisect_right(self._skip_starts, a) - 1
            if k >= 0 and a < self.skip[k][1]:
                if self.trace is not None:
                    self._note_table_span(*self.skip[k])
                return self.skip[k][1]
        left = (LEFT_CURRENCY_RE.search(text, max(last_end, a - 12), a)
                if a and text[a - 1] in CURRENCY_LAST_CHARS and text[a].isdigit() else None)
        m = CANDIDATE_RE.match(text, left.start() if left else a)
        if m is None or m.start("num") != a:
            m = CANDIDATE_RE.match(text, a)
            if m is None:
                if self.trace is not None:
                    self._note(a, ANCHOR_RE.match(text, a).end(), "dropped", "no-quantity")
                return last_end
        metric = self._candidate(m)
        if metric is not None:
            out.append(metric)
            self._last_metric = metric
            if metric.unit == "count" and not {"part_of_relation", "implied_noun"} & set(metric.flags):
                self._last_whole = metric  # the whole that later parts ("of whom 3 ...") refer to
        return m.end()

    # ------------------------------------------------------------------ the rules, stage by stage
    # `_candidate` runs the stages in order. A stage returns the name of the rule that drops the number, or None
    # to go on; what it decides (unit, cell, subject, ...) it writes on the candidate's `_Reading`. The rule that
    # kept a number is named from what the stages decided (`_kept_rule`). `extract --explain` prints both.

    def _candidate(self, m: re.Match) -> Metric | None:
        r = _Reading(m)
        for stage in self.STAGES:
            dropped = stage(self, r)
            if dropped:
                return self._drop(r.m, dropped)
        metric = self._build(r.m, r.value * r.factor, r.unit, r.qualifier, r.subject, r.method, r.confidence, r.flags,
                             r.year, r.year_source, r.end, r.line_idx, r.line_start, r.sentence)
        if self.trace is not None:
            self._note(metric.start, metric.end, "kept", _kept_rule(r))
        return metric

    def _stage_unit(self, r: _Reading) -> str | None:
        """The unit printed with the figure or right after it: its own symbol, a rate, a GHG mass, an adjective
        unit."""
        text, m = self.text, r.m
        scale = m.group("scale")
        money = bool(m.group("cur") or m.group("cursuf"))
        if scale and scale in "mkbMKB" and not money and not (scale.isupper() and (m.group("unit") or _letter_scaled_count(text, m))):
            return "trap:ambiguous-scale"  # "5 m" without a currency is ambiguous; "2.5M tons", ">95K people" are not
        if m.group("unit") and text[m.start("unit")].isupper() and "\n" in text[m.end("num"):m.start("unit")]:
            # "Drills: 340\nTraining hours": the next line's label, not this figure's unit
            r.m = m = CANDIDATE_RE.match(text, m.start(), m.start("unit"))
        r.unit, r.factor, r.flags = _unit_of(m)
        if m.group("unit") and r.unit is None:
            return "unit:wrong-case"  # wrong-case short symbol ("T", "MU"): not a unit
        r.rate = RATE_RE.match(text, m.end()) if r.unit is None and r.is_digit else None
        if r.rate:
            r.unit, r.unit_rule = rate_unit(r.rate), "rate"
            return None
        if r.unit in (None, "tonne", "kg") and r.is_digit and not money:
            ghg = _ghg_mass(text, m, r.unit)
            if ghg:
                r.unit, extra, r.unit_end = ghg
                r.factor *= extra
                r.unit_rule = "ghg-mass"
        if r.unit is None and r.is_digit and not money:
            adjective = ADJECTIVE_UNIT_RE.match(text, m.end())
            if adjective:  # rule `adjective-unit`: "30 new acres", "12 additional MW"
                r.unit, extra = MEASURE_UNITS[WHITESPACE_RE.sub(" ", adjective.group("unit").lower())]
                r.factor, r.unit_end, r.unit_rule = r.factor * extra, adjective.end(), "adjective"
        if r.unit == "lb" and m.group("unit").lower().startswith("pound") and not OF_AFTER_RE.match(text, m.end()):
            return "unit:ambiguous-pounds"  # "2 million pounds" may be sterling: a mass only as "pounds of <material>"
        return None

    def _stage_traps(self, r: _Reading) -> str | None:
        """Numbers that are no quantity: years, opening hours, names, codes, dates, page debris."""
        text, m = self.text, r.m
        if r.is_digit and _is_calendar_year(text, m):
            return "trap:calendar-year"
        if r.unit in ("hour", "day") and (SERVICE_TIME_RE.match(text, m.end()) or (
                (r.unit, _number_value(r.num)) in FULL_CYCLES and not OF_AFTER_RE.match(text, m.end()))):
            # opening times: "24 hours a day", "a hotline (24 hours)"; "24 hours of training" is one
            return "trap:opening-hours"
        has_unit = r.unit is not None
        return _is_trap(text, m, has_unit=has_unit) or _is_page_debris(text, m, has_unit=has_unit)

    def _stage_context(self, r: _Reading) -> str | None:
        """Where the figure sits and what its words say: line, value, qualifier, and a comparative's year."""
        text, m = self.text, r.m
        r.line_idx = self.ctx.line_index(m.start())
        r.line_start, r.line_end = self.ctx.line_span(r.line_idx)
        r.year, r.year_source = self.ctx.year, self.ctx.year_source
        r.value = _number_value(r.num)
        low = r.num.lower()
        r.vague = low.replace("\n", " ") in lx.VAGUE_WORDS or " " in low and low.split()[0] in ("tens", "hundreds")
        r.qualifier = "at_least" if m.group("plus") else _qualifier(text, m.start(), m.end())
        prior = PRIOR_YEAR_RE.search(text, max(0, m.start() - 12), m.start())
        if prior:  # "RMB 5.6 million (2022: RMB 4.3 million)": the comparative belongs to its own year
            r.year, r.year_source = int(prior.group(1)), f"text: '({prior.group(1)}:'"
        r.end = r.unit_end or (r.rate.end() if r.rate else m.end())
        return None

    # Table cells in flattened text, tried in order; the first that owns the number decides: a rule returns
    # None when the number is not its kind of cell, else (cell, the rule that drops it or None). A cell is
    # (row label, unit column text, column year).
    def _cell_pipe_row(self, r: _Reading):
        if not self._is_table_line(r.line_idx, r.line_start, r.line_end):
            return None
        cell = self._table_cell(r.m, r.line_idx)
        return cell, None if cell is not None else "table:header-cell"

    def _cell_stacked(self, r: _Reading):
        """A figure alone on its line, in a table flattened to one cell per line."""
        text, m = self.text, r.m
        if not (r.is_digit and r.unit is None and m.start() - r.line_start < 8 and r.line_end - m.end() < 8
                and not text[r.line_start:m.start()].strip() and not text[m.end():r.line_end].strip()
                and NUMBER_ONLY_RE.match(m.group(0).strip())):
            return None
        if self._is_page_number(r.line_idx):
            return None, "trap:page-number"
        cell = self._stacked_cell(r.line_idx)
        return cell, None if cell is not None else "table:lone-number"

    def _cell_listed(self, r: _Reading):
        """'Education: 118.0' under 'Donations (Unit: 10,000 yuan)'."""
        cell = self._listed_cell(r.m, r.line_idx) if r.is_digit and r.unit is None else None
        return (cell, None) if cell else None

    def _cell_data_sheet(self, r: _Reading):
        """'Flights operated: 61,240', 'Water withdrawal (ML): 20,102'."""
        cell = self._data_sheet_cell(r.m, r.line_idx, r.line_start) if r.unit is None else None
        return (cell, None) if cell else None

    def _cell_period(self, r: _Reading):
        """'Workplace fatalities FY2017 (1) 1'."""
        cell = self._period_cell(r.m, r.line_idx, r.line_start, r.line_end) if r.is_digit and r.unit is None else None
        return (cell, None) if cell else None

    def _cell_spaced_row(self, r: _Reading):
        """A PDF table row: 'Water (m3) 51,300 49,870'."""
        if not (r.is_digit and r.unit is None and SPACED_TAIL_RE.fullmatch(self.text, r.m.end(), r.line_end)):
            return None
        return self._spaced_cell(r.m, r.line_idx), None

    CELL_RULES = (("pipe-row", _cell_pipe_row), ("stacked", _cell_stacked), ("listed", _cell_listed),
                  ("data-sheet", _cell_data_sheet), ("period-cell", _cell_period), ("spaced-row", _cell_spaced_row))

    def _stage_cell(self, r: _Reading) -> str | None:
        """Is the figure a cell of a table flattened into text? The first cell rule that owns it decides."""
        for name, rule in self.CELL_RULES:
            found = rule(self, r)
            if found is not None:
                r.table, dropped = found
                r.table_rule = name
                return dropped
        return None

    def _stage_paren_unit(self, r: _Reading) -> str | None:
        """Rule `unit:paren`: '1,230 (10,000 yuan)', 'water (10,000 tonnes): 312'."""
        if r.table is None and r.unit is None and r.is_digit and (adjacent := _adjacent_paren_unit(self.text, r.m)):
            r.unit, extra, r.end = adjacent
            r.factor *= extra
            r.unit_rule = "paren"
        return None

    def _stage_read(self, r: _Reading) -> str | None:
        """What the figure counts or measures: a table cell by its row, a measure by its unit, else a count."""
        if r.table is not None:
            return self._read_cell(r)
        if r.unit is not None:
            return self._read_measure(r)
        return self._read_count(r)

    def _read_cell(self, r: _Reading) -> str | None:
        label, unit_cell, col_year = r.table
        if r.unit is None:
            parsed = (_paren_unit(label) or (_paren_unit("(" + unit_cell + ")") if unit_cell else None)
                      or _label_unit(label))
            if parsed is None:
                if not _countable_label(label, any_plural=True):
                    return "table:no-unit"
                parsed = ("count", _label_scale(label))
            r.unit, extra = parsed
            r.factor *= extra
        if r.m.group("paren"):
            r.flags.append("parenthesised_amount")
        r.flags.append("table_row")
        r.subject = PAREN_UNIT_RE.sub("", label).strip().lower()
        r.method, r.confidence = "table_cell", 0.8
        if col_year:
            r.year, r.year_source = col_year, f"text: table column {col_year}"
        return None

    def _read_measure(self, r: _Reading) -> str | None:
        text, m, unit = self.text, r.m, r.unit
        if m.group("paren"):
            r.flags.append("parenthesised_amount")
        r.method = "currency_amount" if unit_kind(unit) == "money" else "measure_unit"
        r.confidence = 0.95 if r.method == "currency_amount" else 0.9
        comp = _compound(text, r.end) if r.method == "measure_unit" and unit_kind(unit) != "time" else None
        if comp:  # "hours per employee" stays hours: an average, in the unit reports use for it
            r.unit = unit = f"{unit}/{compound_denominator(comp)}"
            r.end = comp.end()
        end = r.end
        if m.group("unit") and end < len(text) and text[end:end + 1].isupper():
            r.flags.append("glued_label")  # PDF: "660MWCapacity of energy storage"
        r.subject = self._measured_thing(m.start(), end, percent=unit == "percent")
        if not r.subject and not text[r.line_start:m.start()].strip() and not text[end:r.line_end].strip():
            r.subject = self._stacked_headers(r.line_idx)  # "71%" alone on its line in a flattened table
        if m.group("unit") and ("coal" in m.group("unit").lower() or m.group("unit").lower() == "tce"):
            r.subject = "standard coal"  # tonnes of standard coal: the unit is the tonne, the coal is the subject
        return "unit:vague-amount" if r.vague else None

    def _counted(self, r: _Reading, relation: bool) -> tuple[str, int] | None:
        """The noun a count counts, and how it was found (r.np_rule): right after the figure, after a hyphen,
        past a footnote marker, shared with the next figure's noun, 'N times', or implied by the sentence."""
        text, m, value = self.text, r.m, r.value
        hyphen = HYPHEN_COUNT_RE.match(text, m.end()) if r.is_digit else None
        np = (_hyphen_count(text, hyphen) if hyphen else
              counted_noun(text, m.end(), value=value, words_only=not r.is_digit, after_relation=relation))
        r.np_rule = "hyphen" if hyphen else "noun"
        marker = FOOTNOTE_AFTER_RE.match(text, m.end()) if np is None and r.is_digit else None
        if marker:  # "more than 95,000 10 people": a footnote marker between the figure and its noun
            np = counted_noun(text, marker.end(), value=value, words_only=False, after_relation=relation)
        if np is None and r.is_digit:
            np, r.np_rule = _shared_head(text, m.end(), value), "shared-head"
            if np is None:
                np, r.np_rule = _times_count(text, m, value * r.factor), "times"
        if np is None and not r.vague:
            implicit = self._implicit_count(m, r.is_digit, r.line_idx)
            if implicit is not None:
                np, r.unit = implicit[:2], implicit[2]
                r.flags.append("implied_noun")
        return np

    def _read_count(self, r: _Reading) -> str | None:
        text, m = self.text, r.m
        if m.group("scale") and m.group("scale") in ("k", "m", "b"):
            return "trap:ambiguous-scale"
        relation = _after_relation(text, m.start())
        np = self._counted(r, relation)
        if np is None:
            return "count:vague-no-noun" if r.vague else "no-unit"
        r.subject, np_end = np
        head = r.subject.rsplit(" ", 1)[-1]
        prev = _left_words(text, m.start())
        determiner = prev[-1] if prev else ""
        if not r.is_digit and determiner in ("the", "these", "those") and not _countable(head):
            # "the two countries": a reference, not a count ("at the three pilot malls" is one)
            return "count:reference"
        if _ranking_population(text, m.start(), prev):
            return "scope:rank-field"  # "ranked 17th among 200 peers": the field, not the company
        if _population_statistic(text, np_end, head, prev, self.ctx.brand):
            return "scope:population"  # "Hong Kong's 7.4 million residents": the place, not the company
        sent_end = self.ctx.sentence_span(m.start(), np_end)[1]
        clause = text[np_end:sent_end]
        if (lx.WORLD_SUBJECT_RE.match(clause.lstrip())
                or (lx.WORLD_SCOPE_RE.match(clause.lstrip()) and not self._company_acts(m.start()))
                or (lx.WORLD_SCOPE_RE.search(clause) and (determiner == "the" or lx.WORLD_SUBJECT_RE.search(clause)))):
            return "scope:world"  # statistics about the world
        r.unit = r.unit or lx.TIME_HEADS.get(head, "count")  # "45 lost days" is a duration
        if r.vague:
            r.method, r.confidence, r.qualifier = "vague_count", 0.5, "at_least"
            r.flags.append("vague_quantity")
        else:
            r.method = "counted_noun" if r.is_digit else "number_word_count"
            r.confidence = 0.85 if r.is_digit else 0.8
        if relation:
            r.flags.append("part_of_relation")
        return None

    def _stage_scope(self, r: _Reading) -> str | None:
        """Figures about someone else: an external statistic, a country's total, a share of a place's total, a
        limit in a rule."""
        text, m = self.text, r.m
        r.sentence = sentence = self.ctx.sentence_span(m.start(), r.end)  # the rule-limit test and _build reuse it
        if self._external_statistic(sentence[0]):
            return "scope:external-statistic"
        if self._may_hold(NATIONAL_FIGURE_WORDS, max(0, m.start() - 60), m.start()) and \
                NATIONAL_FIGURE_RE.search(text, max(0, m.start() - 60), m.start()):
            return "scope:national-figure"
        of_place = OF_PLACE_RE.match(text, r.end) if text.startswith(" of ", r.end) else None
        if of_place and self._foreign_owner(of_place.group("owner")) and not self._own_site(of_place.group("owner")):
            return "scope:place-share"  # "about 56% of China's primary energy": a share of the country's total
        if r.unit is not None and THRESHOLD_CUE_RE.search(text, max(0, m.start() - 40), m.start()) and \
                THRESHOLD_LEFT_RE.search(text, max(0, m.start() - 40), m.start()) and RULE_MODAL_RE.search(text, *sentence):
            return "scope:rule-limit"  # "no employee may accept gifts worth more than RMB500": a limit in a rule
        return None

    STAGES = (_stage_unit, _stage_traps, _stage_context, _stage_cell, _stage_paren_unit, _stage_read, _stage_scope)

    def _company_acts(self, pos: int) -> bool:
        """Rule `own-scope`: 'Obtained more than 37,000 patents globally', 'we planted 9,000 trees worldwide': the
        company is the sentence's actor (first person, its name, or a bullet opening with a past-tense verb), so
        'globally' says where it acted, not that the figure is the world's."""
        s, e = self.ctx.sentence_span(pos, pos + 1)
        sentence = self.text[s:e]
        if FIRST_PERSON_RE.search(sentence) or (self.ctx.brand and self.ctx.brand in sentence):
            return True
        return PAST_VERB_OPENER_RE.match(sentence) is not None

    def _external_statistic(self, sent_start: int) -> bool:
        """A sentence that reports someone else's statistics: 'According to national statistics, ...' or a
        place's figures ("Hong Kong's mobile penetration ...", "Australia's population of ...")."""
        found = self._statistic_sentences.get(sent_start)
        if found is None:
            head = self.text[sent_start:sent_start + 160]
            newline = head.find("\n", 0, 80)
            if newline > 0 and self.text[sent_start:sent_start + newline].strip()[-1:] not in ".:;,":
                # the sentence after a heading line: "Retail lending\nAlthough Spain's GDP ..."
                head = self.text[sent_start + newline + 1:sent_start + newline + 161]
            place = PLACE_POSSESSIVE_RE.match(head)
            output = PLACE_OUTPUT_RE.match(head)
            found = bool(SOURCE_OPENER_RE.match(head)) or (
                output is not None and self._foreign_owner(output.group("owner"))
                and FIRST_PERSON_RE.search(head, output.end(), _sentence_stop(head, output.end())) is None) or (
                place is not None and place.group("owner").lower().removeprefix("the ") not in (self.ctx.brand.lower(), *lx.COMPANY_NOUNS)
                and not self.ctx.group.lower().startswith(place.group("owner").lower())
                and (STATISTIC_NOUN_RE.search(head, place.end()) is not None
                     or _place_population_subject(head, place.end())))
            self._statistic_sentences[sent_start] = found
        return found

    def _own_site(self, name: str) -> bool:
        """A name the text uses for one of its own sites or units ("the Tasman smelter", "our Kowloon depot"),
        not for a country or region."""
        found = self._site_names.get(name)
        if found is None:
            found = self._site_names[name] = re.search(
                r"\b(?:[Tt]he|[Oo]ur|[Ii]ts)\s+" + re.escape(name) + r"\s+[a-z]", self.text) is not None
        return found

    def _foreign_owner(self, owner: str) -> bool:
        """A capitalised sentence subject that is neither the company nor a company noun ("Group") nor a pronoun."""
        low = owner.lower()
        return (low not in (self.ctx.brand.lower(), *lx.COMPANY_NOUNS) and low.split()[0] not in lx.NON_PLACE_OPENERS
                and not self.ctx.group.lower().startswith(low))

    def _implicit_count(self, m: re.Match, is_digit: bool, line_idx: int) -> tuple[str, int, str] | None:
        """A count whose noun is left out, as (subject, end, unit):
        - a part of a count just given: '14,260 employees, of which 5,118 were based in Hong Kong and 7,904 in
          mainland China', '14 reports, three of which were substantiated', 'Hong Kong: 1,206' under a lead-in;
        - a predicate: 'Headcount reached 3,140', 'Lost days due to work injury dropped to 968'."""
        text = self.text
        last = self._last_metric
        # a share or a time in between ("resolved 97% of them within 10 days; 61 were escalated") keeps the whole
        parent = self._last_whole if last is not None and unit_kind(last.unit) in ("count", "percent", "time") else None
        if parent is not None and m.start() - last.end < 600:
            same_line = "\n\n" not in text[parent.end:m.start()] and TABLE_SEP not in text[parent.end:m.start()]
            right = text[m.end():m.end() + 30]
            cue = ELLIPSIS_RIGHT_RE.match(right) if is_digit else ELLIPSIS_RIGHT_WORDS_RE.match(right)
            relation = _after_relation(text, m.start())
            if same_line and (cue or relation) and m.start() - parent.end < 300:
                return parent.subject, m.end(), "count"
            s, e = self.ctx.line_span(line_idx)
            label = LABEL_VALUE_RE.match(text, s, e)
            if is_digit and label and label.end() == e:
                return f"{parent.subject}: {label.group('label').strip()}", m.end(), "count"
        if (last is not None and last.unit == "count" and 0 <= m.start() - last.end < 16
                and PRIOR_YEAR_RE.search(text, max(0, m.start() - 12), m.start())):
            return last.subject, m.end(), "count"  # "86 aircraft (2022: 79)": last year's figure of the same count
        if (last is not None and last.unit == "count" and 0 <= m.start() - last.end < 120
                and PREVIOUS_VALUE_RE.search(text, max(0, m.start() - 20), m.start())
                and not any(c in text[last.end:m.start()] for c in ".;\n")):
            return last.subject, m.end(), "count"  # "37 complaints, down from 52": the same count's previous value
        if not is_digit:
            return None
        s, _ = self.ctx.sentence_span(m.start(), m.end())
        share = SHARE_AFTER_RE.match(text, m.end())
        if share:  # "Number of employees by gender: Male 1,234 (56%), Female 968 (44%)"
            lead = LEAD_IN_RE.match(text, s, m.start())
            label = _left_words(text, m.start())[-1:]
            if lead and label and label[0].isalpha():
                return f"{lead.group(1).strip().lower()}: {label[0]}", m.end(), "count"
        pred = PREDICATE_RE.search(text, max(s, m.start() - 90), m.start())
        if pred is None:
            return None
        phrase = [w.lower() for w in LETTER_WORD_RE.findall(pred.group("np"))]
        for w in phrase:
            if w in lx.TIME_HEADS:
                return " ".join(phrase), m.end(), lx.TIME_HEADS[w]
        if "number" in phrase or any(w in lx.COUNT_SUBJECTS or (_plural_like(w) and _countable(w)) for w in phrase):
            return " ".join(phrase), m.end(), "count"
        if (phrase and _plural_like(phrase[-1]) and AGENT_PLURAL_RE.search(phrase[-1])
                and phrase[-1] not in lx.AMOUNT_PLURALS):
            return " ".join(phrase), m.end(), "count"  # "Mobile subscribers reached 4.37 million": people counted
        return None

    # Keyword stems per text unit, computed once: many metrics share a sentence, line or heading.
    def _line_stems(self, idx: int) -> frozenset[str]:
        found = self._stem_cache.get(idx)
        if found is None:
            found = self._stem_cache[idx] = self._stems_between(*self.ctx.line_span(idx))
        return found

    def _span_stems(self, s: int, e: int) -> frozenset[str]:
        key = (s, e)
        found = self._stem_cache.get(key)
        if found is None:
            found = self._stem_cache[key] = self._stems_between(s, e)
        return found

    def _stems_between(self, s: int, e: int) -> frozenset[str]:
        if self._lowered is None:
            return self.cls.stems_in(self.text[s:e])
        return self._span_index().stems(s, e)

    def _span_index(self):
        if self._span_stems_index is None:  # the text tokenised once, when the first figure needs its words
            self._span_stems_index = self.cls.span_index(self._lowered)
        return self._span_stems_index

    def _nearby_stems(self, line_idx: int) -> frozenset[str]:
        """Stems of the lines within NEARBY_CHARS before this line: weak topic evidence."""
        key = ("nearby", line_idx)
        found = self._stem_cache.get(key)
        if found is None:
            starts = self.ctx.line_starts
            first = self.ctx.line_index(max(0, starts[line_idx] - NEARBY_CHARS))
            if self._lowered is not None:  # the union of the lines' stems, from the tokens in one range
                found = self._span_index().stems_of_lines(starts[first], starts[line_idx])
            else:
                found = frozenset().union(*filter(None, map(self._line_stems, range(first, line_idx))))
            self._stem_cache[key] = found
        return found

    def _heading_zones(self, pos: int) -> dict[str, frozenset[str]]:
        """Stems of the nearest heading above pos ("heading") and of the three above it ("section"); the same
        for every figure under one heading, so computed once per heading."""
        ctx = self.ctx
        below = bisect_right(ctx.heading_offsets, pos)  # headings above pos: ctx.heading_texts[:below]
        key = ("headings", below)
        found = self._stem_cache.get(key)
        if found is None:
            headings = ctx.heading_texts[max(0, below - 4):below]
            found = self._stem_cache[key] = {
                "heading": self._stems_of_text(headings[-1]) if headings else frozenset(),
                "section": frozenset().union(*(self._stems_of_text(h) for h in headings[:-1])),
            }
        return found

    def _stems_of_text(self, text: str) -> frozenset[str]:
        found = self._stem_cache.get(text)
        if found is None:
            found = self._stem_cache[text] = self.cls.stems_in(text)
        return found

    def _tile_label_stems(self, line_start: int, pos: int) -> frozenset[str]:
        """Rule `tile-label`: a figure that opens its line takes the line above as its own words when that line is
        a label ("Energy intensity1" over "↓15.3%GJ/1,000 ft2") or a lead-in cut by the layout ("Our total fuel
        efficiency increased by" over "24.9 %in traffic carried")."""
        if self.text[line_start:pos].strip(" \t↑↓▲▼<>~≈+-–•·*"):
            return frozenset()
        prev_end = self.text.rfind("\n", 0, line_start)
        while prev_end > 0 and not self.text[self.text.rfind("\n", 0, prev_end) + 1:prev_end].strip():
            prev_end = self.text.rfind("\n", 0, prev_end)
        if prev_end <= 0:
            return frozenset()
        label = self.text[self.text.rfind("\n", 0, prev_end) + 1:prev_end].strip()
        words = label.rstrip("0123456789*").split()
        if not label or label[-1] in ".!?" or any(c.isdigit() for c in label.rstrip("0123456789*")):
            return frozenset()
        if len(words) <= 4 or words[-1].lower() in TILE_LEAD_IN_ENDINGS:
            return self._stems_of_text(label.rstrip("0123456789*"))
        return frozenset()

    def _lead_in_stems(self, sent_start: int, pos: int) -> frozenset[str]:
        """'Training coverage: 95.2% of ...': a label that opens the sentence names what its figures measure."""
        lead = LEAD_IN_RE.match(self.text, sent_start, pos)
        if lead is None or any(c in self.text[lead.end():pos] for c in ":;"):
            return frozenset()  # "A: 5 t; B: 7 t": each figure has its own label
        return self._stems_of_text(lead.group(1))

    def _entity(self, sent_start: int, pos: int, line_start: int) -> str:
        """Nearest named subsidiary before the fact (sentence, then paragraph, then headings); else the group."""
        ctx = self.ctx
        if self._mentions is None:  # every brand mention in the text, found once
            org = _org_re(ctx.brand)
            text = self.text
            found = [(m.start(), _entity_name(ctx, m.group())) for m in org.finditer(text)
                     if not (m.start() and text[m.start() - 1].isalpha())] if org else []
            self._mentions = ([p for p, _ in found], [n for _, n in found])
        starts, names = self._mentions
        i = bisect_right(starts, pos - 1) - 1
        if i >= 0 and starts[i] >= sent_start:
            return names[i]
        if FIRST_PERSON_RE.search(self.text, sent_start, pos):
            return ctx.group  # "we donated ...": the reporting group speaks
        if i >= 0 and starts[i] >= line_start:
            return names[i]
        org = _org_re(ctx.brand)
        for heading in reversed(ctx.headings_before(pos)) if org else ():
            m = org.match(heading)
            if m and m.end() == len(heading):
                return _entity_name(ctx, m.group())
        return ctx.group

    def _measured_thing(self, start: int, end: int, percent: bool = False) -> str:
        """'240,000 kWh of electricity' -> 'electricity'; else the content words just before the amount."""
        marks = FOOTNOTE_MARKS_RE.match(self.text, end)  # "41%* for ...": a footnote mark, then the words
        words = _read_words(self.text, marks.end() if marks else end, 5)
        share_for = percent and bool(words) and words[0][0] == "for"
        if share_for:  # "cut by 41% for CO2 from energy, 65% for water use": each share names its own thing
            words = _np_words(self.text, marks.end() if marks else end)[:5]
        if words and (words[0][0] == "of" or share_for):  # "41% of its cooling water"
            phrase = []
            rest = words[1:]
            if rest and rest[0][0].lower() in ("its", "our", "their", "the"):
                rest = rest[1:]  # "41% of its cooling water"
            for w, _ in rest:
                if w.lower() in lx.NP_STOP_WORDS:
                    break
                phrase.append(w.lower())
            if phrase:
                return " ".join(phrase)
        left = PAREN_BEFORE_RE.sub("", self.text[max(0, start - 80):start])  # "water (10,000 tonnes): 312"
        left = PHRASE_BREAK_RE.split(left.rstrip(" \t:=("))[-1]
        content = [w.lower() for w in LETTER_WORD_RE.findall(left)
                   if w.lower() not in lx.NP_STOP_WORDS and w.lower() not in lx.LINKING_VERBS]
        return " ".join(content[-5:])

    def _build(self, m, value, unit, qualifier, subject, method, confidence, flags, year, year_source,
               end, line_idx, line_start, sentence) -> Metric:
        text, ctx = self.text, self.ctx
        start = m.start()
        s, e = sentence
        quote = self._quotes.get((s, e))
        if quote is None:  # one per sentence, shared by its figures
            quote = self._quotes[(s, e)] = " ".join(text[s:e].split())
        sent_from = s
        if ANAPHORA_OPENER_RE.match(text, s, start) and s > 1:  # "Of these, 99.6% were closed": the last sentence's topic
            sent_from = ctx.sentence_span(s - 2, s - 1)[0]
        kind = unit_kind(unit)
        whole = own = self._span_stems(sent_from, e)
        beyond: frozenset[str] = frozenset()
        if kind != "percent":  # a share refers back to the whole it is a share of ("..., of which 61% ..."): no cut
            own_s, own_e = _scope_span(text, s, e, start, end)
            if own_s != s or own_e != e:
                own_span = (own_s if own_s > s else sent_from, own_e)
                own = self._span_stems(*own_span)
                beyond_key = ("beyond", sent_from, e, own_span)  # figures in one clause share it
                beyond = self._stem_cache.get(beyond_key)
                if beyond is None:
                    beyond = self._stem_cache[beyond_key] = whole - own
        # only a few kinds have indicators that look at the clause; the others skip the work
        clause = self._span_stems(*_clause_span(text, s, e, start, end)) if kind in self.cls.clause_kinds else frozenset()
        subject_stems = _union(self._stems_of_text(f"{subject} {unit}" if "/" in unit else subject),
                               self._lead_in_stems(s, start))
        own = _union(own, self._tile_label_stems(line_start, start))
        parent = self._last_whole
        verb_stems = self._stems_of_text(_verb_before(text, s, start) + " " + _predicate_after(text, end, e))
        if (parent is not None and parent.start >= s and (
                "part_of_relation" in flags or "implied_noun" in flags or subject.rsplit(" ", 1)[-1] in GENDER_HEADS)
                and parent.unit == unit and parent.start < start):
            # "2,140 suppliers, of which 1,870 were SMEs", "employed 16,000 people, of whom 2,200 were women":
            # a part is counted as its whole is
            subject_stems = _union(subject_stems, self._stems_of_text(parent.subject))
            verb_stems = _union(verb_stems, self._whole_verbs.get(parent.start, frozenset()))
        self._whole_verbs[start] = verb_stems
        zones = {
            # a compound unit names what is measured per what: "tCO2e/employee" is an emission intensity
            "subject": subject_stems,
            "verb": verb_stems,
            "sentence": own,
            "beyond": beyond,
            "clause": clause,
            "paragraph": self._line_stems(line_idx),
            **self._heading_zones(start),
            "nearby": self._nearby_stems(line_idx),
        }
        indicator = self.cls.classify(unit, kind, zones)
        page = bisect_right(self.page_starts, start) if self.page_starts else None
        return Metric(
            doc=self.doc, value=float(f"{value:.12g}"), unit=unit, qualifier=qualifier, hkex_kpi=indicator.hkex_kpi, gri=indicator.gri,
            indicator=indicator.id, entity=self._entity(s, start, line_start), year=year, year_source=year_source,
            subject=subject, quote=quote, start=start, end=end, line=line_idx + 1, page=page or None, method=method,
            confidence=confidence, flags=flags, raw=text[start:end],
        )


def _union(a: frozenset[str], b: frozenset[str]) -> frozenset[str]:
    """a | b, but an operand itself when the other adds nothing: zone sets stay the cached objects whose hashes
    the classifier's cache has already computed."""
    if not b or b is a:
        return a
    return b if not a else a | b


TILE_LEAD_IN_ENDINGS = frozenset("by of to at in was were reached totalled totaled is are".split())
SOURCE_OPENER_RE = re.compile(r"\s*According\s+to\s+(?:the\s+)?(?:[\w-]+\s+){0,3}(?:statistics|data|figures|estimates|census)\b")
# A share of a place's total: "56% of China's primary energy consumption".
OF_PLACE_RE = re.compile(r"\s+of\s+(?:the\s+)?(?P<owner>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)['’]s\s")
# A limit set by a rule: "gifts worth more than RMB500" in a sentence saying what one may or must not do.
THRESHOLD_LEFT_RE = re.compile(r"\b(?:worth|valued\s+at|value\s+of|exceeding|in\s+excess\s+of)\s+(?:(?:more|less)\s+than\s+|over\s+"
                               r"|above\s+|up\s+to\s+)?[A-Za-z$¥€£]{0,4}\s?$", re.I)
THRESHOLD_CUE_RE = re.compile(r"worth|valu|exceed|excess")  # a cheap test before THRESHOLD_LEFT_RE
RULE_MODAL_RE = re.compile(r"\b(?:may|must|shall|prohibit\w*|forbid\w*|not\s+(?:allowed|permitted))\b", re.I)
PLACE_POSSESSIVE_RE = re.compile(r"\s*(?:(?:In|Although|Though|While|Whereas|As)\s+)?(?P<owner>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)['’]s\s")
# Nouns of a place's statistics, looked for in the rest of a sentence that opens with the place's possessive.
STATISTIC_NOUN_RE = re.compile(r"\b(?:population|penetration|national\s+average|gdp|economy|inhabitants|census)\b", re.I)
# A national or industry aggregate named just before the figure: "the national minimum wage of BDT 12,500".
NATIONAL_FIGURE_RE = re.compile(r"\b(?:national|nationwide|industry-wide|industry)\s+(?:minimum\s+wage|average(?:\s+wage)?|total|output"
                                r"|production|exports?)\s+(?:of|was|were|is|stood\s+at|reached)\s+(?:about\s+|around\s+|some\s+)?"
                                r"[A-Za-z$¥€£]{0,4}\s?$", re.I)
NATIONAL_FIGURE_WORDS = ("national", "industry")  # one of them is in any match: a cheap test first
# A place as the subject of a verb of output or trade ("China produced ...", "Vietnam's mills exported ..."): the
# country's or industry's figures, not the company's.
PLACE_OUTPUT_RE = re.compile(r"\s*(?:In\s+\d{4},\s+)?(?P<owner>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)(?:['’]s\s+[a-z]+(?:\s+[a-z]+)?)?\s+"
                             r"(?:produced|exported|imported|consumed|emitted)\b")
POPULATION_OPENER_RE = re.compile(r"[\d,.]+\s+(?:(?:million|billion|thousand)\s+)?(?P<head>[a-z]+)\b")


def _sentence_stop(head: str, pos: int) -> int:
    stop = SENTENCE_STOP_RE.search(head, pos)
    return stop.start() if stop else len(head)


SENTENCE_STOP_RE = re.compile(r"[.!?](?:\s|$)")


def _place_population_subject(head: str, pos: int) -> bool:
    """A sentence led by a place's population ("Macau's 680,000 residents host ...") is about the place, unless
    the company speaks in it ("we", "our")."""
    pop = POPULATION_OPENER_RE.match(head, pos)
    return (pop is not None and pop.group("head") in lx.POPULATION_HEADS
            and FIRST_PERSON_RE.search(head, pos, head.find(". ", pos) % (len(head) + 1)) is None)


ELLIPSIS_RIGHT_RE = re.compile(
    r"\s*(?:of\s+(?:which|whom|them)\b|(?:were|was|are|is)\b|(?:in|at|from)\s|(?:overseas|elsewhere|abroad|locally|domestically)\b)", re.I)
ELLIPSIS_RIGHT_WORDS_RE = re.compile(r"\s*(?:of\s+(?:which|whom|them)\b|(?:were|was|are|is)\s+[a-z]+ed\b)", re.I)
UNIT_HEADER_RE = re.compile(r"\((?:units?\s*[:：]|in\s)", re.I)
LABEL_VALUE_RE = re.compile(r"[ \t]*(?P<label>[A-Za-z][^:|\n]{1,60}):[ \t]*\(?\d[\d,]*(?:\.\d+)?\)?[ \t]*")
DATA_SHEET_RE = re.compile(r"[ \t]*(?:[•·*\-][ \t]*)?(?P<label>[A-Za-z\"“][^:|\n]{1,80}?)[ \t]*:[ \t]*"
                           r"(?:(?:" + lx.QUALIFIER_ALTERNATION + r")[ \t]+)?")
AFTER_SHEET_VALUE_RE = re.compile(r"[ \t]*(?:[^\sA-Za-z]|$)", re.M)
SHARE_AFTER_RE = re.compile(r"\s?\(\s?\d{1,3}(?:\.\d+)?\s?%\s?\)")
LEAD_IN_RE = re.compile(r"\s*([A-Za-z][A-Za-z ,\-]{3,80}):")
PREDICATE_RE = re.compile(
    r"(?P<np>(?:^|(?<=[\s(]))[A-Za-z][A-Za-z\- ]{2,70}?)\s+(?:was|were|reached|totall?ed|numbered|came\s+to|amounted\s+to|stood\s+at|"
    r"exceeded|surpassed|passed|topped|"
    r"(?:rose|fell|dropped|increased|decreased|declined|grew|eased)\s+to)\s+(?:(?:" + lx.QUALIFIER_ALTERNATION
    + r")\s+)?$", re.I)
# Plural nouns of people by role ("subscribers", "visitors", "tenants", "pharmacists", "trainees"): counted.
AGENT_PLURAL_RE = re.compile(r"(?:[^s]ers|ors|ants|ents|ists|ees|ians)$")
_NUMBER_TOKEN = r"\(?\d[\d,]*(?:\.\d+)?\)?%?"
NUMBER_TOKEN_RE = re.compile(_NUMBER_TOKEN)
SPACED_TAIL_RE = re.compile(r"(?:[ \t]+" + _NUMBER_TOKEN + r")*[ \t]*")
SPACED_ROW_RE = re.compile(r"[ \t]*(?P<label>[^\n|]*?[A-Za-z)][^\n|\d]*?)[ \t]+(?P<values>" + _NUMBER_TOKEN
                           + r"(?:[ \t]+" + _NUMBER_TOKEN + r")+)[ \t]*")
SPACED_YEARS_RE = re.compile(r"(?:(?:19[89]|20[0-4])\d[ \t]+)+(?:19[89]|20[0-4])\d")
PRIOR_YEAR_RE = re.compile(r"\(\s?(?:FY\s?)?((?:19[89]|20[0-4])\d)\s?[:：]\s*$")
NUMBER_ONLY_RE = re.compile(r"^\(?\s?\d[\d,]*(?:\.\d+)?\s?\)?%?$")


# a period as sentences print it: 2023, FY23, FY2023, 2022/23, 2022-23, 2022-2023 (a fiscal year: its end year)
_PERIOD = r"FY\s?\d{2}(?:\d{2})?(?:[/\-–](?:19|20)?\d{2})?|(?:19|20)\d{2}(?:[/\-–](?:19|20)?\d{2})?"
# A scorecard cell: a period, an optional footnote marker, the figure; then nothing but more such cells.
PERIOD_BEFORE_RE = re.compile(rf"(?:^|(?<=\s))(?P<period>{_PERIOD})(?:[ \t]+\(\d{{1,2}}\))?[ \t]+$")
PERIOD_CELL_AFTER_RE = re.compile(r"(?:[ \t]+(?:\(\d{1,2}\)|FY\s?\d{2,4}|(?:19[89]|20[0-4])\d|\d[\d,]*(?:\.\d+)?))*[ \t]*")
PERIOD_CELL_REACH = 4  # lines above a scorecard cell searched for its label
PERIOD_RATE_REACH = 8  # lines around a decimal cell searched for its rate ("per million hours worked")
_NOT_LETTERS_RE = re.compile(r"\(\d{1,2}\)|\bFY\s?\d{2,4}\b|\S*\d\S*")


def _letters(line: str) -> str:
    """A line's words without its figures, periods and footnote markers: what a flattened row calls itself."""
    return " ".join(_NOT_LETTERS_RE.sub(" ", line).split())


FOOTNOTE_MARKS_RE = re.compile(r"[*†‡]+")
LABEL_UNIT_RE = re.compile(r"(?<![A-Za-z])(?P<unit>" + alternation(k for k in MEASURE_UNITS if len(k) > 2) + r")(?![A-Za-z])", re.I)


def _label_unit(label: str) -> tuple[str, float] | None:
    """A unit word inside a row label: 'Volunteer hours', 'Average training hours per employee'."""
    m = LABEL_UNIT_RE.search(label)
    if not m:
        return None
    return MEASURE_UNITS[WHITESPACE_RE.sub(" ", m.group("unit").lower())]


def _verb_before(text: str, sent_start: int, start: int) -> str:
    """The word right before the quantity, past qualifiers ('saved roughly 415,000 kWh' -> 'saved')."""
    reach = start - sent_start
    # the other rules' call when the sentence reaches that far: the same cache entry
    words = _strip_total(_left_words(text, start) if reach >= LEFT_REACH else _left_words(text, start, reach))
    for k in (3, 2, 1):
        if len(words) >= k and " ".join(words[-k:]) in lx.QUALIFIER_PHRASES:
            words = _strip_total(words[:-k])
            break
    while words and words[-1] in ("of", "worth"):
        words = words[:-1]
    return words[-1] if words and words[-1].isalpha() else ""


PURPOSE_RE = re.compile(r"[^.;,]{0,50}?\bfor\s+([a-z]+ing)\b")
PASSIVE_RE = re.compile(r"[^.;,]{0,40}?\b(?:(?:were|was|are|is|(?:have|has|had)\s+been)\s+([a-z]+ed)"
                        r"|(died|lost\s+(?:his|her|their)\s+li(?:fe|ves)))\b")  # or a death: "one worker died"
ANAPHORA_OPENER_RE = re.compile(r"\s*(?:of|among|amongst)\s+(?:these|those|them|this|which)\b", re.I)
CLAUSE_BREAK_RE = re.compile(r"[;:]|,\s")


def _predicate_after(text: str, end: int, sent_end: int) -> str:
    """What the sentence says happened to the quantity, which says what it is: 'sent 362 tonnes of paper offcuts
    for recycling' -> 'recycling'; '1,600 staff were retrained' -> 'retrained'."""
    purpose = PURPOSE_RE.match(text, end, sent_end) if text.find("for", end, min(sent_end, end + 53)) >= 0 else None
    words = [m.group(m.lastindex) for m in (purpose, PASSIVE_RE.match(text, end, sent_end)) if m]
    return " ".join(words)


def _clause_span(text: str, sent_start: int, sent_end: int, start: int, end: int) -> tuple[int, int]:
    """The clause holding the quantity: the sentence cut at semicolons, colons and commas (not digit groups).
    A short opening phrase ("On average, ...", "In 2023, ...") governs the whole sentence and stays."""
    cs = sent_start
    for b in CLAUSE_BREAK_RE.finditer(text, max(sent_start, start - 200), start):
        if cs != sent_start or len(text[sent_start:b.start()].split()) > 3:
            cs = b.end()
    nxt = CLAUSE_BREAK_RE.search(text, end, sent_end)
    return cs, nxt.start() if nxt else sent_end


# Where a sentence turns to another fact: "; ", ", while", ", and", ", which", "of which", "whereas", "but".
SCOPE_BREAK_RE = re.compile(  # opens with a character set so the scan skips ordinary text quickly
    r"[;,\s](?:(?<=;)|(?<=,)\s+(?:while|whereas|and|but|which|of\s+which|among\s+which|with)\b|(?<=\s)(?:while|whereas)\s)")


def _scope_span(text: str, sent_start: int, sent_end: int, start: int, end: int) -> tuple[int, int]:
    """The part of the sentence that speaks about the quantity: cut at the clause boundaries nearest to it."""
    cs = sent_start
    for b in SCOPE_BREAK_RE.finditer(text, max(sent_start, start - 300), start):
        cs = b.start()
    nxt = SCOPE_BREAK_RE.search(text, end, sent_end)
    return cs, nxt.start() if nxt else sent_end


LABEL_RELATION_RE = re.compile(r"\s*(?:of\s+(?:which|whom)|including|among\s+(?:them|which|whom))\b", re.I)


def _label_head(label: str) -> str:
    """The head noun of a row label: the last word before a preposition or relative pronoun, past trailing
    participles. 'Passengers with reduced mobility assisted' -> 'passengers', 'Of which cabin crew' -> 'crew',
    'Flights operated' -> 'flights', 'Staff who completed training' -> 'staff'."""
    low = PAREN_UNIT_RE.sub("", label.lower())
    relation = LABEL_RELATION_RE.match(low)
    words: list[str] = []
    for w in re.findall(r"[a-z][a-z\-'’]*", low[relation.end():] if relation else low):
        if w in lx.NP_STOP_WORDS:
            if words:
                break
            continue  # a leading article: "The ..."
        words.append(w)
    for k in range(len(words) - 1):  # "Employees given anti-corruption training", "Drills held"
        if _is_participle(words[k + 1]) and _plural_like(words[k]):
            return words[k]  # a reduced relative clause: the noun before the participle is the head
    while len(words) > 1 and len(words[-1]) > 4 and words[-1].endswith("ed"):
        words.pop()  # "Destinations served", "Complaints received"
    return words[-1] if words else ""


def _is_participle(word: str) -> bool:
    return (len(word) > 4 and word.endswith("ed")) or word in lx.IRREGULAR_PARTICIPLES


def _countable_label(label: str, *, any_plural: bool = False) -> bool:
    """Does a row label name counted things? With `any_plural`, a label whose head is any plural noun does
    ('ATMs and cash recyclers', 'Registered users'): a unitless number in a table row is a count of it.
    'Header: row' labels of stacked tables count when either part does ('Employees: Chile')."""
    low = label.lower()
    if re.search(r"\b(?:number|no\.)\s+of\b|\bheadcount\b|\btotal\b", low):
        return True
    if ": " in low:
        return any(_countable_label(part, any_plural=any_plural) for part in low.split(": "))
    head = _label_head(low)
    if not head or not _plural_like(head):
        return False
    if any_plural:
        return head not in lx.NON_COUNT_HEADS and head not in lx.GENERIC_PLURALS and head not in lx.AMOUNT_PLURALS
    return _countable(head) or _countable(head.rsplit("-", 1)[-1])  # "sub-branches" counts branches


def extract_metrics(text: str, *, doc: str, year: int | None = None, entity: str | None = None,
                    page_starts: Sequence[int] = (), skip: Sequence[tuple[int, int]] = (), trace=None) -> list[Metric]:
    """Every quantitative statement in `text`, with value in base units and provenance; spans in `skip`
    (tables read from their grids) are left alone. A `trace` (tables.Trace) hears, for every number looked at,
    the rule that kept or dropped it."""
    if not text:
        return []
    return _Extraction(text, doc, year, entity, page_starts, skip, trace).run()


def extract_document(document, *, doc: str, year: int | None = None, entity: str | None = None,
                     currency: str | None = None, trace=None) -> list[Metric]:
    """Every quantitative statement of a read document: table cells from its grids, the rest from its text.
    `currency` is the catalog's reporting currency, what a bare `$` stands for (else read from the text)."""
    tables = extract_table_metrics(document, name=doc, entity=entity, trace=trace)
    if any(m.year is None for m in tables):
        covered = (year, "catalog") if year is not None else infer_year(document.text)
        for metric in tables:
            report_year(metric, *covered, trace=trace)
    prose = extract_metrics(document.text, doc=doc, year=year, entity=entity, page_starts=document.page_starts,
                            skip=document.table_spans(), trace=trace)
    years_of: dict[str, int | None] = {}  # sentence -> its one period
    for metric in prose:
        ghg_tonnes(metric, trace)
        sentence_period(metric, trace, years_of)
        trailing_period(metric, trace)
    year_end = fiscal_year_end(document.text)
    own_dollar = report_currency(document.text, currency)
    comma_decimals = writes_decimal_comma(document.text)
    metrics = sorted([*prose, *tables], key=lambda m: m.start)
    for metric in metrics:
        decimal_comma(metric, comma_decimals, trace)
        report_dollar(metric, own_dollar, trace)
        assign_dimensions(metric, trace)
        assign_period(metric, year_end, trace)
    return metrics


def report_year(metric: Metric, year: int | None, source: str, trace=None) -> None:
    """Rule `report-year`: a table figure in a column without a period ('Unit | Value'), under a title without
    one, is for the year the report covers (the catalog's, else the one its text states), as prose figures are."""
    if metric.year is not None or year is None:
        return
    if trace is not None:
        trace.add(f"line {metric.line}: {' '.join(metric.raw.split())}  year -> {year}", "changed", "report-year")
    metric.year, metric.year_source = year, source


# 'In 2018', 'for FY23', 'during the financial year 2022/23', 'as of 31 December 2021': the period a
# sentence reports on. 'by 2030', 'since 2015', 'from 2019' name targets and baselines, not the period.
_NOT_A_LIST = r"(?!\s*(?:-|–|to|and|&|,|or)\s*(?:19|20)\d\d\b)"  # '2022 and 2023', '2019 to 2021': no one period
SENTENCE_PERIOD_RE = re.compile(
    r"\b(?i:in|for|during|as\s+(?:of|at)|at\s+the\s+end\s+of|end\s+of)\s+(?i:the\s+)?"
    r"(?:(?i:financial|fiscal|reporting)\s+(?i:year)\s+|(?i:year)\s+|\d{1,2}\s+[A-Z][a-z]+\s+)?"
    rf"(?P<period>{_PERIOD})\b{_NOT_A_LIST}")


def sentence_period(metric: Metric, trace=None, years_of: dict[str, int | None] | None = None) -> None:
    """Rule `sentence-period`: a figure whose own sentence names one reporting period ('In 2018, ...',
    'For FY23, ...') has that year, whatever year the document reports on. `years_of`: one document's
    sentences already read (the figures of a sentence share its quote)."""
    if years_of is not None and metric.quote in years_of:
        year = years_of[metric.quote]
    else:
        year = _sentence_year(metric.quote)
        if years_of is not None:
            years_of[metric.quote] = year
    if year is None:
        return
    if year != metric.year:
        if trace is not None:
            trace.add(f"line {metric.line}: {' '.join(metric.raw.split())}  year {metric.year} -> {year}",
                      "changed", "sentence-period")
        metric.year, metric.year_source = year, "sentence"


def _sentence_year(quote: str) -> int | None:
    """The one reporting period a sentence names, or None (none, or several)."""
    years = {period_year(m.group("period").replace(" ", "")) for m in SENTENCE_PERIOD_RE.finditer(quote)}
    years.discard(None)
    return years.pop() if len(years) == 1 else None


# 'from 71 million tonnes in 2018 to 70 million tonnes in 2019': a period right after a figure (its unit
# words between, no other figure or clause break) is that figure's own.
TRAILING_PERIOD_RE = re.compile(
    r"^[^\d.;:!?]{0,60}?\b(?:in|during|for)\s+(?:the\s+)?(?:(?:financial|fiscal|reporting)\s+year\s+)?"
    rf"(?P<period>{_PERIOD})\b{_NOT_A_LIST}"
    # '2,158,000 tCO2e (FY23), 2,207,000 tCO2e (FY22)': the period alone in brackets right after the figure
    rf"|^[^\d.;:!?()]{{0,20}}?\(\s*(?P<bracketed>{_PERIOD})\s*\)")


def trailing_period(metric: Metric, trace=None) -> None:
    """Rule `trailing-period`: a figure followed by its own period ('70 million tonnes in 2019') has
    that year, even where the sentence names several."""
    at = metric.quote.find(metric.raw) if metric.raw else -1
    if at < 0:
        return
    m = TRAILING_PERIOD_RE.match(metric.quote[at + len(metric.raw):])
    year = period_year((m.group("period") or m.group("bracketed")).replace(" ", "")) if m else None
    if year is None or year == metric.year:
        return
    if trace is not None:
        trace.add(f"line {metric.line}: {' '.join(metric.raw.split())}  year {metric.year} -> {year}",
                  "changed", "trailing-period")
    metric.year, metric.year_source = year, "sentence"


def ghg_tonnes(metric: Metric, trace=None) -> None:
    """Rule `ghg-tonnes`: plain tonnes in a sentence about GHG emissions are tonnes of CO2e
    ('cut 4,000 metric tons of carbon dioxide emissions'); waste, pollutants and fuels stay tonnes."""
    if metric.unit != "tonne" or metric.subject == "standard coal":
        return
    spec = contextual_unit(UnitSpec(metric.unit, 1.0, metric.unit), metric.quote)
    if spec.unit != metric.unit:
        cls = classifier()
        indicator = cls.classify(spec.unit, unit_kind(spec.unit), {"subject": cls.stems_in(metric.subject.lower()),
                                                                   "sentence": cls.stems_in(metric.quote.lower())})
        metric.unit, metric.indicator, metric.hkex_kpi, metric.gri = spec.unit, indicator.id, indicator.hkex_kpi, indicator.gri
        metric.flags.append("rule:ghg-tonnes")
        if trace is not None:
            trace.add(f"line {metric.line}: {' '.join(metric.raw.split())}  tonne -> {spec.unit}", "changed",
                      "ghg-tonnes")
