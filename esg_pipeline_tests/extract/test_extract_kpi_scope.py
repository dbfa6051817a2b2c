"""KPI mapping by the figure's own clause and noun, and the taxonomy lexicons for carriers, pollutants, waste,
workforce, supply chain and community. Texts are invented (brewery, cement, hospital group, logistics, hotels)."""
from __future__ import annotations

import pytest

from esg_pipeline.extract import extract_metrics


def kpi_of(text: str, raw: str) -> str | None:
    found = [m for m in extract_metrics(text, doc="t.txt") if raw in m.raw or m.raw in raw]
    assert found, (raw, text)
    return found[0].hkex_kpi


@pytest.mark.parametrize("text, raw, kpi", [
    # a neighbouring clause's topic does not carry over to the figure
    ("Three substantiated bribery cases against former buyers were concluded in court, and integrity workshops "
     "reached 1,800 drivers.", "Three", "B7.1"),
    ("The kiln line emitted 410 tonnes of sulphur dioxide; greenhouse gas emissions from the same line are "
     "reported under Scope 1 and 2.", "410 tonnes", "A1.1"),
    ("Dust from the quarry fell to 52 tonnes, while hazardous waste from the workshop came to 18 tonnes.",
     "52 tonnes", "A1.1"),
    # energy carriers
    ("Town gas used by the hotel kitchens came to 840,000 m³ in the year.", "840,000 m³", "A2.1"),
    ("Our delivery fleet burned 2.3 million litres of diesel.", "2.3 million litres", "A2.1"),
    ("Vessels in the feeder fleet consumed 51,000 tonnes of bunker fuel.", "51,000 tonnes", "A2.1"),
    ("Eco-driving coaching saved 310 tonnes of fuel across the fleet.", "310 tonnes", "A2.3"),
    # pollutants discharged to water
    ("COD discharged with brewery wastewater was 96 tonnes.", "96 tonnes", "A1.1"),
    ("The treatment works released 35 tonnes of ammonia nitrogen to the river.", "35 tonnes", "A1.1"),
    # waste
    ("Spent grain diverted to cattle farms reached 12,400 tonnes.", "12,400 tonnes", "A1.4"),
    ("Used solvent collected by a licensed contractor came to 6.2 tonnes.", "6.2 tonnes", "A1.3"),
    ("Guests refused 1.2 million plastic straws after we stopped offering them.", "1.2 million", "A2.5"),
    ("Surplus bread rescued for food banks totalled 85 tonnes.", "85 tonnes", "B8.2"),
    # workforce
    ("Drivers employed: 2,640", "2,640", "B1.1"),
    ("The hospital group employed 5,200 nurses, of whom 61% were aged under 40.", "61%", "B1.1"),
    # training and community
    ("Nurses trained in infection control: 4,150", "4,150", "B3.1"),
    ("We offered 24 free cookery classes to residents of the estate.", "24", "B8.2"),
    ("The brewery hosted 130 educational visits for local schools.", "130", "B8.2"),
    # supply chain and product responsibility
    ("We paid HK$ 92 million to suppliers based in Hong Kong.", "HK$ 92 million", "B5.1"),
    ("Guests lodged 4 complaints about the handling of their personal data.", "4", "B6.5"),
    ("Significant environmental incidents: 0", "0", "A3.1"),
    # trees: a volunteer activity is community investment, the company's own planting is environment
    ("Staff volunteers planted 2,300 trees on the hillside above the depot.", "2,300", "B8.2"),
    ("We planted 15,000 trees around the new quarry.", "15,000", "A3.1"),
])
def test_kpi_by_own_clause_and_lexicon(text, raw, kpi):
    assert kpi_of(text, raw) == kpi
