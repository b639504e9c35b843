"""Engines, transactions and schema for the branch database (SQLite or PostgreSQL).

SQLite (one PC): WAL, and every writing transaction starts with BEGIN IMMEDIATE so
concurrent kiosks queue up for the write lock instead of failing with "database is
locked" (measured in FIELD-NOTES). PostgreSQL (several PCs): psycopg 3, chosen by the
URL alone.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.errors import DatabaseUnavailable, KioskError

log = logging.getLogger(__name__)

# The Alembic head this code expects; a test checks it matches the migrations folder.
SCHEMA_REVISION = "0001"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def var_dir() -> Path:
    """Where the embedded database and the log live (KIOSK_VAR_DIR, default ./var)."""
    path = Path(os.environ.get("KIOSK_VAR_DIR") or Path.cwd() / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    return f"sqlite:///{var_dir() / 'branch.db'}"


def normalize_url(url: str) -> str:
    """postgresql:// and postgres:// mean psycopg 3; anything else is passed through."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+psycopg://" + url[len(plain):]
    return url


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def describe_database_error(exc: BaseException) -> str:
    """One sentence for a database failure a user can do something about, else ''."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "the database connection was lost; check the database server and try again"
    if isinstance(exc, OperationalError):
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return f"database unavailable: {detail}"
    return ""


# A server or host that vanishes (power, cable) is noticed by TCP keepalives within about
# 20 s even on an idle connection; a hung server (its kernel still answers) is not: the
# change feed bounds its own waits (kiosk.queue.feed).
PG_CONNECT_ARGS: dict[str, Any] = {"connect_timeout": 5, "keepalives": 1,
                                   "keepalives_idle": 10, "keepalives_interval": 3,
                                   "keepalives_count": 3}


def _sqlite_engine(url: str, write: bool) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


class Database:
    """The branch database: a write engine, a read engine, and their sessions.

    `with db.begin() as session:` is one user action: one transaction, committed on
    success, rolled back on any error.
    """

    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        try:
            make_url(self.url)
        except ArgumentError:
            raise KioskError(f"not a database URL: {url!r}") from None
        self.sqlite = is_sqlite(self.url)
        if self.sqlite:
            self.engine = _sqlite_engine(self.url, write=True)
            self.read_engine = _sqlite_engine(self.url, write=False)
        else:
            self.engine = create_engine(self.url, pool_pre_ping=True,
                                        connect_args=PG_CONNECT_ARGS)
            self.read_engine = self.engine
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """A writing transaction."""
        with self._write() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A reading transaction (never takes the SQLite write lock)."""
        with self._read() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()

    # --- schema -------------------------------------------------------------------------

    def current_revision(self) -> str | None:
        with self.read_engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def ensure_schema(self) -> None:
        """Create or upgrade the schema on first use; a no-op when it is current."""
        try:
            if self.current_revision() == SCHEMA_REVISION:
                return
            self.upgrade()
        except OperationalError as exc:
            raise DatabaseUnavailable(describe_database_error(exc)) from None

    def upgrade(self) -> str:
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:  # serialises concurrent first users
            if not self.sqlite:
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7164001)")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        revision = self.current_revision()
        log.info("database schema at revision %s", revision)
        return revision or ""
