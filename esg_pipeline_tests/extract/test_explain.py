"""`esg-pipeline extract FILE --explain`: every number the extractor looks at, in prose as in tables, gets one
trace line on stderr, `decision  rule  what`, naming the rule that kept or dropped it."""
from __future__ import annotations

import re

import pytest

from esg_pipeline.cli import main

ENTRY_RE = re.compile(r"line (?P<line>\d+): (?P<span>.*?)  …(?P<context>.*)…$")
NUMBER_RE = re.compile(r"(?<![A-Za-z\d,.])\d[\d,]*(?:\.\d+)?")  # not the 3 of "m3"


def explain(capsys, path, *extra: str) -> tuple[str, list[tuple[str, str, str]]]:
    """(stdout, [(decision, rule, what)]) of `extract PATH --format jsonl [--explain]`."""
    assert main(["extract", str(path), "--format", "jsonl", *extra]) == 0
    out, err = capsys.readouterr()
    return out, [tuple(line.split(None, 2)) for line in err.splitlines() if line.strip()]


def head_number(span: str) -> str:
    """The figure a traced span is about: its first digits ('HK$2.5 million' -> '2.5'), else its first word."""
    m = NUMBER_RE.search(span)
    return m.group() if m else span.split()[0]


def prose_entries(entries):
    """(line, number, decision, rule) of the prose entries, whose `what` is 'line N: span  …context…'."""
    for decision, rule, what in entries:
        m = ENTRY_RE.match(what)
        if m and decision in ("kept", "dropped"):
            yield int(m.group("line")), head_number(m.group("span")), decision, rule


# (invented sentence, the figure, decision, rule)
CASES = [
    # dropped: traps
    ("In 2022 we opened two new warehouses.", "2022", "dropped", "trap:calendar-year"),
    ("Call our hotline on (852) 3105 7788 for help.", "3105", "dropped", "trap:phone"),
    ("The customer hotline is staffed 24 hours a day.", "24", "dropped", "trap:opening-hours"),
    ("The new pier extends 5 m into the harbour.", "5", "dropped", "trap:ambiguous-scale"),
    ("Interns aged 16 to 18 joined the summer programme.", "16", "dropped", "trap:age-band"),
    ("Workers under 18 are not employed; no workers under 16 were found.", "16", "dropped", "trap:age-limit"),
    ("The Group was ranked Top 50 among regional lenders.", "50", "dropped", "trap:rank"),
    ("See page 14 for the full methodology.", "14", "dropped", "trap:page-ref"),
    ("It was our 25th year of community service.", "25", "dropped", "trap:ordinal"),
    ("Blending E10 fuel cut costs at the depots.", "10", "dropped", "trap:glued-code"),
    ("The fleet added an A330-300 aircraft.", "300", "dropped", "trap:model-code"),
    ("Scope 3 categories were screened for relevance.", "3", "dropped", "trap:name-word"),
    ("Scope 1 and 2 emissions are reported.", "2", "dropped", "trap:name-list"),
    ("Nationally, 1 in 5 managers is a woman.", "5", "dropped", "trap:ratio"),
    ("The injury rate was 0.34 per 1,000 workers.", "1,000", "dropped", "trap:rate-base"),
    ("The audit closed on 30 June with no findings.", "30", "dropped", "trap:date"),
    ("We ran a 30-day energy challenge in all offices.", "30", "dropped", "trap:hyphen-word"),
    ("The (10,000 kWh) column holds the totals.", "10,000", "dropped", "trap:wan-label"),
    ('The campaign "100 Days Without Incident" ran again.', "100", "dropped", "trap:title"),
    ("We aim for net zero emissions across our operations.", "zero", "dropped", "debris:net-zero"),
    # dropped: no unit, or not about the company
    ("Our customer score improved to 78 this year.", "78", "dropped", "no-unit"),
    ("There are 800 million people worldwide without access to electricity.", "800", "dropped", "scope:world"),
    ("According to national statistics, 2,000 factories closed in the province.", "2,000", "dropped",
     "scope:external-statistic"),
    ("Hong Kong's 7.4 million residents rely on the network.", "7.4", "dropped", "scope:population"),
    ("We ranked 17th among 200 peers in the survey.", "200", "dropped", "scope:rank-field"),
    # kept, with the rule that read the quantity
    ("The Group donated RMB 5.6 million to charity.", "5.6", "kept", "money:currency"),
    ("Electricity consumption was 18,750 MWh.", "18,750", "kept", "unit:measure"),
    ("The lost-time injury rate was 0.34 per million hours worked.", "0.34", "kept", "unit:rate"),
    ("We cut 4,000 metric tons of carbon dioxide emissions.", "4,000", "kept", "unit:ghg-mass"),
    ("We supported 46 rural schools.", "46", "kept", "count:noun"),
    ("We opened twelve new clinics.", "twelve", "kept", "count:number-word"),
    ("The plan includes a 180-unit housing project.", "180", "kept", "count:hyphen"),
    ("We employ 14,260 employees, of which 5,118 were based in Hong Kong.", "5,118", "kept", "count:implied"),
    ("Hundreds of tonnes of waste were sorted.", "Hundreds", "kept", "count:vague"),
    ("Flights operated: 61,240", "61,240", "kept", "table:data-sheet"),
]


def test_the_cases_cover_many_rules():
    assert len({rule for *_, decision, rule in CASES if decision == "dropped"}) >= 10
    assert len({rule for *_, decision, rule in CASES if decision == "kept"}) >= 4


@pytest.mark.parametrize("sentence, number, decision, rule", CASES, ids=[c[3] for c in CASES])
def test_each_prose_number_names_its_rule(tmp_path, capsys, sentence, number, decision, rule):
    path = tmp_path / "case.txt"
    path.write_text(sentence + "\n", encoding="utf-8")
    _, entries = explain(capsys, path, "--explain")
    about = [(d, r) for _, n, d, r in prose_entries(entries) if n == number]
    assert about == [(decision, rule)], entries


REPORT = """Lotus Bay Holdings ESG Report 2023

Environment
In 2023 the Group consumed 18,750 MWh of electricity and 61,200 m3 of water.
Greenhouse gas emissions from the fleet fell by 3,200 tonnes.

Indicator | Unit | 2022 | 2023
Water withdrawal | m3 | 61,200 | 58,900
Hazardous waste | tonnes | 12.5 | 11.0

People
We employ 1,480 employees, of which 620 are women, at 12 sites.
Interns aged 16 to 18 joined for 6 weeks; see page 14. Call (852) 3105 7788.
We donated HK$2.5 million to 35 charities and opened two new clinics.
"""
TABLE_LINES = range(7, 10)


def test_every_number_of_a_report_is_traced_exactly_once(tmp_path, capsys):
    path = tmp_path / "lotus_bay_2023.txt"
    path.write_text(REPORT, encoding="utf-8")
    out, entries = explain(capsys, path, "--explain")
    lines = REPORT.splitlines()
    # prose: every figure (and the number word "two") has one kept-or-dropped entry, and nothing else is traced
    expected = sorted((i, tok) for i, line in enumerate(lines, 1) if i not in TABLE_LINES
                      for tok in [*NUMBER_RE.findall(line), *re.findall(r"\btwo\b", line)])
    traced = sorted((line, number) for line, number, _, _ in prose_entries(entries))
    assert traced == expected
    # the table: skipped by the prose pass once, and each value cell explained by the table pass
    assert [(d, r) for d, r, what in entries if what.startswith("line 7:")] == [("skipped", "table-span")]
    cells = [what for d, r, what in entries if not what.startswith("line ")]
    for value in ("61,200", "58,900", "12.5", "11.0"):
        assert sum(what.endswith(f": {value}") for what in cells) == 1, cells
    # a post-rule that changes a unit says so
    assert ("changed", "ghg-tonnes", "line 5: 3,200 tonnes  tonne -> tCO2e") in entries
    # explaining changes nothing in the output
    plain, quiet = explain(capsys, path)
    assert plain == out and quiet == []


def test_kept_entries_match_the_metrics(tmp_path, capsys):
    path = tmp_path / "lotus_bay_2023.txt"
    path.write_text(REPORT, encoding="utf-8")
    out, entries = explain(capsys, path, "--explain")
    kept_prose = [e for e in prose_entries(entries) if e[2] == "kept"]
    kept_cells = [e for e in entries if e[0] == "kept" and not e[2].startswith("line ")]
    assert len(kept_prose) + len(kept_cells) == len(out.splitlines())
