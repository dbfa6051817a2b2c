"""A read-only way in for BI tools: a PostgreSQL role that can SELECT the marts and nothing else."""
from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from esg_pipeline.warehouse.db import is_duckdb

MARTS_SCHEMAS = ("marts",)
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# The comment `bi-role` puts on the roles it creates: only such a role is ever altered again.
BI_ROLE_MARKER = "esg-pipeline bi-role: SELECT on the marts only"
_POWERS = {"rolsuper": "superuser", "rolcreaterole": "createrole", "rolcreatedb": "createdb",
           "rolreplication": "replication", "rolbypassrls": "bypassrls"}


def grant_read_only(engine: Engine, role: str, password: str | None = None) -> list[str]:
    """Create (or update) `role` with SELECT on the marts, now and for tables dbt creates later."""
    if is_duckdb(engine.url):
        raise ValueError("DuckDB has no roles: BI tools open the file read-only (see README, 'BI tools')")
    if not _ROLE_NAME.match(role):
        raise ValueError(f"role name {role!r}: use lower-case letters, digits and underscores")
    statements = []
    with engine.begin() as conn:
        exists = conn.execute(sa.text(
            f"select {', '.join(_POWERS)}, shobj_description(oid, 'pg_authid') as marker"
            " from pg_roles where rolname = :r"), {"r": role}).mappings().first()
        if exists is not None:
            _refuse_unless_bi_role(role, exists)
        login = "LOGIN" + (" PASSWORD :password" if password else "")
        statements.append(f"{'ALTER' if exists else 'CREATE'} ROLE {role} WITH {login}")
        conn.execute(sa.text(statements[-1]), {"password": password} if password else {})
        if exists is None:
            statements.append(f"COMMENT ON ROLE {role} IS '{BI_ROLE_MARKER}'")
            conn.execute(sa.text(statements[-1]))
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


def _refuse_unless_bi_role(role: str, existing) -> None:
    """An existing role is altered only if `bi-role` made it: never a superuser's or an application's."""
    powers = [word for column, word in _POWERS.items() if existing[column]]
    if powers:
        raise ValueError(f"role {role} exists with {', '.join(powers)} rights and is not a BI role: "
                         f"left unchanged; choose another name")
    if existing["marker"] != BI_ROLE_MARKER:
        raise ValueError(f"role {role} exists and was not created by `esg-pipeline bi-role`: left unchanged; "
                         f"choose another name")
