"""Concepts and dimensions (`extract/dimensions.py`) and fiscal periods (`extract/fiscal.py`).

The reports are written here, in the layouts real data tables use: a GHG table with scope rows,
gases under Scope 1, a business breakdown and a Scope 3 category; a workforce table by gender and age
band; sentences naming scopes; a fiscal year ending in March.
"""
from __future__ import annotations

import pytest

from esg_pipeline.extract import extract_document
from esg_pipeline.extract.fiscal import fiscal_year_end, period_bounds
from esg_pipeline.ingest.documents import read_document

GHG_TABLE = """<html><body>
<h2>Environmental performance data</h2>
<table>
<tr><th>Indicator</th><th>Unit</th><th>2024</th><th>2023</th></tr>
<tr><td>Greenhouse gas emissions</td><td></td><td></td><td></td></tr>
<tr><td>Direct GHG emissions (Scope 1)</td><td>tCO2e</td><td>41,200</td><td>43,900</td></tr>
<tr><td>Carbon dioxide (CO2)</td><td>tCO2e</td><td>39,800</td><td>42,100</td></tr>
<tr><td>Methane (CH4)</td><td>tCO2e</td><td>1,400</td><td>1,800</td></tr>
<tr><td>Energy indirect GHG emissions (Scope 2), location-based</td><td>tCO2e</td><td>18,750</td><td>19,020</td></tr>
<tr><td>Energy indirect GHG emissions (Scope 2), market-based</td><td>tCO2e</td><td>12,300</td><td>15,480</td></tr>
<tr><td>Business travel (Scope 3 Category 6)</td><td>tCO2e</td><td>2,210</td><td>1,930</td></tr>
<tr><td>GHG emissions exported with electricity sold (part of direct emissions)</td><td>tCO2e</td><td>3,020</td><td>2,870</td></tr>
<tr><td>GHG emissions by business (Scope 1 and 2)</td><td></td><td></td><td></td></tr>
<tr><td>Scope 1 – Ports</td><td>tCO2e</td><td>25,400</td><td>26,100</td></tr>
<tr><td>Scope 1 – Logistics</td><td>tCO2e</td><td>15,800</td><td>17,800</td></tr>
</table>
<h2>Our people</h2>
<table>
<tr><th>Workforce</th><th>2024</th><th>2023</th></tr>
<tr><td>Total employees</td><td>6,480</td><td>6,210</td></tr>
<tr><td>By gender</td><td></td><td></td></tr>
<tr><td>Female</td><td>2,950</td><td>2,800</td></tr>
<tr><td>Male</td><td>3,530</td><td>3,410</td></tr>
<tr><td>By age group</td><td></td><td></td></tr>
<tr><td>Under 30</td><td>1,720</td><td>1,650</td></tr>
<tr><td>30-50</td><td>3,410</td><td>3,300</td></tr>
<tr><td>51 and above</td><td>1,350</td><td>1,260</td></tr>
<tr><td>By region</td><td></td><td></td></tr>
<tr><td>Hong Kong</td><td>4,100</td><td>3,990</td></tr>
<tr><td>Lower Mekong</td><td>2,380</td><td>2,220</td></tr>
</table>
</body></html>
"""

# (printed cell, year) -> (concept, dimension members)
TABLE_CASES = [
    (("41,200", 2024), ("ghg_scope1", {})),
    (("43,900", 2023), ("ghg_scope1", {})),
    # gases printed flush with the scope rows (no indentation in HTML): a gas part of an unstated scope,
    # never a total
    (("39,800", 2024), ("ghg_emissions", {"gas": "co2"})),
    (("1,400", 2024), ("ghg_emissions", {"gas": "ch4"})),
    (("18,750", 2024), ("ghg_scope2", {"scope2_method": "location_based"})),
    (("12,300", 2024), ("ghg_scope2", {"scope2_method": "market_based"})),
    (("2,210", 2024), ("ghg_scope3", {"scope3_category": "6"})),
    (("3,020", 2024), ("ghg_emissions", {})),  # a subset named in words, no scope of its own
    (("25,400", 2024), ("ghg_scope1", {"segment": "Ports"})),
    (("15,800", 2024), ("ghg_scope1", {"segment": "Logistics"})),
    (("6,480", 2024), ("employees_total", {})),
    (("2,950", 2024), ("employees_total", {"gender": "female"})),
    (("3,530", 2024), ("employees_total", {"gender": "male"})),
    (("1,720", 2024), ("employees_total", {"age_band": "<30"})),
    (("3,410", 2024), ("employees_total", {"age_band": "30-50"})),
    (("1,350", 2024), ("employees_total", {"age_band": ">=51"})),
    (("4,100", 2024), ("employees_total", {"region": "hong_kong"})),
    (("2,380", 2024), ("employees_total", {"region": "Lower Mekong"})),  # a free-text member
]


@pytest.fixture(scope="module")
def table_metrics(tmp_path_factory):
    path = tmp_path_factory.mktemp("dims") / "harbour_2024.html"
    path.write_text(GHG_TABLE, encoding="utf-8")
    metrics = extract_document(read_document(path), doc=path.name, year=2024, entity="Harbour Group")
    return {(m.raw, m.year): m for m in metrics if m.method == "table_cell"}


@pytest.mark.parametrize(("cell", "expected"), TABLE_CASES, ids=[f"{c[0]}-{c[1]}" for c, _ in TABLE_CASES])
def test_table_rows_give_concept_and_members(table_metrics, cell, expected):
    metric = table_metrics[cell]
    assert (metric.indicator, metric.dimensions) == expected, metric.subject


def test_scope_concepts_keep_the_ghg_kpi(table_metrics):
    scope1 = table_metrics[("41,200", 2024)]
    assert (scope1.hkex_kpi, scope1.gri) == ("A1.2", "305-1")
    assert table_metrics[("18,750", 2024)].gri == "305-2"


# sentence -> (figure as printed, concept, members)
PROSE_CASES = [
    ("In 2024 our Scope 1 emissions were 41,200 tCO2e and Scope 2 emissions were 18,750 tCO2e.",
     "18,750 tCO2e", "ghg_scope2", {}),
    ("In 2024 our Scope 1 emissions were 41,200 tCO2e and Scope 2 emissions were 18,750 tCO2e.",
     "41,200 tCO2e", "ghg_scope1", {}),
    ("Scope 1 and 2 emissions together came to 59,950 tCO2e in 2024.", "59,950 tCO2e", "ghg_emissions", {}),
    ("The Group employed 2,950 women at the end of 2024.", "2,950", "employees_total", {"gender": "female"}),
]


@pytest.mark.parametrize(("sentence", "raw", "concept", "members"), PROSE_CASES)
def test_sentences_give_concept_and_members(tmp_path, sentence, raw, concept, members):
    path = tmp_path / "note.txt"
    path.write_text(f"Performance\n\n{sentence}\n", encoding="utf-8")
    found = {m.raw: m for m in extract_document(read_document(path), doc=path.name, year=2024)}
    assert (found[raw].indicator, found[raw].dimensions) == (concept, members)


def test_a_share_of_women_is_no_gender_member(tmp_path):
    path = tmp_path / "people.txt"
    path.write_text("People\n\nWomen made up 45.5% of our employees in 2024.\n", encoding="utf-8")
    [metric] = [m for m in extract_document(read_document(path), doc=path.name, year=2024) if m.unit == "percent"]
    assert metric.indicator == "female_employee_share" and metric.dimensions == {}


def test_restated_rows_say_so(tmp_path):
    path = tmp_path / "restated.html"
    path.write_text("<table><tr><th>Indicator</th><th>2024</th><th>2023</th></tr>"
                    "<tr><td>Total energy consumption (MWh, 2023 restated)</td><td>61,780</td><td>64,120</td></tr>"
                    "</table>", encoding="utf-8")
    metrics = extract_document(read_document(path), doc=path.name, year=2024)
    assert {m.basis for m in metrics} == {"restated"}


# --- fiscal periods ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "end"), [
    ("Figures are for the year ended 31 March 2024 unless stated.", (3, 31)),
    ("for the fiscal year ending June 30, 2024", (6, 30)),
    ("as at 31 December 2024 and for the year ended 31 December 2024", (12, 31)),
    ("No period is stated here.", None),
])
def test_fiscal_year_end_is_read_from_the_text(text, end):
    assert fiscal_year_end(text) == end


def test_period_bounds():
    assert [d.isoformat() for d in period_bounds(2023, (3, 31))] == ["2022-04-01", "2023-03-31"]
    assert [d.isoformat() for d in period_bounds(2024, (12, 31))] == ["2024-01-01", "2024-12-31"]
    assert [d.isoformat() for d in period_bounds(2024, (2, 29))] == ["2023-03-01", "2024-02-29"]


def test_a_march_fiscal_year_and_a_calendar_year_stay_apart(tmp_path):
    march = tmp_path / "march.txt"
    march.write_text("Energy\n\nFor the year ended 31 March 2023, we used 8,400 MWh of electricity.\n", encoding="utf-8")
    calendar_year = tmp_path / "calendar.txt"
    calendar_year.write_text("Energy\n\nIn 2023 we used 8,400 MWh of electricity.\n", encoding="utf-8")
    [fy] = extract_document(read_document(march), doc=march.name, year=2023)
    [cy] = extract_document(read_document(calendar_year), doc=calendar_year.name, year=2023)
    assert fy.year == cy.year == 2023
    assert (fy.period_start, fy.period_end) == ("2022-04-01", "2023-03-31")
    assert (cy.period_start, cy.period_end) == ("2023-01-01", "2023-12-31")


def test_split_year_headers_end_in_march_without_a_stated_year_end(tmp_path):
    path = tmp_path / "split.html"
    path.write_text("<table><tr><th>Indicator</th><th>FY2023-24</th><th>FY2022-23</th></tr>"
                    "<tr><td>Water withdrawal (m3)</td><td>120,500</td><td>118,900</td></tr></table>", encoding="utf-8")
    metrics = {m.year: m for m in extract_document(read_document(path), doc=path.name, year=2024)}
    assert (metrics[2024].period_start, metrics[2024].period_end) == ("2023-04-01", "2024-03-31")
    assert metrics[2024].indicator == "water_withdrawal"


@pytest.mark.parametrize(("label", "scope"), [
    ("Direct GHG emissions (Scope 1)", "1"),
    ("Scope II (tCO2e)", "2"),
    ("Scope III emissions", "3"),
    ("Scope 31", "3"),  # 'Scope 3' with a footnote 1 glued on
    ("Energy indirect GHG emissions", "2"),
    ("Other indirect emissions", "3"),
    ("Scope 1 and 2", None),
    ("Total emissions (Scope 1 + 2 + 3)", None),
    ("GHG emissions of exported energy (subset of direct GHGs)", None),
])
def test_the_scope_a_label_names(label, scope):
    from esg_pipeline.extract.dimensions import _scope_of
    assert _scope_of(label) == scope


# sentence -> {figure as printed: year}; the report's own year is 2024
YEAR_CASES = [
    ("Our direct emissions fell from 9,100 tCO2e in 2022 to 8,700 tCO2e in 2023.", {"9,100 tCO2e": 2022, "8,700 tCO2e": 2023}),
    ("In 2021, we recycled 640 tonnes of paper.", {"640 tonnes": 2021}),
    ("Water use was 1,200 m3 for FY2023, against a target of 1,000 m3 by 2030.", {"1,200 m3": 2023}),
    ("We used 5,400 MWh in 2022-2023.", {"5,400 MWh": 2023}),  # a split fiscal year ends in its later year
    ("Emissions were 3,300 tCO2e in 2022 and 2023 combined.", {"3,300 tCO2e": 2024}),  # two years: no one period
]


@pytest.mark.parametrize(("sentence", "years"), YEAR_CASES)
def test_a_figure_takes_the_period_its_sentence_gives_it(tmp_path, sentence, years):
    path = tmp_path / "years.txt"
    path.write_text(f"Environment\n\n{sentence}\n", encoding="utf-8")
    found = {m.raw: m.year for m in extract_document(read_document(path), doc=path.name, year=2024)}
    assert {raw: found.get(raw) for raw in years} == years


# --- the entity when no catalog names the company -------------------------------------------------

@pytest.mark.parametrize(("text", "group"), [
    ("GREENHOUSE GAS\n\nOur greenhouse gas emissions fell. GREENHOUSE targets are set.", None),  # a heading in capitals
    ("NOTE: figures are estimates.\n\nNOTE: totals may not add up.", None),  # a label word
    ("Figures\n\nKLM ships grew. KLM vessels sailed 4,000 km.", "KLM"),  # a brand acronym stays one
])
def test_words_set_in_capitals_are_no_entity(text, group):
    from esg_pipeline.extract.context import infer_group
    assert infer_group(text) == group
