"""Which concept and HKEX KPI a figure reports: by its own clause and noun (a neighbouring clause's topic does
not carry over), by what is counted, by the taxonomy lexicons for energy carriers, pollutants, waste,
workforce, supply chain, integrity and community, by what a share or a compound unit measures; average
training hours never share an indicator with totals; and the taxonomy behind the codes.

Every text is written for these tests (banks, brewery, cement, hospitals, logistics, hotels, mining, shipping);
none is taken from the evaluation sets. Table shapes are described in cases.py."""
from __future__ import annotations

import pytest

from esg_pipeline.extract import extract_metrics
from esg_pipeline.taxonomy import UNIT_KINDS, load_taxonomy
from esg_pipeline_tests.extract.cases import Y23, check_absent, check_exactly, check_found, ids


def kpi(rule: str, text: str, pick: dict, code: str, given: dict | None = None):
    return (rule, text, given or {}, pick, dict(hkex_kpi=code))


FIRST = {}  # the text's first figure

WHISTLE = ("Integrity\nThe hospital group's whistle-blowing line took nine cases in the year, four of which were "
           "substantiated. Anti-bribery refresher courses were attended by all ward managers.")
BREWERY_SUPPLIERS = ("Supply chain\nThe brewery engaged 420 suppliers: 300 in Poland, 95 in Germany and 25 elsewhere. "
                     "Every new supplier signed our code of conduct.")
DAIRY_ENERGY = ("Energy\nThe dairy's boilers supplied 58,000 tonnes of steam. Heat pumps saved around 2,600 tonnes of "
                "standard coal. The plant discharged 0.9 million m³ of treated wastewater and recycled 41% of its "
                "cooling water.")
TRAINING = ("Employees completed 96,000 training hours in total, an average of 18.5 hours per employee.\n"
            "On average, each graduate trainee received 40 hours of training.\n\n"
            "Indicator | 2022 | 2023\nAverage training hours per employee | 17.2 | 18.5\n"
            "Total training hours | 88,000 | 96,000\n")

# (rule, text, given, pick, want): the first figure matching `pick` has the HKEX KPI in `want`.
FOUND = [
    # the first figure of a sentence, by its concept
    kpi("donation", "The Group donated RMB2.6 million to flood relief in Henan.", FIRST, "B8.2"),
    kpi("volunteer-hours", "Employees contributed 7,450 volunteer hours to community projects.", FIRST, "B8.2"),
    kpi("bursaries", "Our bursary scheme supported 430 students from low-income families.", FIRST, "B8.2"),
    kpi("whistleblowing", "The hotline received 9 whistleblowing reports during the year.", FIRST, "B7.2"),
    kpi("anti-corruption-training", "A total of 3,120 employees attended anti-corruption training.", FIRST, "B7.3"),
    kpi("aml-training", "Branch staff completed anti-money laundering courses, with 860 participants.", FIRST, "B7.3"),
    kpi("patents", "The subsidiary was granted 57 new invention patents.", FIRST, "B6.3"),
    kpi("copyrights", "We registered 12 software copyrights and 40 trademarks.", FIRST, "B6.3"),
    kpi("suppliers", "We purchased from 1,870 suppliers, most of them local.", FIRST, "B5.1"),
    kpi("supplier-audits", "Procurement teams audited 64 suppliers on site.", FIRST, "B5.2"),
    kpi("ghg", "Total greenhouse gas emissions were 28,400 tCO2e.", FIRST, "A1.2"),
    kpi("air-pollutant", "Nitrogen oxides emissions were 12.6 tonnes.", FIRST, "A1.1"),
    kpi("hazardous-waste", "Hazardous waste generated was 31.5 tonnes.", FIRST, "A1.3"),
    # non-hazardous waste recycled is reported under A1.4
    kpi("recycled-waste", "Office paper sent for recycling came to 52 tonnes.", FIRST, "A1.4"),
    kpi("energy", "Total energy consumption was 91,300 MWh.", FIRST, "A2.1"),
    kpi("energy-saved", "Lighting upgrades saved 120,000 kWh of electricity.", FIRST, "A2.3"),
    kpi("water", "Water consumption was 233,000 m3.", FIRST, "A2.2"),
    kpi("employees", "At year end the Group employed 12,600 people.", FIRST, "B1.1"),
    kpi("turnover", "Voluntary employee turnover was 9.4%.", FIRST, "B1.2"),
    kpi("fatalities", "There were 2 work-related fatalities at contractor sites.", FIRST, "B2.1"),
    kpi("average-training", "Each employee received an average of 31 training hours.", FIRST, "B3.2"),
    kpi("complaints", "Customer complaints fell to 146 cases.", FIRST, "B6.2"),
    # shares, by what they are a share of
    kpi("share-of-complaints", "We logged 3,310 complaints from passengers; 97.4% were settled within 7 days.",
        dict(value=97.4), "B6.2"),
    kpi("share-of-complaints", "Service complaints fell 6.5% year on year to 880.", dict(value=6.5), "B6.2"),
    kpi("share-of-complaints", "We received 2,040 complaints. Of these, 95.1% were closed within the service pledge.",
        dict(value=95.1), "B6.2"),
    kpi("share-of-waste", "Kitchen waste came to 840 tonnes, with a recycling rate of 62%.", dict(value=62), "A1.4"),
    kpi("share-of-waste", "Boiler slag totalled 0.6 million tonnes, of which 88.2% was reused in cement.",
        dict(value=88.2), "A1.4"),
    kpi("share-of-hazardous-waste", "Hazardous waste was 18.4 tonnes, and 100% was sent to licensed handlers.",
        dict(value=100), "A1.3"),
    kpi("share-of-suppliers", "All new suppliers were screened, and 100% of suppliers signed our code of conduct.",
        dict(value=100), "B5.2"),
    kpi("share-of-suppliers-by-place", "We worked with 920 suppliers, 71% of them located in Guangdong.",
        dict(value=71), "B5.1"),
    kpi("share-of-water", "Reclaimed water met about 24% of cooling water demand.", dict(value=24), "A2.2"),
    kpi("share-of-workforce", "The Group employed 6,450 people at year-end, 4% more than in 2022.", dict(value=4), "B1.1"),
    kpi("share-trained", "Anti-money laundering e-learning was completed by 98.2% of branch staff.",
        dict(value=98.2), "B7.3"),
    kpi("anti-corruption-share", "Compliance\nAnti-bribery e-learning was completed by 98% of drivers and by every "
        "depot manager.", dict(raw="98%"), "B7.3"),
    kpi("age-share-of-workforce", "The hospital group employed 5,200 nurses, of whom 61% were aged under 40.",
        dict(raw="61%"), "B1.1"),
    # counts, by what is counted
    kpi("retrained", "Close to 900 plant operators were retrained for battery storage work.", dict(value=900), "B3.1"),
    kpi("aml-training", "Annual AML refresher courses were attended by 5,300 employees.", dict(value=5_300), "B7.3"),
    kpi("fatality-in-words", "Sadly, one contractor lost his life at a construction site.", dict(value=1), "B2.1"),
    kpi("lamps-replaced", "The LED upgrade replaced more than 18,000 conventional lamps across our depots.",
        dict(unit="count"), "A2.3", Y23),
    kpi("teachers-employed", "Our schools employed 1,240 teachers at year end.", dict(unit="count"), "B1.1", Y23),
    kpi("privacy-incidents", "The hospital recorded 3 data-privacy incidents in the year.", dict(unit="count"),
        "B6.5", Y23),
    kpi("public-learners", "We offered free online courses to the public, which attracted 9,400 learners.",
        dict(unit="count"), "B8.2", Y23),
    kpi("bursaries", "The foundation awarded 45 bursaries to nursing students from low-income families.",
        dict(unit="count"), "B8.2", Y23),
    kpi("whistleblowing-cases", WHISTLE, dict(raw="nine"), "B7.2"),
    kpi("whistleblowing-substantiated", WHISTLE, dict(raw="four"), "B7.2"),
    kpi("whistleblowing-reports", "Our couriers filed 31 whistle-blowing reports through the ethics portal.",
        dict(raw="31"), "B7.2"),
    kpi("aml-trainees", "Anti-money laundering\nThe brokerage refreshed its AML manual and trained about 640 dealers "
        "in the year.", dict(raw="640"), "B7.3"),
    kpi("suppliers-engaged", BREWERY_SUPPLIERS, dict(raw="420"), "B5.1"),
    kpi("suppliers-by-region", BREWERY_SUPPLIERS, dict(raw="300"), "B5.1"),
    kpi("suppliers-part", "Procurement\nOur buying platform listed 1,900 suppliers, of which 1,400 were family-owned "
        "firms.", dict(raw="1,400"), "B5.1"),
    kpi("supplier-questionnaires", "Supply chain\nWe assessed 80 haulage subcontractors; 12 were put on corrective "
        "action plans. Sixty key suppliers returned our ESG questionnaire.", dict(raw="Sixty"), "B5.2"),
    kpi("graded-suppliers", "Supply chain\nWe inspected 88 Tier 1 and Tier 2 vendors against our code.", dict(raw="88"),
        "B5.2"),
    kpi("community-fund-trainees", "Community\nThe miner gave RMB2 million to its rural health fund, which has trained "
        "380 rural midwives since 2019.", dict(raw="380"), "B8.2"),
    kpi("workforce-part", "People\nThe airline employed 9,400 people at year end, of whom 4,100 were women.",
        dict(raw="4,100"), "B1.1"),
    kpi("employees-leaving", "Staff turnover was 6.1%, with 212 employees leaving the hospitals in 2023.",
        dict(raw="212"), "B1.2"),
    # measures, by what is measured
    kpi("steam-supplied", DAIRY_ENERGY, dict(raw="58,000 tonnes"), "A2.1"),
    kpi("standard-coal-saved", DAIRY_ENERGY, dict(raw="2,600 tonnes of standard coal"), "A2.3"),
    kpi("wastewater-discharged", DAIRY_ENERGY, dict(raw="0.9 million m³"), "A1.1"),
    kpi("water-recycled-share", DAIRY_ENERGY, dict(raw="41%"), "A2.2"),
    kpi("hazardous-waste-long-subject", "Waste\nHazardous waste sent for licensed incineration totalled 1,240 tonnes "
        "at the smelter.", dict(raw="1,240 tonnes"), "A1.3"),
    kpi("coal-per-kwh", "Net coal consumption for power supply was 296.0 g/kWh.", dict(value=296.0), "A2.1"),
    kpi("ghg-per-mwh", "Emission intensity was 0.52 tCO2e/MWh.", dict(value=0.52), "A1.2"),
    # a neighbouring clause's topic does not carry over to the figure
    kpi("own-clause", "Three substantiated bribery cases against former buyers were concluded in court, and integrity "
        "workshops reached 1,800 drivers.", dict(raw="Three"), "B7.1"),
    kpi("own-clause", "The kiln line emitted 410 tonnes of sulphur dioxide; greenhouse gas emissions from the same "
        "line are reported under Scope 1 and 2.", dict(raw="410 tonnes"), "A1.1"),
    kpi("own-clause", "Dust from the quarry fell to 52 tonnes, while hazardous waste from the workshop came to "
        "18 tonnes.", dict(raw="52 tonnes"), "A1.1"),
    # energy carriers
    kpi("town-gas", "Town gas used by the hotel kitchens came to 840,000 m³ in the year.", dict(raw="840,000 m³"), "A2.1"),
    kpi("diesel", "Our delivery fleet burned 2.3 million litres of diesel.", dict(raw="2.3 million litres"), "A2.1"),
    kpi("bunker-fuel", "Vessels in the feeder fleet consumed 51,000 tonnes of bunker fuel.", dict(raw="51,000 tonnes"),
        "A2.1"),
    kpi("fuel-saved", "Eco-driving coaching saved 310 tonnes of fuel across the fleet.", dict(raw="310 tonnes"), "A2.3"),
    # pollutants discharged to water
    kpi("cod", "COD discharged with brewery wastewater was 96 tonnes.", dict(raw="96 tonnes"), "A1.1"),
    kpi("ammonia-nitrogen", "The treatment works released 35 tonnes of ammonia nitrogen to the river.",
        dict(raw="35 tonnes"), "A1.1"),
    # waste
    kpi("by-product-diverted", "Spent grain diverted to cattle farms reached 12,400 tonnes.", dict(raw="12,400 tonnes"),
        "A1.4"),
    kpi("used-solvent", "Used solvent collected by a licensed contractor came to 6.2 tonnes.", dict(raw="6.2 tonnes"),
        "A1.3"),
    kpi("packaging-avoided", "Guests refused 1.2 million plastic straws after we stopped offering them.",
        dict(raw="1.2 million"), "A2.5"),
    kpi("food-rescued", "Surplus bread rescued for food banks totalled 85 tonnes.", dict(raw="85 tonnes"), "B8.2"),
    # workforce, training and community
    kpi("label-employed", "Drivers employed: 2,640", dict(raw="2,640"), "B1.1"),
    kpi("label-trained", "Nurses trained in infection control: 4,150", dict(raw="4,150"), "B3.1"),
    kpi("free-classes", "We offered 24 free cookery classes to residents of the estate.", dict(raw="24"), "B8.2"),
    kpi("educational-visits", "The brewery hosted 130 educational visits for local schools.", dict(raw="130"), "B8.2"),
    # supply chain and product responsibility
    kpi("paid-to-suppliers", "We paid HK$ 92 million to suppliers based in Hong Kong.", dict(raw="HK$ 92 million"),
        "B5.1"),
    kpi("privacy-complaints", "Guests lodged 4 complaints about the handling of their personal data.", dict(raw="4"),
        "B6.5"),
    kpi("environmental-incidents", "Significant environmental incidents: 0", dict(raw="0"), "A3.1"),
    # trees: a volunteer activity is community investment, the company's own planting is environment
    kpi("volunteer-trees", "Staff volunteers planted 2,300 trees on the hillside above the depot.", dict(raw="2,300"),
        "B8.2"),
    kpi("own-trees", "We planted 15,000 trees around the new quarry.", dict(raw="15,000"), "A3.1"),
    # average training hours never share an indicator with totals
    ("average-training-hours", TRAINING, {}, dict(value=18.5, indicator="average_training_hours"), {}),
    ("average-training-hours", TRAINING, {}, dict(value=40, indicator="average_training_hours"), {}),
    ("average-training-hours", TRAINING, {}, dict(value=17.2, indicator="average_training_hours"), {}),
    ("total-training-hours", TRAINING, {}, dict(value=96_000, indicator="training_hours"), {}),
    ("total-training-hours", TRAINING, {}, dict(value=88_000, indicator="training_hours"), {}),
]

# (rule, text, given, fields, expected): the figures' fields, in text order, are exactly these.
EXACTLY = [
    ("waste-labels", "Non-hazardous waste: 4,210 tonnes; hazardous waste: 96.3 tonnes.", {}, "hkex_kpi", ["A1.4", "A1.3"]),
    ("fuel-by-volume", "Company vehicles burned 86,400 litres of diesel.", {}, ("value", "unit", "hkex_kpi"),
     [(86_400, "litre", "A2.1")]),
    ("fuel-by-mass", "The shipping line bunkered 212,400 tonnes of marine fuel oil.", Y23, ("unit", "hkex_kpi"),
     [("tonne", "A2.1")]),
    ("fuel-saved-by-mass", "Slow steaming saved about 9,300 tonnes of fuel across the fleet.", Y23,
     ("unit", "hkex_kpi"), [("tonne", "A2.3")]),
    ("water-by-mass", "The brewery's water consumption was 812,000 tonnes.", Y23, ("unit", "hkex_kpi"),
     [("tonne", "A2.2")]),
    ("water-by-mass", "The smelter drew 3.6 million tonnes of process water.", Y23, ("unit", "hkex_kpi"),
     [("tonne", "A2.2")]),
]

# (rule, text, given, pick): no figure matches the pick.
ABSENT = [
    ("total-is-no-average", TRAINING, {}, dict(value=96_000, indicator="average_training_hours")),
    ("average-is-no-total", TRAINING, {}, dict(value=18.5, indicator="training_hours")),
]


@pytest.mark.parametrize("rule,text,given,pick,want", FOUND, ids=ids(FOUND))
def test_kpi_of_a_figure(rule, text, given, pick, want):
    check_found(rule, text, given, pick, want)


@pytest.mark.parametrize("rule,text,given,fields,expected", EXACTLY, ids=ids(EXACTLY))
def test_kpis_are_exactly_these(rule, text, given, fields, expected):
    check_exactly(rule, text, given, fields, expected)


@pytest.mark.parametrize("rule,text,given,pick", ABSENT, ids=ids(ABSENT))
def test_no_such_indicator(rule, text, given, pick):
    check_absent(rule, text, given, pick)


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
