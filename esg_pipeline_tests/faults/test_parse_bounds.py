"""Finding 6 (the cheap bounds): HTML nested thousands of levels deep and a YAML alias bomb in a catalog
or sidecar each give one short line, never a RecursionError traceback or a message of megabytes."""
from __future__ import annotations

import time

import pytest

from esg_pipeline.ingest.catalog import CatalogFileError, load_catalog
from esg_pipeline.cli import main
from esg_pipeline.ingest.documents import DocumentError, read_document_bytes
from esg_pipeline.ingest.inbox import scan_inbox

SENTENCE = b"<p>Scope 1 emissions were 18,450 tonnes CO2e in 2022.</p>"


def nested(levels: int, tag: bytes = b"div") -> bytes:
    return b"<html><body>" + b"<%s>" % tag * levels + SENTENCE + b"</%s>" % tag * levels + b"</body></html>"


@pytest.mark.parametrize("levels,tag", [(600, b"div"), (5_000, b"div"), (20_000, b"span"), (3_000, b"table")])
def test_deep_html_is_one_line_of_error(levels, tag):
    with pytest.raises(DocumentError) as info:
        read_document_bytes(nested(levels, tag), "html", "deep.html")
    message = str(info.value)
    assert message.startswith("deep.html: HTML nested ") and "levels deep, more than the limit of 256" in message
    assert "\n" not in message


def test_ordinary_nesting_still_reads():
    assert "18,450 tonnes" in read_document_bytes(nested(100), "html", "ok.html").text


def test_deep_html_through_the_cli_is_one_line(tmp_path, capsys):
    path = tmp_path / "deep.html"
    path.write_bytes(nested(5_000))
    assert main(["extract", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("esg-pipeline extract: ") and "levels deep" in err.splitlines()[0]
    assert "Traceback" not in err and "RecursionError" not in err


def alias_bomb(levels: int = 6, width: int = 9) -> str:
    """A flow mapping of ~400 bytes that expands to width**levels strings if aliases are followed (kept
    small enough that the code before the fix builds its multi-megabyte message and fails, not the machine)."""
    items = ['a0: &a0 ["lol"]']
    for n in range(1, levels + 1):
        items.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * width)}]")
    return "{" + ", ".join(items) + "}"


def test_catalog_alias_bomb_is_refused_in_one_short_line(tmp_path):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text(
        "companies:\n  - {id: bomb, name: Bomb Ltd}\n"
        f"reports:\n  - {alias_bomb()}\n  - {{company: bomb, year: 2021, source: r.txt, title: *a6}}\n",
        encoding="utf-8")
    assert len(catalog.read_bytes()) < 600
    started = time.monotonic()
    with pytest.raises(CatalogFileError) as info:
        load_catalog(catalog)
    message = str(info.value)
    assert time.monotonic() - started < 2
    assert "YAML aliases are not allowed" in message and len(message) < 400, message[:400]


def test_sidecar_alias_bomb_is_a_short_problem(tmp_path):
    report = tmp_path / "harbourline_2021_esg.txt"
    report.write_text("Harbourline ESG Report 2021", encoding="utf-8")
    (tmp_path / "harbourline_2021_esg.txt.yaml").write_text(alias_bomb()[:-1] + ", title: *a6}", encoding="utf-8")
    [file] = scan_inbox(tmp_path)
    assert not file.ready and "YAML aliases are not allowed" in file.problem and len(file.problem) < 500
