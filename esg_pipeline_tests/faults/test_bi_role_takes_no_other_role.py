"""Finding 10: `bi-role` took an existing role's name (`bi-role postgres` changed the superuser's password)
and printed the password on failure. It now alters only roles it made, and never prints a secret."""
from __future__ import annotations

import os
import socket
import uuid

import pytest
import sqlalchemy as sa

from esg_pipeline.cli import main

PASSWORD = "s3cret-Pw-" + uuid.uuid4().hex[:6]
needs_postgres = pytest.mark.skipif(not os.environ.get("ESG_TEST_POSTGRES_URL"),
                                    reason="ESG_TEST_POSTGRES_URL not set (see .ci/postgres.sh)")


def bi_role(monkeypatch, capsys, url: str, role: str) -> tuple[int, str]:
    monkeypatch.setenv("ESG_WAREHOUSE_URL", url)
    code = main(["bi-role", role, "--password", PASSWORD])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_connection_failure_is_one_line_without_secrets(monkeypatch, capsys):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg2://admin:url-{PASSWORD}@127.0.0.1:{port}/esg"
    code, printed = bi_role(monkeypatch, capsys, url, "esg_bi")
    assert code == 1 and len(printed.strip().splitlines()) == 1
    assert PASSWORD not in printed and "Traceback" not in printed
    assert printed.startswith(f"esg-pipeline bi-role: postgresql+psycopg2://admin:***@127.0.0.1:{port}/esg: ")


@pytest.fixture
def cluster():
    """A database of the test's own, the admin engine, and roles to drop afterwards."""
    admin_url = sa.make_url(os.environ["ESG_TEST_POSTGRES_URL"])
    database = f"esg_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"create database {database}"))
    roles: list[str] = []
    url = admin_url.set(database=database)
    yield admin, url, roles
    with admin.connect() as conn:
        conn.execute(sa.text(f"drop database if exists {database} with (force)"))
        for role in roles:
            conn.execute(sa.text(f"drop role if exists {role}"))
    admin.dispose()


def role_state(admin, role: str):
    with admin.connect() as conn:
        return conn.execute(sa.text(
            "select rolsuper, rolcreaterole, rolcreatedb, rolpassword, shobj_description(oid, 'pg_authid')"
            " from pg_authid where rolname = :r"), {"r": role}).first()


# (how the existing role is made; None: the admin itself, a superuser), what the refusal says
EXISTING = [
    (None, "exists with superuser"),
    ("create role {role} login createdb", "exists with createdb rights and is not a BI role"),
    ("create role {role} login createrole", "exists with createrole rights and is not a BI role"),
    ("create role {role} login", "was not created by `esg-pipeline bi-role`"),
    ("create role {role} nologin", "was not created by `esg-pipeline bi-role`"),
]


@needs_postgres
@pytest.mark.parametrize("make,refusal", EXISTING)
def test_existing_roles_not_made_by_bi_role_are_refused(cluster, monkeypatch, capsys, make, refusal):
    admin, url, roles = cluster
    if make is None:
        role = url.username
    else:
        role = f"app_{uuid.uuid4().hex[:8]}"
        roles.append(role)
        with admin.connect() as conn:
            conn.execute(sa.text(make.format(role=role)))
    before = role_state(admin, role)
    code, printed = bi_role(monkeypatch, capsys, url.render_as_string(hide_password=False), role)
    assert code == 2 and refusal in printed and f"role {role} exists" in printed
    assert PASSWORD not in printed
    assert role_state(admin, role) == before  # password, rights and comment untouched


@needs_postgres
def test_a_new_role_is_marked_and_can_be_updated(cluster, monkeypatch, capsys):
    admin, url, roles = cluster
    role = f"bi_{uuid.uuid4().hex[:8]}"
    roles.append(role)
    for _ in range(2):  # created, then altered: it is ours
        code, printed = bi_role(monkeypatch, capsys, url.render_as_string(hide_password=False), role)
        assert code == 0, printed
        assert PASSWORD not in printed
    from esg_pipeline.warehouse.access import BI_ROLE_MARKER

    state = role_state(admin, role)
    assert not state[0] and not state[1] and not state[2] and state[4] == BI_ROLE_MARKER


@needs_postgres
def test_database_errors_never_print_the_password(cluster, monkeypatch, capsys):
    """Connected as a role without CREATEROLE: the CREATE fails, and SQLAlchemy's message carries the
    statement's parameters; the CLI prints the driver's words only."""
    admin, url, roles = cluster
    limited = f"lim_{uuid.uuid4().hex[:8]}"
    roles.append(limited)
    with admin.connect() as conn:
        conn.execute(sa.text(f"create role {limited} login password '{PASSWORD}'"))
    as_limited = url.set(username=limited, password=PASSWORD).render_as_string(hide_password=False)
    code, printed = bi_role(monkeypatch, capsys, as_limited, f"bi_{uuid.uuid4().hex[:8]}")
    assert code == 1 and "permission denied" in printed
    assert PASSWORD not in printed and "Traceback" not in printed
