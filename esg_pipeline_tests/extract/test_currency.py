"""What a bare `$` stands for: the catalog's currency, else the report's declaration, else the one prefixed
dollar it prints when it never prints US$; a report in US dollars keeps USD."""
from __future__ import annotations

import pytest

from esg_pipeline.extract.currency import report_currency
from esg_pipeline.ingest.documents import read_document_bytes
from esg_pipeline.pipeline import ReportText, report_metric_rows

# (case, text, catalog currency, ISO code a bare '$' stands for; None: the US dollar)
CASES = [
    ("declared-name", "All amounts in this report are in Hong Kong dollars unless otherwise stated.", None, "HKD"),
    ("declared-symbol", "Monetary figures are expressed in S$.", None, "SGD"),
    ("declared-code", "Currency: AUD", None, "AUD"),
    ("reporting-currency", "The Group's reporting currency is the New Zealand dollar.", None, "NZD"),
    ("declared-us", "All amounts are in US dollars.", None, None),
    ("prefixed-only", "Donations reached HK$12 million; another $3 million went to schools.", None, "HKD"),
    ("prefixed-and-us", "HK$12 million in Hong Kong and US$3 million abroad; $1 million elsewhere.", None, None),
    ("two-prefixes", "S$2 million in Singapore and A$1 million in Sydney; $4 million in total.", None, None),
    ("nothing-said", "We donated $3 million to schools.", None, None),
    ("catalog-wins", "All amounts are in Hong Kong dollars.", "SGD", "SGD"),
    ("catalog-us", "Donations reached HK$12 million.", "USD", None),
]


@pytest.mark.parametrize("case,text,catalog,code", CASES, ids=[c[0] for c in CASES])
def test_report_currency(case, text, catalog, code):
    found = report_currency(text, catalog)
    assert (found.code if found else None) == code


def _rows(text: str, currency: str | None) -> list[dict]:
    document = read_document_bytes(text.encode(), "txt", name="r.txt")
    report = ReportText(report_id="acme/2023/r", company_id="acme", company_name="Acme", report_year=2023,
                        title="r", source="r.txt", sha256="0" * 64, format="txt", document=document,
                        currency=currency)
    return report_metric_rows(report)


def test_a_bare_dollar_in_a_hong_kong_report_is_hkd_and_prefixed_amounts_keep_theirs():
    text = ("All amounts are in Hong Kong dollars unless otherwise stated.\n\n"
            "In 2023 the Group donated $3.2 million to local charities and US$0.5 million to relief abroad.\n")
    units = sorted((r["value"], r["unit"]) for r in _rows(text, None))
    assert (3_200_000, "HKD") in units and (500_000, "USD") in units


def test_the_catalog_currency_reaches_the_loaded_rows():
    rows = _rows("In 2023 the Group donated $3.2 million to local charities.\n", "SGD")
    assert [(r["value"], r["unit"]) for r in rows] == [(3_200_000, "SGD")]
    assert [(r["value"], r["unit"]) for r in _rows("In 2023 the Group donated $3.2 million to local charities.\n",
                                                   None)] == [(3_200_000, "USD")]
