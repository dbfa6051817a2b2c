"""A read-only way in for BI tools: a PostgreSQL role that can SELECT the marts and nothing else."""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from esg_pipeline.warehouse.db import is_duckdb

MARTS_SCHEMAS = ("marts",)
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_read_only(engine: Engine, role: str, password: str | None = None) -> list[str]:
    """Create (or update) `role` with SELECT on the marts, now and for tables dbt creates later."""
    if is_duckdb(engine.url):
        raise ValueError("DuckDB has no roles: BI tools open the file read-only (see README, 'BI tools')")
    if not _ROLE_NAME.match(role):
        raise ValueError(f"role name {role!r}: use lower-case letters, digits and underscores")
    statements = []
    with engine.begin() as conn:
        exists = conn.execute(sa.text("select 1 from pg_roles where rolname = :r"), {"r": role}).first()
        login = "LOGIN" + (" PASSWORD :password" if password else "")
        statements.append(f"{'ALTER' if exists else 'CREATE'} ROLE {role} WITH {login}")
        conn.execute(sa.text(statements[-1]), {"password": password} if password else {})
        for schema in MARTS_SCHEMAS:
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
            for sql in (
                f"GRANT USAGE ON SCHEMA {schema} TO {role}",
                f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}",
                # dbt re-creates mart tables on every build; default privileges keep the grant.
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {role}",
            ):
                conn.execute(sa.text(sql))
                statements.append(sql)
    return statements
