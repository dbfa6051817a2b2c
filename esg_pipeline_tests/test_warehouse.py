import os

import pytest
import sqlalchemy as sa

from esg_pipeline.warehouse import dbt_environment, ensure_schema, make_engine, replace_rows, upsert_rows
from esg_pipeline.warehouse import schema as wh


def _count(engine, table, **where):
    query = sa.select(sa.func.count()).select_from(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def _report(report_id, year, status="new"):
    return {"report_id": report_id, "report_year": year, "company_id": "acme", "source": f"/r/{report_id}",
            "status": status}


def test_replace_rows_replaces_only_the_partition(tmp_path):
    engine = make_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    ensure_schema(engine)
    replace_rows(engine, wh.reports, [_report("a", 2020), _report("b", 2020)], where={"report_year": 2020})
    replace_rows(engine, wh.reports, [_report("c", 2021)], where={"report_year": 2021})
    replace_rows(engine, wh.reports, [_report("a", 2020)], where={"report_year": 2020})
    assert _count(engine, wh.reports, report_year=2020) == 1
    assert _count(engine, wh.reports, report_year=2021) == 1


def test_replace_rows_rolls_back_when_the_insert_fails(tmp_path):
    engine = make_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    ensure_schema(engine)
    replace_rows(engine, wh.reports, [_report("a", 2020)], where={"report_year": 2020})
    duplicate_key = [_report("x", 2020), _report("x", 2020)]
    try:
        replace_rows(engine, wh.reports, duplicate_key, where={"report_year": 2020})
    except sa.exc.DBAPIError:
        pass
    else:
        raise AssertionError("a duplicate primary key must fail")
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(sa.select(wh.reports.c.report_id))] == ["a"]


def test_upsert_rows_is_idempotent(tmp_path):
    engine = make_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    ensure_schema(engine)
    rows = [{"company_id": "acme", "company_name": "Acme"}, {"company_id": "zen", "company_name": "Zen"}]
    upsert_rows(engine, wh.companies, rows, key="company_id")
    upsert_rows(engine, wh.companies, [{"company_id": "acme", "company_name": "Acme Group"}], key="company_id")
    with engine.connect() as conn:
        names = dict(conn.execute(sa.select(wh.companies.c.company_id, wh.companies.c.company_name)).all())
    assert names == {"acme": "Acme Group", "zen": "Zen"}


def test_read_only_engine_cannot_write(tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    ensure_schema(make_engine(url))
    reader = make_engine(url, read_only=True)
    try:
        replace_rows(reader, wh.companies, [{"company_id": "a", "company_name": "A"}])
    except sa.exc.DBAPIError as exc:
        assert "read-only" in str(exc).lower()
    else:
        raise AssertionError("a read-only DuckDB connection must refuse writes")


def test_dbt_environment_follows_the_url(tmp_path):
    duck = dbt_environment(f"duckdb:///{tmp_path / 'w.duckdb'}")
    assert duck == {"DBT_TARGET": "duckdb", "ESG_DUCKDB_PATH": str(tmp_path / "w.duckdb"),
                    "ESG_DUCKDB_CONNECT_ATTEMPTS": "7"}  # 1 + 2 + ... + 32 s of waits cover the 60 s lock wait
    pg = dbt_environment("postgresql+psycopg2://analyst:s3cret@db.internal:6543/esg")
    assert pg["DBT_TARGET"] == "postgres"
    assert (pg["ESG_PG_HOST"], pg["ESG_PG_PORT"], pg["ESG_PG_USER"], pg["ESG_PG_PASSWORD"], pg["ESG_PG_DATABASE"]) == (
        "db.internal", "6543", "analyst", "s3cret", "esg")


def test_metric_values_keep_double_precision(tmp_path):
    engine = make_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    ensure_schema(engine)
    row = {"metric_id": "m", "report_year": 2020, "report_id": "r", "company_id": "c", "value": 129_677_001.25}
    replace_rows(engine, wh.metrics, [row], where={"report_year": 2020})
    with engine.connect() as conn:
        assert conn.execute(sa.select(wh.metrics.c.value)).scalar() == 129_677_001.25


def test_ensure_schema_adds_columns_a_newer_release_defines(tmp_path):
    """A warehouse made before the ledger had `warnings` gets the column, and keeps its rows."""
    engine = make_engine(f"duckdb:///{tmp_path / 'old.duckdb'}")
    with engine.begin() as conn:  # the ledger as an old release made it: no `warnings`
        conn.execute(sa.text(f"CREATE SCHEMA {wh.RAW_SCHEMA}"))
        conn.execute(sa.text(f"CREATE TABLE {wh.RAW_SCHEMA}.ingest_ledger (attempt_id VARCHAR PRIMARY KEY, reason TEXT)"))
        conn.execute(sa.text(f"INSERT INTO {wh.RAW_SCHEMA}.ingest_ledger VALUES ('a1', 'fine')"))
    ensure_schema(engine)
    with engine.connect() as conn:
        names = {row[0] for row in conn.execute(sa.text(
            "select column_name from information_schema.columns where table_name = 'ingest_ledger'"))}
    assert "warnings" in names
    assert _count(engine, wh.ingest_ledger) == 1


def _metric(metric_id, report_id, company_id, year=2022):
    return {"metric_id": metric_id, "report_year": year, "report_id": report_id, "company_id": company_id,
            "value": 1.0}


def _metric_ids(engine):
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(wh.metrics.c.metric_id)).scalars())


def test_a_load_replaces_only_its_own_companies_and_keeps_reports_that_failed(tmp_path):
    """Issue 12, findings 1 and 2: a second catalog's load of a year leaves the first catalog's companies
    alone, and a report that failed this time keeps the figures it loaded before."""
    from esg_pipeline.warehouse import replace_owned_rows

    engine = make_engine(f"duckdb:///{tmp_path / 'w.duckdb'}")
    ensure_schema(engine)
    replace_owned_rows(engine, wh.metrics, [_metric("a1", "acme/2022/esg", "acme"), _metric("a2", "acme/2022/csr", "acme"),
                                            _metric("a0", "acme/2021/esg", "acme", 2021)], year=2022, companies={"acme"})
    replace_owned_rows(engine, wh.metrics, [_metric("a0", "acme/2021/esg", "acme", 2021)], year=2021, companies={"acme"})
    # another catalog, another company, the same year
    replace_owned_rows(engine, wh.metrics, [_metric("b1", "bolt/2022/esg", "bolt")], year=2022, companies={"bolt"})
    assert _metric_ids(engine) == ["a0", "a1", "a2", "b1"]
    # acme again: its CSR report failed this time, its ESG report was read again
    replace_owned_rows(engine, wh.metrics, [_metric("a1", "acme/2022/esg", "acme")], year=2022, companies={"acme"},
                       keep_reports={"acme/2022/csr"})
    assert _metric_ids(engine) == ["a0", "a1", "a2", "b1"]
    # the CSR report left acme's catalog: its rows go; bolt's and acme's other year stay
    replace_owned_rows(engine, wh.metrics, [_metric("a1", "acme/2022/esg", "acme")], year=2022, companies={"acme"})
    assert _metric_ids(engine) == ["a0", "a1", "b1"]


def test_run_scope_names_the_companies_and_the_failed_reports():
    from esg_pipeline.pipeline import run_scope

    def outcome(entry_id, company, status, is_entry=True):
        return {"entry": {"company_id": company} if is_entry else None,
                "ledger_row": {"entry_id": entry_id, "company_id": company, "status": status}}

    outcomes = [outcome("acme/2022/esg", "acme", "new"), outcome("acme/2022/csr", "acme", "failed"),
                outcome("bolt/2022/esg", "bolt", "unchanged"), outcome("reports[3]", None, "failed", is_entry=False),
                # an inbox file of a company the catalog does not know never became an entry: it owns nothing
                outcome("inbox/2022/ghost_2022_esg.txt", "ghost", "failed", is_entry=False)]
    scope = run_scope(outcomes)
    assert scope.companies == {"acme", "bolt"}
    assert scope.failed_reports == {"acme/2022/csr", "reports[3]", "inbox/2022/ghost_2022_esg.txt"}


def _keys_and_indexes(engine, table):
    """The key columns and index names the database has for one esg_raw table (DuckDB or PostgreSQL)."""
    if engine.dialect.name == "duckdb":  # duckdb_engine's inspector cannot read keys
        with engine.connect() as conn:
            keys = conn.execute(sa.text(
                "select constraint_column_names from duckdb_constraints() where schema_name = :s and "
                "table_name = :t and constraint_type = 'PRIMARY KEY'"), {"s": wh.RAW_SCHEMA, "t": table.name}).scalars().all()
            indexes = conn.execute(sa.text("select index_name from duckdb_indexes() where schema_name = :s and "
                                           "table_name = :t"), {"s": wh.RAW_SCHEMA, "t": table.name}).scalars().all()
            return [c for columns in keys for c in columns], sorted(indexes)
    inspector = sa.inspect(engine)
    return (inspector.get_pk_constraint(table.name, schema=wh.RAW_SCHEMA)["constrained_columns"],
            sorted(i["name"] for i in inspector.get_indexes(table.name, schema=wh.RAW_SCHEMA)))


def test_observations_are_unkeyed_on_duckdb_and_a_keyed_warehouse_is_rebuilt_with_its_rows(tmp_path):
    """On DuckDB an ART key and index made a year's load 5x slower and its replacement 17x: metrics and
    quarantine have neither, and a warehouse an earlier release made with them is rebuilt without them, its
    rows kept."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.schema import CreateIndex, CreateTable

    engine = make_engine(f"duckdb:///{tmp_path / 'old.duckdb'}")
    with engine.begin() as conn:  # as the earlier release made it: the PostgreSQL DDL, key and index included
        conn.execute(sa.text(f"CREATE SCHEMA {wh.RAW_SCHEMA}"))
        for table in (wh.metrics, wh.quarantine):
            conn.execute(sa.text(str(CreateTable(table).compile(dialect=postgresql.dialect()))))
            for index in table.indexes:
                conn.execute(sa.text(str(CreateIndex(index).compile(dialect=postgresql.dialect()))))
    replace_rows(engine, wh.metrics, [_metric("a1", "acme/2022/esg", "acme"), _metric("a2", "acme/2022/esg", "acme")])
    assert _keys_and_indexes(engine, wh.metrics) == (["metric_id"], ["ix_esg_raw_metrics_report_year"])

    ensure_schema(engine)
    for table in (wh.metrics, wh.quarantine):
        assert _keys_and_indexes(engine, table) == ([], [])
    assert _metric_ids(engine) == ["a1", "a2"]
    with engine.connect() as conn:  # NOT NULL and the column comments come back with the table
        nullable, comment = conn.execute(sa.text(
            "select is_nullable, comment from duckdb_columns() where schema_name = 'esg_raw' "
            "and table_name = 'metrics' and column_name = 'metric_id'")).one()
    assert (nullable, comment) == (False, wh.metrics.c.metric_id.comment)
    # a fresh warehouse is made unkeyed at once
    fresh = make_engine(f"duckdb:///{tmp_path / 'new.duckdb'}")
    ensure_schema(fresh)
    assert _keys_and_indexes(fresh, wh.metrics) == ([], [])


@pytest.mark.skipif(not os.environ.get("ESG_TEST_POSTGRES_URL"), reason="ESG_TEST_POSTGRES_URL not set (see .ci/postgres.sh)")
def test_observations_keep_their_key_and_index_on_postgresql():
    from esg_pipeline_tests.helpers import postgres_databases

    with postgres_databases(1) as (url,):
        engine = make_engine(url)
        ensure_schema(engine)
        keys = _keys_and_indexes(engine, wh.metrics), _keys_and_indexes(engine, wh.quarantine)
        engine.dispose()
    assert keys == ((["metric_id"], ["ix_esg_raw_metrics_report_year"]),
                    (["metric_id"], ["ix_esg_raw_quarantine_report_year"]))
