"""Small helpers shared by the tests that build a real warehouse."""
import contextlib
import json
import os
import socket
import threading
import uuid
from pathlib import Path

import sqlalchemy as sa

from esg_pipeline.warehouse import make_engine


def query(url: str, sql: str, **params) -> list:
    """Rows of a read-only query, the way a BI reader would open the warehouse."""
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).all()
    finally:
        engine.dispose()


def write_catalog(folder: Path, reports: list[dict], companies: list[dict]) -> Path:
    path = folder / "catalog.yaml"
    path.write_text(json.dumps({"companies": companies, "reports": reports}), encoding="utf-8")  # JSON is YAML
    return path


class RawHTTPServer:
    """A loopback server that answers each connection by hand with `answer(conn)`, after reading the
    request: for what real servers will not do (announce more bytes than they send, drip bytes)."""

    def __init__(self, answer, path: str = "/"):
        self.answer, self.path = answer, path
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}{self.path}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn) -> None:
        with conn:
            try:
                conn.recv(65536)
                self.answer(conn)
            except OSError:
                return  # the client gave up

    def close(self) -> None:
        self.sock.close()


@contextlib.contextmanager
def postgres_databases(count: int):
    """`count` fresh databases on the test server (ESG_TEST_POSTGRES_URL), dropped afterwards."""
    admin_url = sa.make_url(os.environ["ESG_TEST_POSTGRES_URL"])
    names = [f"esg_{uuid.uuid4().hex[:10]}" for _ in range(count)]
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f"create database {name}"))
    try:
        yield [admin_url.set(database=name).render_as_string(hide_password=False) for name in names]
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(sa.text(f"drop database if exists {name} with (force)"))
        admin.dispose()
