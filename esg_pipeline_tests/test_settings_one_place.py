"""Settings are read in one module, esg_pipeline/settings.py: every ESG_* variable, every default. The
CLI and the Dagster resources take them from there, and README's settings table is the one settings.py
makes."""
from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import dagster as dg
import pytest

from esg_pipeline import settings
from esg_pipeline.cli import _run_settings
from esg_pipeline.defs.resources import PipelineSettings, default_resources
from esg_pipeline.ingest.fetch import FetchSettings

PACKAGE = Path(settings.__file__).parent
README = settings.PROJECT_DIR / "README.md"
# Not settings: the bounded reader's parent hands its pid to the reading child process this way.
HANDSHAKES = {"ESG_READER_PARENT"}


def _is_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ"


def _environment_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, variable) of each read of a named variable: os.environ.get/[]/setdefault/in, os.getenv, EnvVar."""
    found = []
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("get", "setdefault", "pop") \
                    and _is_environ(func.value):
                key = node.args[0]
            elif isinstance(func, ast.Attribute) and func.attr == "getenv":
                key = node.args[0]
            elif (isinstance(func, ast.Attribute) and func.attr == "EnvVar") or (
                    isinstance(func, ast.Name) and func.id == "EnvVar"):
                key = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
            key = node.slice
        elif isinstance(node, ast.Compare) and any(_is_environ(c) for c in node.comparators):
            key = node.left
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.append((node.lineno, key.value))
    return found


def _module_level_reads(tree: ast.Module) -> list[int]:
    """Lines where a module reads os.environ outside any function: at import."""
    lines = []
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        lines += [n.lineno for n in ast.walk(statement) if _is_environ(n) or (
            isinstance(n, ast.Attribute) and n.attr == "getenv")]
    return lines


def _modules() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in sorted(PACKAGE.rglob("*.py"))]


def test_esg_variables_are_read_only_in_settings_module():
    stray = [f"{path.relative_to(PACKAGE.parent)}:{line}: {name}"
             for path, tree in _modules() if path.name != "settings.py" or path.parent != PACKAGE
             for line, name in _environment_reads(tree)
             if name.startswith("ESG_") and name not in HANDSHAKES]
    assert not stray, "read these through esg_pipeline/settings.py:\n" + "\n".join(stray)


def test_no_module_reads_the_environment_at_import():
    at_import = [f"{path.relative_to(PACKAGE.parent)}:{line}" for path, tree in _modules()
                 for line in _module_level_reads(tree)]
    assert not at_import, "read the environment in a function of settings.py:\n" + "\n".join(at_import)


def test_every_variable_settings_reads_is_in_its_table():
    tree = ast.parse(Path(settings.__file__).read_text(encoding="utf-8"))
    # Read directly or through a helper such as _number("ESG_...", default); Variable(...) only lists a name.
    read = {arg.value for node in ast.walk(tree) if isinstance(node, ast.Call)
            and not (isinstance(node.func, ast.Name) and node.func.id == "Variable")
            for arg in node.args if isinstance(arg, ast.Constant) and str(arg.value).startswith("ESG_")}
    listed = {v.name for v in settings.VARIABLES}
    assert read - listed == set(), "add these to settings.VARIABLES (README's settings table)"
    # A listed variable is read here, unless the table says who reads it instead.
    assert {v.name for v in settings.VARIABLES if v.read is None and v.default is None} == set()
    assert {v.name for v in settings.VARIABLES if v.read is not None} <= read


@pytest.fixture
def no_esg_environment(monkeypatch):
    for name in [n for n in os.environ if n.startswith("ESG_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_readme_settings_table_is_the_one_settings_makes(no_esg_environment):
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- settings table:[^\n]*-->\n(.*?)\n<!-- end settings table -->", text, re.S)
    assert found, "README lost its settings table markers"
    expected = settings.settings_table()
    assert found.group(1) == expected, "README's settings table is stale; paste this:\n" + expected


def test_readme_shows_the_defaults_readers_return(no_esg_environment):
    shown = {v.name: settings.shown_default(v) for v in settings.VARIABLES}
    assert shown["ESG_RAW_STORE"] == "`data/raw`"
    assert shown["ESG_WAREHOUSE_URL"] == "`duckdb:///data/warehouse/esg.duckdb`"
    assert shown["ESG_FETCH_DEADLINE_S"] == "`600`"
    assert shown["ESG_ALLOW_PRIVATE_URLS"] == "off"


def _resolved(resources: dict) -> dict:
    with dg.build_resources(resources) as built:
        return {"warehouse_url": built.warehouse.url, "catalog_path": built.pipeline.catalog_path,
                "raw_store_dir": built.pipeline.raw_store_dir, "inbox_dir": built.pipeline.inbox_dir}


def _settings_now() -> dict:
    return {"warehouse_url": settings.warehouse_url(), "catalog_path": str(settings.default_catalog_path()),
            "raw_store_dir": str(settings.raw_store_dir()), "inbox_dir": str(settings.inbox_dir())}


def test_resource_defaults_are_the_settings_defaults(no_esg_environment):
    resources = {k: v for k, v in default_resources().items() if k != "dbt"}
    assert _resolved(resources) == _settings_now()
    assert _settings_now()["raw_store_dir"] == str(settings.PROJECT_DIR / "data" / "raw")


def test_resources_and_cli_follow_the_environment_alike(no_esg_environment, tmp_path):
    monkeypatch = no_esg_environment
    monkeypatch.setenv("ESG_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("ESG_INBOX", str(tmp_path / "drop"))
    monkeypatch.setenv("ESG_WAREHOUSE_URL", f"duckdb:///{tmp_path / 'w.duckdb'}")
    resources = {k: v for k, v in default_resources().items() if k != "dbt"}
    expected = {"warehouse_url": f"duckdb:///{tmp_path / 'w.duckdb'}",
                "catalog_path": str(settings.PROJECT_DIR / "data" / "catalog.yaml"),
                "raw_store_dir": str(tmp_path / "d" / "raw"), "inbox_dir": str(tmp_path / "drop")}
    assert _resolved(resources) == expected
    cli = _run_settings(settings.warehouse_url())
    assert {k: cli[k] for k in ("warehouse_url", "raw_store_dir", "inbox_dir")} == {
        k: expected[k] for k in ("warehouse_url", "raw_store_dir", "inbox_dir")}
    assert cli["log_file"] == tmp_path / "d" / "logs" / "esg-pipeline-run.log"


def test_download_defaults_are_one_set(no_esg_environment, tmp_path):
    resource = PipelineSettings(catalog_path=str(tmp_path / "c.yaml"), raw_store_dir=str(tmp_path),
                                inbox_dir=str(tmp_path))
    from_resource, plain = resource.fetch_settings(), FetchSettings()
    for field in ("connect_timeout", "read_timeout", "retries", "max_bytes", "total_timeout"):
        assert getattr(from_resource, field) == getattr(plain, field), field
    assert (plain.connect_timeout, plain.read_timeout, plain.retries, plain.max_bytes) == (
        settings.CONNECT_TIMEOUT_S, settings.READ_TIMEOUT_S, settings.HTTP_RETRIES, settings.MAX_REPORT_BYTES)
