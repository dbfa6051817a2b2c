"""Layouts of real report web pages and PDF transcripts, one case per general rule, on invented texts:
scale letters and words glued to the figure or to the next word, comparison signs and '+' of key-figure
tiles, units written the PDF or US way (Mt CO 2 -e, gallons, pounds of), counted nouns past adjectives,
codes, slashes and glued words, tallies in 'times', and the page debris that is no quantity (footnote
markers, digit runs, letter-spaced digits, names with numbers)."""
from __future__ import annotations

import pytest

from esg_pipeline.extract import extract_metrics

# (rule, text, value, unit, qualifier): the text holds this quantity.
FOUND = [
    ("letter-scale", "Highlights $845M Committed to our clean-tech fund in FY22.", 845e6, "USD", "exact"),
    ("letter-scale", "Water 2.1M m³ of water returned to stressed basins.", 2.1e6, "m3", "exact"),
    ("letter-scale", "Community >64K people reached by our clinics this year.", 64000, "count", "at_least"),
    ("glued-word", "HKD 41,380 millionin sales came from members of the loyalty scheme.", 41380e6, "HKD", "exact"),
    ("glued-word", "Fuel efficiency improved by 12.4 %in freight tonne-km since 2005.", 12.4, "percent", "exact"),
    ("glued-word", "Electricity intensity ↓9.8%kWh/m2 against baseline year FY2019", 9.8, "percent", "exact"),
    ("symbol-qualifier", "Raised >HK$7 Billion through green bonds since 2019.", 7e9, "HKD", "at_least"),
    ("symbol-qualifier", "~12.5% women in the engineering workforce", 12.5, "percent", "approx"),
    ("symbol-qualifier", "Improving >3 million lives through rural clinics", 3e6, "count", "at_least"),
    ("ghg-mass", "Operational emissions were 3.4 Mt CO 2 -e in FY2021.", 3.4e6, "tCO2e", "exact"),
    ("ghg-mass", "In FY22 the airline contracted to remove 1.2 million mtCO 2 , its two-year goal.", 1.2e6, "tCO2e", "exact"),
    ("ghg-mass", "The mill's emission intensity was 1.87 tCO2/tcs last year.", 1.87, "tCO2e/tcs", "exact"),
    ("ghg-mass", "Its solar farms have avoided 8,120,554 kg of carbon since 2015.", 8120554, "kgCO2e", "exact"),
    ("ghg-mass", "Carbon Intensity:0.61 tonne (Mt) of CO2e/HKD million", 0.61, "tCO2e/HKD million", "exact"),
    ("units", "The bottling plants reused 410 million gallons of process water.", 410e6, "gallon", "exact"),
    ("units", "Reusable crates replaced 23.5 million pounds of cardboard.", 23.5e6, "lb", "exact"),
    ("units", "Proved reserves stand at 5.2 billion barrels of oil equivalent.", 5.2e9, "boe", "exact"),
    ("units", "The works reached an energy intensity of 6.01 GCal/tcs.", 6.01, "Gcal/tcs", "exact"),
    ("units", "Emissions per sales were 2.9 tons of CO2e/million KRW in 2019.", 2.9, "tCO2e/KRW million", "exact"),
    ("adjective-unit", "Last year a further\n\n45 new hectares\n\nof wetland were restored by our volunteers.", 45, "hectare", "exact"),
    ("plus-suffix", "Our volunteers gave 87,400+ hours to community projects.", 87400, "hour", "at_least"),
    ("plus-suffix", "- 250+ Contoso suppliers have signed our clean energy pledge", 250, "count", "at_least"),
    ("footnote-marker", "we gave more than 41,000 12 people access to clean water.", 41000, "count", "at_least"),
    ("times-count", "Members reused our shopping bags a total of 18 million times in 2022.", 18e6, "count", "exact"),
    ("times-count", "Customers looked up the recycling guide nearly 2.4 million times on the app.", 2.4e6, "count", "approx"),
    ("shared-head", "The brewer runs 9 certified and 4 zero-waste breweries across the region.", 9, "count", "exact"),
    ("count-noun", "In the Gulf, 3 new deep-water high-pressure oil and gas discoveries were made.", 3, "count", "exact"),
    ("count-noun", "Provided 62 online/offline courses to branch staff.", 62, "count", "exact"),
    ("count-noun", "We have helped 35 Fiat and Lexus dealerships earn green certificates.", 35, "count", "exact"),
    ("count-noun", "148 aircraftIncluding 6 new A321-200s that joined the fleet in 2018.", 148, "count", "exact"),
    ("count-noun", "148 aircraftIncluding 6 new A321-200s that joined the fleet in 2018.", 6, "count", "exact"),
    ("ellipsis-from", "The chain had 5,200 new staff, 2,100 from Delta Stores and 1,800 from Harbour Cafes Limited.", 2100,
     "count", "exact"),
    ("own-scope", "- Obtained more than 8,500 patents globally.", 8500, "count", "at_least"),
    ("period-cell", "Lost-time incidents FY2021 (3) 14\nFY2022 11\nSafety", 14, "count", "exact"),
    ("period-cell", "Lost-time incidents FY2021 (3) 14\nFY2022 11\nSafety", 11, "count", "exact"),
    ("period-cell", "Site fatalities FY2020 (7) 2", 2, "count", "exact"),
    ("period-cell", "Recordable injury frequency FY2022 (2) 3.1\nper million hours worked", 3.1,
     "per 1000000 hours worked", "exact"),
    ("rate", "The recordable injury rate was 0.42 per 200,000 hours worked.", 0.42, "per 200000 hours worked", "exact"),
]


@pytest.mark.parametrize("rule,text,value,unit,qualifier", FOUND, ids=[f"{c[0]}-{i}" for i, c in enumerate(FOUND)])
def test_layout_quantity_is_read(rule, text, value, unit, qualifier):
    metrics = extract_metrics(text, doc="t.txt")
    hits = [m for m in metrics if m.unit == unit and abs(m.value - value) <= abs(value) * 1e-9]
    assert hits, (rule, [(m.raw, m.value, m.unit) for m in metrics])
    assert hits[0].qualifier == qualifier, (rule, hits[0])


# (rule, text, value): no quantity with this value is read from the text.
NOT_FOUND = [
    ("letter-scale", "The 3M respirators were issued to 40 welders.", 3e6),
    ("glued-word", "Electricity intensity ↓9.8%kWh/m2 against baseline year FY2019", 2),
    ("pounds-of", "Staff raised 2 million pounds for the hospice appeal.", 2e6),
    ("page-debris", "Contents\n\n123456789\n\n101112\n\nOverview", 123456789),
    ("page-debris", "Contents\n\n123456789\n\n101112\n\nOverview", 101112),
    ("page-debris", "Lost-time injury frequency per million hours worked\n(4)\ncompared to FY2019", 4),
    ("page-debris", "Site fatalities FY2020 (7) 2", 7),
    ("page-debris", ">2 3 , 1 0 0 tons In FY21 we diverted more than 23,100 metric tons of waste.", 0),
    ("page-debris", "Energy intensity ↓7.1%GJ/1,000 ft2 against baseline year", 1000),
    ("page-debris", "We pursue net zero emissions from our operations by 2050.", 0),
    ("page-debris", "Zero Waste Three warehouses are Zero Waste certified.", 0),
    ("code-after-name", "In the bay, 3 new discoveries including Dongfang 13-2 were made.", 2),
    ("times-count", "Emissions per unit fell to one fifth; output was 3 times higher than in 2015.", 3),
    ("times-count", "The committee met 6 times a year.", 6),
    ("non-count", "In the first three quarters of 2021, orders rose by 12%.", 3),
    ("period-cell", "The board met in FY2022 4", 4),  # prose wrapped after a year: no scorecard cell
    ("period-cell", "Recordable injury frequency FY2022 (2) 3.1", 3.1),  # a decimal with no rate stated nearby
]


@pytest.mark.parametrize("rule,text,value", NOT_FOUND, ids=[f"{c[0]}-{i}" for i, c in enumerate(NOT_FOUND)])
def test_layout_debris_is_no_quantity(rule, text, value):
    metrics = extract_metrics(text, doc="t.txt")
    assert not [m for m in metrics if m.value == value], (rule, [(m.raw, m.value, m.unit) for m in metrics])


# (rule, text, raw, hkex_kpi): the HKEX KPI of the figure read as `raw`.
KPI = [
    ("water-saved", "Water\n1.2 million m³ Water saved across our plants by 140 water-saving projects.", "1.2 million m³", "A2.4"),
    ("water-saved", "Water\n1.2 million m³ Water saved across our plants by 140 water-saving projects.", "140", "A2.4"),
    ("water-saved", "Our basin programs account for over 410 million liters of water benefit per year.", "410 million liters", "A2.4"),
    ("water-efficiency", "Water usage intensity at our breweries fell 18% compared with 2019.", "18%", "A2.4"),
    ("tile-label", "Our fleet's fuel efficiency improved by\n\n12.1 %in revenue tonne-km since 2010.", "12.1 %", "A2.3"),
    ("tile-label", "Energy intensity2\n\n↓8.2%GJ/1,000 ft2 against baseline year FY2018", "8.2%", "A2.3"),
    ("dust", "0.21 kg/tcs\nDUST EMISSION INTENSITY", "0.21 kg/tcs", "A1.1"),
    ("dust", "New bag filters at the sinter plant, resulting in 31% reduction in dust emissions since FY2017.", "31%", "A1.1"),
    ("share-for", "Per tonne made, we cut impacts by 38% for CO2 from energy, 52% for water use and 61% for total "
     "waste.", "38%", "A1.2"),
    ("share-for", "Per tonne made, we cut impacts by 38% for CO2 from energy, 52% for water use and 61% for total "
     "waste.", "61%", "A1.4"),
    ("sourcing", "21% of our cocoa now sourced from certified farms", "21%", "B5.2"),
    ("sourcing-not-emissions", "Emissions fell 9% for CO2 while more farms were certified.", "9%", "A1.2"),
    ("injury-rate", "Recordable injury rate (per 1,000,000 hours worked): 1.8", "1.8", "B2.2"),
    ("particulates", "PM emissions were 0.12 tonnes in 2023.", "0.12 tonnes", "A1.1"),
    ("packaging", "Returnable racks replaced 8.4 million pounds of cardboard boxes and 2.2 million pounds of crates.",
     "8.4 million pounds", "A2.5"),
]


@pytest.mark.parametrize("rule,text,raw,kpi", KPI, ids=[f"{c[0]}-{i}" for i, c in enumerate(KPI)])
def test_layout_kpi(rule, text, raw, kpi):
    metrics = extract_metrics(text, doc="t.txt")
    hits = [m for m in metrics if m.raw == raw]
    assert hits, (rule, [m.raw for m in metrics])
    assert hits[0].hkex_kpi == kpi, (rule, hits[0].indicator, hits[0].subject)
