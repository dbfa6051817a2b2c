"""Word lists behind the rules: number words, qualifiers, countable nouns, and the traps that are not metrics."""
from __future__ import annotations

import re

UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
# Vague magnitudes: "hundreds of meetings" is at least 100.
VAGUE_WORDS = {"dozens": 12, "hundreds": 100, "thousands": 1000, "tens of thousands": 10000,
               "hundreds of thousands": 100000, "millions": 1000000}

NUMBER_WORD_RE = (
    r"(?:" + "|".join(TENS_WORDS) + r")(?:[- ](?:" + "|".join(k for k, v in UNITS_WORDS.items() if 0 < v < 10) + r"))?"
    r"|(?:" + "|".join(sorted(UNITS_WORDS, key=len, reverse=True)) + r")(?:\s+hundred)?"
    r"|a\s+hundred|a\s+thousand|a\s+dozen"
)
VAGUE_RE = "|".join(sorted(VAGUE_WORDS, key=len, reverse=True)).replace(" ", r"\s+")


def number_word_value(words: str) -> float:
    """'Thirty-five' -> 35, 'two hundred' -> 200, 'a dozen' -> 12."""
    w = re.sub(r"[\s-]+", " ", words.lower()).strip()
    if w.startswith("a "):
        return {"a hundred": 100, "a thousand": 1000, "a dozen": 12}[w]
    total = 0
    for part in w.split():
        if part == "hundred":
            total *= 100
        else:
            total += UNITS_WORDS.get(part) or TENS_WORDS.get(part, 0)
    return total


# Qualifier phrases directly before the quantity (optionally followed by "a total of").
QUALIFIER_PHRASES = {
    **dict.fromkeys(("around", "approximately", "approx.", "approx", "about", "nearly", "almost", "close to", "roughly",
                     "circa", "some", "an estimated", "estimated"), "approx"),
    **dict.fromkeys(("more than", "just over", "over", "at least", "in excess of", "exceeding", "exceeded",
                     "no less than", "not less than", "no fewer than", "not fewer than", "above", "upwards of", "well over",
                     "passed", "surpassed"), "at_least"),
    **dict.fromkeys(("up to", "less than", "fewer than", "under", "below", "no more than", "not more than", "at most",
                     "a maximum of", "maximum of"), "at_most"),
}
QUALIFIER_ALTERNATION = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(QUALIFIER_PHRASES, key=len, reverse=True))
QUALIFIER_AFTER_RE = re.compile(r"^\s*(?:(?P<at_least>or\s+more|or\s+above|and\s+above|plus\b|\+)|(?P<at_most>or\s+less|or\s+below|at\s+most))", re.I)

# Words right before a number that make it part of a name, rank, code or reference, not a quantity.
TRAP_PREVIOUS_WORDS = frozenset("""
scope phase top no no. number grade level tier class chapter section page pages p. pp. article rule rules item
version vol vol. volume figure fig fig. table step stage round category type line room building route
ranked rank ranking ranks placed iso pm gb ohsas sa covid covid- g hkex appendix annex note notes paragraph
term session batch model series edition floor unit block lot platform channel highway road sdg sdgs
""".split())
MONTHS = frozenset("""january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec""".split())
# Prepositions that make a four-digit number a calendar year ("in 2020", "since 2017").
YEAR_PREPOSITIONS = frozenset("in since from to by of until during year years fy the and or between before after end early late mid".split())

# Nouns that are never the counted thing of a business metric.
NON_COUNT_HEADS = frozenset("""
times time ways aspects principles goals pillars dimensions categories types kinds levels steps stages rounds
ranks places points years months weeks decades centuries minutes seconds o'clock percent per cent
sdgs objectives values respects occasions others ones reasons factors things cents dollars degrees
quarters halves
""".split())
# Counted business objects accepted after a number word ("five villages"); digits accept any plural noun.
COUNTABLE_NOUNS = frozenset("""
village household people person employee staff student farmer business cooperative subsidiary company
enterprise project school kindergarten hospital clinic district county city region province town township
book patent certificate trademark copyright supplier contractor customer client volunteer beneficiary viewer
participant trainee session course training programme program event activity campaign award branch outlet
store office site plant facility factory mine vehicle unit house home building classroom scholarship teacher
doctor nurse child children member partner meeting visit case incident complaint injury fatality accident audit
inspection tree seedling well road bridge device robot product service institution organisation organization
family orphan elder library centre center station worker manager director guest attendee expert team group
village resident patient migrant graduate intern apprentice charity foundation ngo fund initiative
""".split())
# Count units written as acronyms: "14.7 million TEU" (twenty-foot equivalent units) counts containers.
COUNT_UNIT_ACRONYMS = frozenset("TEU TEUs FEU FEUs".split())
# Past participles not ending in -ed, that open a reduced relative clause after a row label's head noun.
IRREGULAR_PARTICIPLES = frozenset("""held given taken made run built won sold paid sent kept met brought taught done seen
shown grown drawn put set spent found told written chosen""".split())
# Counted business assets that the general list above lacks.
COUNTABLE_NOUNS |= frozenset("hotel mall property bed room seat apartment flat restaurant shop farm park user borrower".split())
# Tallied reports of misconduct ("one whistleblowing report", "one grievance").
COUNTABLE_NOUNS |= frozenset("report grievance allegation".split())
# "a 180-unit project", "a 500-bed hospital": a count written as a compound adjective.
HYPHEN_COUNT_NOUNS = COUNTABLE_NOUNS - {"training", "people", "staff", "children"}
# "one" is an article or pronoun far more often than a count; before these nouns it is a tally ("one contractor died").
ONE_COUNT_NOUNS = frozenset("""employee contractor worker fatality death incident accident injury case complaint recall
lawsuit violation breach grievance allegation""".split())
# "one whistleblowing report" is a tally; "one report on climate" is a document.
MISCONDUCT_REPORT_RE = r"(?:whistle-?blowing|grievance|misconduct|fraud|incident|complaint)\s+reports?"
# Heads of population statistics ("Hong Kong's 7.4 million residents"): about a place, not the company.
POPULATION_HEADS = frozenset("people residents citizens inhabitants population nationals".split())
PLACE_NOUNS = frozenset("country nation city region province territory world planet market population".split())
# A possessive before a count of people that still speaks about the company ("the Group's 3,000 people").
COMPANY_NOUNS = frozenset("company group bank firm corporation organisation organization business".split())
# Collective and zero-plural nouns that name counted things in their singular form ("86 aircraft", "cabin crew").
IRREGULAR_PLURALS = frozenset("""people staff personnel children workforce police cattle livestock sheep fish aircraft
crew spacecraft men women""".split())
# Plural nouns that name amounts of money or material, not things one counts: a bare figure after
# "Emissions:" or "Donations reached" lacks its unit, it is not a count of emissions.
AMOUNT_PLURALS = frozenset("""emissions sales revenues earnings profits costs expenses savings donations investments
assets funds proceeds withdrawals discharges wastes resources taxes payments purchases expenditures contributions
fees wages salaries losses liabilities reserves flows volumes tonnages inputs outputs""".split())
# Measure words: "200 sets of equipment" counts sets of equipment.
MEASURE_WORDS = frozenset("sets pieces units copies batches pairs boxes packs items bags tons cartons".split())
# Words that end a counted-noun phrase.
NP_STOP_WORDS = frozenset("""
of in to for from with at on by including across over under during per as into through since about around
than which that who whom whose where when while were was are is be been being have has had will would can
could should may might must shall do does did and or but not also only each every all both such these those
this the a an its their our his her your my we they it there here then so if because although though after
before until within without between among amongst via upon against toward towards out up down off
""".split())
RELATION_PHRASES = frozenset({"of which", "of whom", "among which", "among them", "among whom", "including"})
COPULA = frozenset("are were is was".split())

# Scope words: a count described this way is a statistic about the world, not about the company.
WORLD_SCOPE_RE = re.compile(
    r"\b(?:around\s+the\s+world|worldwide|in\s+the\s+world|across\s+the\s+globe|globally|world'?s|"
    r"nationwide|across\s+the\s+country|in\s+the\s+country|of\s+the\s+population)\b", re.I)
WORLD_SUBJECT_RE = re.compile(r"\b(?:living\s+with|suffering\s+from|suffer\s+from|affected\s+by|die\s+of|died\s+of)\b", re.I)
NOT_PLURAL = frozenset("overseas news series species means headquarters premises sales whereas always perhaps across".split())
# A counted noun that is a duration becomes a time quantity: "45 lost days".
TIME_HEADS = {"days": "day", "hours": "hour", "man-days": "day", "man-hours": "hour"}
LINKING_VERBS = frozenset("""
was were is are be been reached amounted totalled totaled totaling totalling stood came remained increased decreased
rose fell grew dropped declined up down approximately around about nearly over more less than total
""".split())
# Plural nouns too generic to be a counted business object after a number word ("two aspects").
GENERIC_PLURALS = frozenset("""
countries nations aspects ways things parts sides areas dimensions levels reasons principles pillars goals words
decades years months weeks days minutes steps stages phases rounds points categories types kinds times themes topics
priorities directions fronts works matters issues fields respects sectors elements factors ones others means
""".split())
# Subjects of "<subject> reached 3,140" that make the bare number a count.
COUNT_SUBJECTS = frozenset("headcount workforce employees staff suppliers members volunteers beneficiaries participants".split())

# Capitalised sentence openers that are not a place or another organisation ("The plants produced ...").
NON_PLACE_OPENERS = frozenset("the we our this these those its it they our each all every group company subsidiaries"
                              " plants factories mills sites".split())
