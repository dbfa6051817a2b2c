import json

import dagster as dg
import pytest

from esg_pipeline.defs.resources import PipelineSettings
from esg_pipeline.defs.sensors import report_arrival_sensor

REPORT = "Osprey Foods Group\nSustainability Report 2021\n\nIn 2021 we donated HK$2.5 million to food banks.\n"


def evaluate(pipeline, cursor=None):
    context = dg.build_sensor_context(cursor=cursor, resources={"pipeline": pipeline})
    result = report_arrival_sensor(context)
    return result.run_requests or [], result.cursor


def write_catalog(path, years):
    reports = [{"company": "osprey", "year": y, "title": f"Report {y}", "source": f"r{y}.txt"} for y in years]
    path.write_text(json.dumps({"companies": [{"id": "osprey", "name": "Osprey Foods Group"}], "reports": reports}))


@pytest.fixture
def watched(tmp_path):
    """An inbox and a catalog of 2019 and 2020, as the sensor's pipeline settings see them."""
    inbox, catalog = tmp_path / "inbox", tmp_path / "catalog.yaml"
    inbox.mkdir()
    write_catalog(catalog, [2019, 2020])
    pipeline = PipelineSettings(catalog_path=str(catalog), raw_store_dir=str(tmp_path / "raw"), inbox_dir=str(inbox))
    return inbox, catalog, pipeline


def test_inbox_files_and_catalog_edits_request_their_years(watched):
    inbox, catalog, pipeline = watched
    requests, cursor = evaluate(pipeline)
    assert requests == []  # first tick learns the catalog, no backfill of history

    (inbox / "osprey_2021_sustainability.txt").write_text(REPORT)
    (inbox / "undated-report.txt").write_text(REPORT)  # year comes from the text
    requests, cursor = evaluate(pipeline, cursor)
    assert [r.partition_key for r in requests] == ["2021"]

    requests, cursor = evaluate(pipeline, cursor)
    assert requests == []  # nothing new

    write_catalog(catalog, [2019, 2020, 2018])
    requests, cursor = evaluate(pipeline, cursor)
    assert [r.partition_key for r in requests] == ["2018"]
    assert requests[0].tags["esg/trigger"] == "catalog entries changed"
    assert "esg/companies" not in requests[0].tags  # a catalog edit runs the whole year


def test_a_year_touched_only_by_inbox_files_runs_for_their_companies(watched):
    inbox, _, pipeline = watched
    _, cursor = evaluate(pipeline)

    (inbox / "osprey_2021_sustainability.txt").write_text(REPORT)
    requests, cursor = evaluate(pipeline, cursor)
    assert [(r.partition_key, r.tags.get("esg/companies")) for r in requests] == [("2021", "osprey")]

    (inbox / "osprey_2022_sustainability.txt").write_text(REPORT.replace("2021", "2022"))
    (inbox / "heron_2022_esg.txt").write_text(REPORT.replace("2021", "2022"))
    requests, cursor = evaluate(pipeline, cursor)
    assert [(r.partition_key, r.tags.get("esg/companies")) for r in requests] == [("2022", "heron,osprey")]
