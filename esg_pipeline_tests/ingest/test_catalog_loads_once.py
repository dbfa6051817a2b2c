"""A run loads its catalog in every year's step: an unchanged catalog is parsed and validated once per
process, and an edited one (or an alias in it) is read again."""
from __future__ import annotations

import pytest

from esg_pipeline.ingest.catalog import CatalogFileError, load_catalog
from esg_pipeline_tests.helpers import write_catalog


def test_an_unchanged_catalog_is_validated_once_and_an_edited_one_again(tmp_path):
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    reports = [{"company": "acme", "year": 2022, "title": "ESG", "source": "a.txt"}]
    path = write_catalog(tmp_path, reports, [{"id": "acme", "name": "Acme"}])
    first = load_catalog(path)
    assert load_catalog(str(path)) is first  # the same text: the same load
    write_catalog(tmp_path, reports + [{"company": "acme", "year": 2023, "title": "ESG", "source": "a.txt"}],
                  [{"id": "acme", "name": "Acme"}])
    edited = load_catalog(path)
    assert edited is not first and edited.years == [2022, 2023] and first.years == [2022]
    path.write_text("companies: &c [{id: acme, name: Acme}]\nreports: *c\n", encoding="utf-8")
    with pytest.raises(CatalogFileError, match="YAML aliases are not allowed"):
        load_catalog(path)
