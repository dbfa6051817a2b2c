"""The taxonomy is data: a new concept with its framework references, or a new dimension member, is an
edit of taxonomy.yaml that the extractor and the warehouse pick up without a code change."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from esg_pipeline.extract.classify import Classifier
from esg_pipeline.taxonomy import (TAXONOMY_PATH, TaxonomyError, framework_reference_rows, load_dimensions,
                                   load_taxonomy)

NEW_CONCEPT = '''
  - id: plastic_packaging_recycled
    name: Plastic packaging recycled
    hkex_kpi: A2.5
    gri: "301-3"
    canonical_unit: tonne
    unit_kind: mass
    description: Plastic packaging collected back and recycled.
    subject_keywords: [plastic packaging]
    keywords: [plastic, packaging, recycl]
    requires: [recycl]
    additive: true
    references:
      - {framework: ESRS, ref: E5-5, version: "2023", requirement: mandatory, effective_from: 2024-01-01}
      - {framework: IFRS_S2, ref: "29(b)", version: "2023", effective_from: 2024-01-01}
'''


def _with(tmp_path: Path, extra: str, after: str = "indicators:\n") -> Path:
    text = TAXONOMY_PATH.read_text(encoding="utf-8").replace(after, after + extra.lstrip("\n"), 1)
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_new_concept_with_references_is_a_data_edit(tmp_path):
    path = _with(tmp_path, NEW_CONCEPT)
    concepts = {i.id: i for i in load_taxonomy(path)}
    concept = concepts["plastic_packaging_recycled"]
    refs = {(r["framework"], r["reference"]): r for r in framework_reference_rows([concept])}
    assert set(refs) == {("ESRS", "E5-5"), ("IFRS_S2", "29(b)"), ("HKEX", "A2.5"), ("GRI", "301-3")}
    assert refs[("ESRS", "E5-5")]["effective_from"] == dt.date(2024, 1, 1)
    assert refs[("HKEX", "A2.5")]["part"] == "C"  # the guide KPI of its hkex_kpi field
    # the extractor classifies by it at once
    classifier = Classifier(list(concepts.values()))
    zones = {"subject": classifier.stems_in("plastic packaging recycled"), "sentence": classifier.stems_in("recycled")}
    assert classifier.classify("tonne", "mass", zones).id == "plastic_packaging_recycled"
    assert "plastic_packaging_recycled" not in {i.id for i in load_taxonomy()}  # the shipped file is untouched


def test_the_shipped_taxonomy_has_the_headline_concepts_and_their_references():
    concepts = {i.id: i for i in load_taxonomy()}
    headlines = {i.headline for i in concepts.values() if i.headline}
    assert {"ghg_scope1", "ghg_scope2", "ghg_scope3", "ghg_intensity", "energy_consumption", "water_withdrawal",
            "water_consumption", "waste_hazardous", "waste_non_hazardous", "employees_total",
            "employee_turnover_rate", "female_employee_share", "work_fatalities", "lost_days",
            "average_training_hours", "community_investment", "volunteer_hours"} <= headlines
    scope1 = {(r.framework, r.part, r.requirement) for r in concepts["ghg_scope1"].references}
    assert ("HKEX", "D", "mandatory") in scope1 and ("HKEX", "C", "comply_or_explain") in scope1
    frameworks = {r.framework for i in concepts.values() for r in i.references}
    assert frameworks == {"HKEX", "GRI", "IFRS_S2", "ESRS"}


def test_dimensions_are_data(tmp_path):
    path = _with(tmp_path, "      eswatini: [eswatini, swaziland]\n", after="      oceania: [oceania, australia]\n")
    region = {d.id: d for d in load_dimensions(path)}["region"]
    assert ("eswatini", ("eswatini", "swaziland")) in region.members


@pytest.mark.parametrize(("extra", "after", "message"), [
    (NEW_CONCEPT.replace("framework: ESRS", "framework: SASB"), "indicators:\n", "unknown framework"),
    (NEW_CONCEPT.replace("effective_from: 2024-01-01}\n      - {framework: IFRS", "effective_from: soon}\n      - {framework: IFRS"),
     "indicators:\n", "is not a date"),
    (NEW_CONCEPT.replace("    additive: true\n", "    additive: true\n    dimensions: [colour]\n"), "indicators:\n", "unknown dimensions"),
    (NEW_CONCEPT.replace("    additive: true\n", "    additive: true\n    name: Again\n"), "indicators:\n", "given twice"),
])
def test_bad_taxonomy_edits_are_refused_with_a_reason(tmp_path, extra, after, message):
    with pytest.raises(TaxonomyError, match=message):
        load_taxonomy(_with(tmp_path, extra, after))
