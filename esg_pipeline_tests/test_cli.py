"""CLI argument handling and clear errors, without running the pipeline."""
import argparse

import pytest

from esg_pipeline.cli import _parse_years, main


def years_of(argv, catalog_years=(2019, 2020, 2022)):
    args = argparse.Namespace(years=None, year_from=None, year_to=None)
    for flag, value in zip(argv[::2], argv[1::2]):
        setattr(args, {"--years": "years", "--from": "year_from", "--to": "year_to"}[flag],
                value if flag == "--years" else int(value))
    return _parse_years(args, list(catalog_years))


def test_years_default_to_the_catalog_and_ranges_are_inclusive():
    assert years_of([]) == [2019, 2020, 2022]
    assert years_of(["--years", "2020,2017,2020"]) == [2017, 2020]
    assert years_of(["--from", "2018", "--to", "2020"]) == [2018, 2019, 2020]
    assert years_of(["--from", "2021"]) == [2021, 2022]


def test_unreadable_catalog_is_named_and_nothing_runs(tmp_path, workdir, capsys):
    broken = tmp_path / "catalog.yaml"
    broken.write_text("reports: [unclosed", encoding="utf-8")
    assert main(["run", "--catalog", str(broken)]) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and "not valid YAML" in err
    assert not (workdir / "warehouse").exists()


def test_a_year_without_a_partition_is_refused(tmp_path, workdir, capsys):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text("companies: [{id: acme, name: Acme}]\nreports: []\n", encoding="utf-8")
    assert main(["run", "--catalog", str(catalog), "--years", "2009"]) == 2
    assert "no reporting-year partition for [2009]" in capsys.readouterr().err


def test_a_catalog_year_still_in_progress_waits_for_its_partition(tmp_path, workdir, capsys):
    """A default run skips a catalog year whose partition has not opened (this year's report of a fiscal year
    that ended mid-year) with one line, instead of refusing the whole run; naming that year is still refused."""
    import datetime as dt

    year = dt.date.today().year
    report = tmp_path / "acme.txt"
    report.write_text("Acme donated HK$3 million.", encoding="utf-8")
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text("companies: [{id: acme, name: Acme}]\nreports: [{company: acme, year: %d, title: Report, "
                       "source: %s}]\n" % (year, report), encoding="utf-8")
    assert main(["run", "--catalog", str(catalog)]) == 0
    assert f"reporting year {year} not run yet" in capsys.readouterr().err
    assert not (workdir / "warehouse").exists()
    assert main(["run", "--catalog", str(catalog), "--years", str(year)]) == 2
    assert f"no reporting-year partition for [{year}]" in capsys.readouterr().err


def test_a_company_not_in_the_catalog_is_refused(tmp_path, workdir, capsys):
    catalog = tmp_path / "catalog.yaml"
    catalog.write_text("companies: [{id: acme, name: Acme}]\nreports: []\n", encoding="utf-8")
    assert main(["run", "--catalog", str(catalog), "--company", "acme,acne"]) == 2
    assert "not a company of" in (err := capsys.readouterr().err) and "acne" in err and "acme" not in err.split(":")[-1]
    assert not (workdir / "warehouse").exists()


def test_verify_rejects_an_unknown_indicator(workdir, capsys):
    code = main(["verify", "--company", "acme", "--year", "2021", "--indicator", "happiness_index",
                 "--entity", "Acme", "--value", "1", "--unit", "count", "--reason", "checked", "--by", "qa",
                 "--no-rebuild"])
    assert code == 2 and "unknown indicator 'happiness_index'" in capsys.readouterr().err


def test_extract_names_a_file_it_cannot_read(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert main(["extract", str(empty), "--format", "jsonl"]) == 1
    assert "empty.txt" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["run", "extract", "verify", "report", "export", "bi-role"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0 and "usage: esg-pipeline" in capsys.readouterr().out
