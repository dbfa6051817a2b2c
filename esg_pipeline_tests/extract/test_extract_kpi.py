"""KPI and indicator mapping, entity and year inference, and the taxonomy behind them."""
from __future__ import annotations

import pytest

from esg_pipeline.extract import extract_metrics
from esg_pipeline.taxonomy import UNIT_KINDS, load_taxonomy


def first(text: str, **kw):
    found = extract_metrics(text, doc="t.txt", **kw)
    assert found, text
    return found[0]


@pytest.mark.parametrize("text, kpi", [
    ("The Group donated RMB2.6 million to flood relief in Henan.", "B8.2"),
    ("Employees contributed 7,450 volunteer hours to community projects.", "B8.2"),
    ("Our bursary scheme supported 430 students from low-income families.", "B8.2"),
    ("The hotline received 9 whistleblowing reports during the year.", "B7.2"),
    ("A total of 3,120 employees attended anti-corruption training.", "B7.3"),
    ("Branch staff completed anti-money laundering courses, with 860 participants.", "B7.3"),
    ("The subsidiary was granted 57 new invention patents.", "B6.3"),
    ("We registered 12 software copyrights and 40 trademarks.", "B6.3"),
    ("We purchased from 1,870 suppliers, most of them local.", "B5.1"),
    ("Procurement teams audited 64 suppliers on site.", "B5.2"),
    ("Total greenhouse gas emissions were 28,400 tCO2e.", "A1.2"),
    ("Nitrogen oxides emissions were 12.6 tonnes.", "A1.1"),
    ("Hazardous waste generated was 31.5 tonnes.", "A1.3"),
    ("Office paper sent for recycling came to 52 tonnes.", "A1.6"),
    ("Total energy consumption was 91,300 MWh.", "A2.1"),
    ("Lighting upgrades saved 120,000 kWh of electricity.", "A2.3"),
    ("Water consumption was 233,000 m3.", "A2.2"),
    ("At year end the Group employed 12,600 people.", "B1.1"),
    ("Voluntary employee turnover was 9.4%.", "B1.2"),
    ("There were 2 work-related fatalities at contractor sites.", "B2.1"),
    ("Each employee received an average of 31 training hours.", "B3.2"),
    ("Customer complaints fell to 146 cases.", "B6.2"),
])
def test_hkex_kpi(text, kpi):
    assert first(text).hkex_kpi == kpi


def test_every_metric_has_a_taxonomy_indicator_and_its_codes():
    by_id = {i.id: i for i in load_taxonomy()}
    text = ("We donated RMB3 million. Emissions were 4,000 tCO2e. The fleet has 25 trucks. "
            "Revenue was HK$9 billion. The site covers 40 hectares. 17% of staff are engineers.")
    for m in extract_metrics(text, doc="t.txt"):
        ind = by_id[m.indicator]
        assert (m.hkex_kpi, m.gri) == (ind.hkex_kpi, ind.gri)


def test_taxonomy_is_complete_and_consistent():
    taxonomy = load_taxonomy()
    ids = [i.id for i in taxonomy]
    assert len(ids) == len(set(ids))
    for kind in UNIT_KINDS:
        assert f"other_{kind}" in ids  # the fallback each unit kind needs
    for ind in taxonomy:
        assert ind.unit_kind in UNIT_KINDS and ind.name and ind.description
        assert ind.hkex_kpi is None or ind.hkex_kpi[0] in "AB"
        row = ind.to_dict()
        assert set(row) >= {"id", "name", "hkex_kpi", "gri", "canonical_unit", "unit_kind", "description"}


def test_entity_is_the_named_subsidiary_or_the_group():
    text = ("Lianhua Holdings Limited publishes this report. Lianhua Holdings Limited and its subsidiaries "
            "donated RMB4 million. Lianhua Cement planted 20,000 trees in Anhui. "
            "We also sponsored 12 rural schools.")
    found = {m.value: m.entity for m in extract_metrics(text, doc="t.txt")}
    assert found == {4_000_000: "Lianhua Holdings Limited", 20_000: "Lianhua Cement", 12: "Lianhua Holdings Limited"}


def test_entity_passed_in_wins_and_subsidiary_from_heading():
    text = "Lianhua Logistics\n\n  • The unit donated 300 food parcels.\n"
    (m,) = extract_metrics(text, doc="t.txt", entity="Lianhua Holdings Limited")
    assert m.entity == "Lianhua Logistics"
    (m,) = extract_metrics("We donated 300 food parcels.", doc="t.txt", entity="Lianhua Holdings Limited")
    assert m.entity == "Lianhua Holdings Limited"


def test_year_from_catalog_wins_else_inferred_with_evidence():
    text = "In 2022 the Group planted 8,000 trees. During 2022 we also trained 640 staff."
    m = first(text, year=2021)
    assert (m.year, m.year_source) == (2021, "catalog")
    m = first(text)
    assert m.year == 2022 and m.year_source.startswith("text:") and "2022" in m.year_source
    m = first("The Group planted 8,000 trees.")
    assert (m.year, m.year_source) == (None, "none")


def test_parts_refer_to_the_whole_and_labels_name_their_figures():
    found = extract_metrics("The board has 11 directors, of whom 4 are independent directors and 3 are women.", doc="t")
    assert [(m.value, m.subject) for m in found] == [
        (11, "directors"), (4, "independent directors"), (3, "directors")]
    (m,) = extract_metrics("We recorded 1 product recall during the year.", doc="t")
    assert (m.subject, m.hkex_kpi) == ("product recall", "B6.1")
    found = extract_metrics("Non-hazardous waste: 4,210 tonnes; hazardous waste: 96.3 tonnes.", doc="t")
    assert [m.hkex_kpi for m in found] == ["A1.4", "A1.3"]
