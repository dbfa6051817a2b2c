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
    ("Office paper sent for recycling came to 52 tonnes.", "A1.4"),  # non-hazardous waste recycled is reported under A1.4
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


@pytest.mark.parametrize("text, value, kpi", [
    # percentages about complaints, waste, suppliers, water and the workforce
    ("We logged 3,310 complaints from passengers; 97.4% were settled within 7 days.", 97.4, "B6.2"),
    ("Service complaints fell 6.5% year on year to 880.", 6.5, "B6.2"),
    ("We received 2,040 complaints. Of these, 95.1% were closed within the service pledge.", 95.1, "B6.2"),
    ("Kitchen waste came to 840 tonnes, with a recycling rate of 62%.", 62, "A1.4"),
    ("Boiler slag totalled 0.6 million tonnes, of which 88.2% was reused in cement.", 88.2, "A1.4"),
    ("Hazardous waste was 18.4 tonnes, and 100% was sent to licensed handlers.", 100, "A1.3"),
    ("All new suppliers were screened, and 100% of suppliers signed our code of conduct.", 100, "B5.2"),
    ("We worked with 920 suppliers, 71% of them located in Guangdong.", 71, "B5.1"),
    ("Reclaimed water met about 24% of cooling water demand.", 24, "A2.2"),
    ("The Group employed 6,450 people at year-end, 4% more than in 2022.", 4, "B1.1"),
    ("Anti-money laundering e-learning was completed by 98.2% of branch staff.", 98.2, "B7.3"),
    # counts
    ("Close to 900 plant operators were retrained for battery storage work.", 900, "B3.1"),
    ("Annual AML refresher courses were attended by 5,300 employees.", 5_300, "B7.3"),
    ("Sadly, one contractor lost his life at a construction site.", 1, "B2.1"),
    # compound units name what they measure
    ("Net coal consumption for power supply was 296.0 g/kWh.", 296.0, "A2.1"),
    ("Emission intensity was 0.52 tCO2e/MWh.", 0.52, "A1.2"),
])
def test_kpi_of_shares_counts_and_rates(text, value, kpi):
    found = [m for m in extract_metrics(text, doc="t.txt") if m.value == value]
    assert found and found[0].hkex_kpi == kpi, [(m.value, m.hkex_kpi, m.indicator) for m in found]


def test_average_training_hours_never_share_an_id_with_totals():
    text = ("Employees completed 96,000 training hours in total, an average of 18.5 hours per employee.\n"
            "On average, each graduate trainee received 40 hours of training.\n\n"
            "Indicator | 2022 | 2023\nAverage training hours per employee | 17.2 | 18.5\n"
            "Total training hours | 88,000 | 96,000\n")
    ids = {(m.value, m.indicator) for m in extract_metrics(text, doc="t.txt")}
    assert {(18.5, "average_training_hours"), (40, "average_training_hours"), (17.2, "average_training_hours"),
            (96_000, "training_hours"), (88_000, "training_hours")} <= ids
    assert (96_000, "average_training_hours") not in ids and (18.5, "training_hours") not in ids
