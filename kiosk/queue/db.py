"""Engines, transactions and schema for the branch database (SQLite or PostgreSQL).

SQLite (one PC): WAL, and every writing transaction starts with BEGIN IMMEDIATE so
concurrent kiosks queue up for the write lock instead of failing with "database is
locked" (measured in FIELD-NOTES). PostgreSQL (several PCs): psycopg 3, chosen by the
URL alone.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DataError,
    DBAPIError,
    InvalidatePoolError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from kiosk.errors import DatabaseUnavailable, KioskError
from kiosk.paths import var_dir

log = logging.getLogger(__name__)

# The Alembic head this code expects; a test checks it matches the migrations folder.
SCHEMA_REVISION = "0004"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


# the tables a migration may ask to be rewritten (by name: nothing else reaches the SQL)
_PURGEABLE = {"bookings": "bookings", "events": "events", "audit": "audit"}


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


class NoBranchDatabase(DatabaseUnavailable):
    """The URL names no branch database (no file, or no schema in it), and this command or
    station may not create one: a mistyped URL must not start a branch of its own."""


_URL_HELP = "use sqlite:///PATH or postgresql://USER@HOST/DATABASE"
_DRIVERS = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")


def check_url(url: str) -> URL:
    """The parsed URL of a database kiosk can use, or one sentence saying why not."""
    if not url.strip() or any(unicodedata.category(ch) in ("Cc", "Cs") for ch in url):
        raise KioskError(f"not a database URL: {url!r} ({_URL_HELP})")
    try:
        parsed = make_url(normalize_url(url))
    except (ArgumentError, ValueError):
        raise KioskError(f"not a database URL: {url!r} ({_URL_HELP})") from None
    if parsed.drivername not in _DRIVERS:
        raise KioskError(f"kiosk keeps a branch in SQLite or PostgreSQL, not "
                         f"{parsed.drivername!r}: {_URL_HELP}")
    if parsed.host and not re.fullmatch(r"[A-Za-z0-9.\-:\[\]%_]+", parsed.host):
        raise KioskError(f"not a host name: {parsed.host!r} in the database URL ({_URL_HELP})")
    if parsed.drivername.startswith("sqlite"):
        if parsed.query or parsed.host:
            raise KioskError(f"a SQLite URL is sqlite:///PATH, without a host or options: "
                             f"{url!r}")
        return parsed
    from psycopg import pq

    known = {o.keyword.decode() for o in pq.Conninfo.get_defaults()}
    unknown = sorted(set(parsed.query) - known)
    if unknown:
        raise KioskError(f"PostgreSQL does not know the connection option {unknown[0]!r} "
                         f"in the database URL")
    return parsed


def where(url: URL) -> str:
    """The database a URL names, for messages: the SQLite path, or the URL sans password."""
    if url.drivername.startswith("sqlite"):
        return url.database or ":memory:"
    return url.render_as_string(hide_password=True).replace("postgresql+psycopg://",
                                                            "postgresql://", 1)


def is_database_error(exc: BaseException) -> bool:
    """Whether `exc` means the database could not be reached or answered (not a refusal)."""
    return isinstance(exc, SQLAlchemyError | DatabaseUnavailable | ConnectionError)


def describe_database_error(exc: BaseException) -> str:
    """One sentence for a database failure a user can do something about, else ''."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "the database connection was lost; check the database server and try again"
    detail = _first_line(exc)
    if isinstance(exc, OperationalError):
        return f"database unavailable: {detail}"
    if isinstance(exc, DataError):  # a value the database refused (too long, out of range)
        return f"the database refused a value: {detail}"
    if isinstance(exc, DatabaseError) and type(exc.orig) is sqlite3.DatabaseError:
        return f"not a branch database: {detail}"  # e.g. "file is not a database"
    return ""


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    lines = str(orig if orig is not None else exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# A server or host that vanishes (power, cable) is noticed by TCP keepalives within about
# 20 s even on an idle connection; a hung server (its kernel still answers) is not: the
# change feed bounds its own waits (kiosk.queue.feed).
PG_CONNECT_ARGS: dict[str, Any] = {"connect_timeout": 5, "keepalives": 1,
                                   "keepalives_idle": 10, "keepalives_interval": 3,
                                   "keepalives_count": 3}


def _sqlite_engine(url: str, write: bool, create: bool) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:" and create:
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(f"cannot make the folder for the database {path}: "
                                      f"{exc.strerror or exc}") from None
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


# A pooled PostgreSQL connection that sat unused this long is pinged before it is handed
# out (a server restart or a cut cable while it waited); one in steady use is not: the
# ping was a round trip in every transaction (12% of an issue). A connection that dies
# while in use fails its operation once; SQLAlchemy then drops every pooled connection
# made before it, so the next operation connects afresh.
IDLE_PING_S = 1.0


def _ping_when_idle(engine: Engine, idle_ping_s: float) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < idle_ping_s:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # the pool replaces it, and every connection older
            raise InvalidatePoolError(f"pooled connection lost: {exc}") from exc


class Database:
    """The branch database: a write engine, a read engine, and their sessions.

    `with db.begin() as session:` is one user action: one transaction, committed on
    success, rolled back on any error.

    `idle_ping_s` (PostgreSQL): a pooled connection unused for that long is pinged
    before it is handed out (see IDLE_PING_S).

    `create=False` (what stations and commands get from `app.build_service`) refuses a
    database that does not exist or has no schema (`NoBranchDatabase`) instead of making
    a new, empty branch; only `kiosk db upgrade`, `kiosk demo` and tests create one.
    """

    def __init__(self, url: str, *, create: bool = True,
                 idle_ping_s: float = IDLE_PING_S) -> None:
        parsed = check_url(url)
        self.url = normalize_url(url)
        self.create = create
        self.where = where(parsed)
        self.sqlite = is_sqlite(self.url)
        if self.sqlite and not create and not (parsed.database
                                               and Path(parsed.database).is_file()):
            raise self.missing()
        if self.sqlite:
            self.engine = _sqlite_engine(self.url, write=True, create=create)
            self.read_engine = _sqlite_engine(self.url, write=False, create=create)
        else:
            self.engine = create_engine(self.url, connect_args=PG_CONNECT_ARGS)
            _ping_when_idle(self.engine, idle_ping_s)
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

    def missing(self) -> NoBranchDatabase:
        return NoBranchDatabase(f"no branch database at {self.where}; run `kiosk db upgrade` "
                                "to create one")

    def ensure_schema(self, hash_secret: str = "") -> None:
        """Upgrade the schema on first use (create it only with `create`); a no-op when it
        is current. `hash_secret`: the branch's, for migrations that hash what was kept in
        clear (0004: the booking codes)."""
        try:
            revision = self.current_revision()
            if revision == SCHEMA_REVISION:
                return
            if revision is None and not self.create:
                raise self.missing()
            self.upgrade(hash_secret)
        except DatabaseError as exc:
            raise DatabaseUnavailable(describe_database_error(exc)
                                      or f"database error: {_first_line(exc)}") from None

    def upgrade(self, hash_secret: str = "") -> str:
        """Bring the schema to the head revision (Alembic, in one transaction). A migration
        that takes secrets out of rows (0004: booking codes) names those tables in the
        attribute "purge"; they are rewritten after the commit (`purge`)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["hash_secret"] = hash_secret
        with self.engine.begin() as conn:  # serialises concurrent first users
            if not self.sqlite:
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7164001)")
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        purge = list(cfg.attributes.get("purge") or [])
        if purge:
            self.purge(purge)
        revision = self.current_revision()
        log.info("database schema at revision %s", revision)
        return revision or ""

    def purge(self, tables: list[str]) -> None:
        """Rewrite `tables` so the old copies of their rows (what an UPDATE or a dropped
        column leaves in the file until the space is reused) are gone: SQLite rebuilds the
        file (VACUUM) and empties its write-ahead log; PostgreSQL rewrites the tables
        (VACUUM FULL; the server's own write-ahead log and backups are the DBA's)."""
        try:
            if self.sqlite:
                raw = self.engine.raw_connection()  # autocommit: VACUUM runs outside BEGIN
                try:
                    cursor = raw.cursor()
                    cursor.execute("VACUUM")
                    busy = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                    cursor.close()
                    if busy:
                        raise sqlite3.OperationalError("the write-ahead log is in use")
                finally:
                    raw.close()
            else:
                with self.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT") as conn:
                    for table in tables:
                        conn.exec_driver_sql(f"VACUUM FULL {_PURGEABLE[table]}")
        except (OperationalError, sqlite3.OperationalError) as exc:
            what = "VACUUM" if self.sqlite else f"VACUUM FULL {', '.join(tables)}"
            log.warning("old copies of rows of %s may still be in the database files (%s): "
                        "run %s when no station uses the database", ", ".join(tables),
                        _first_line(exc), what)
