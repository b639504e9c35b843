"""Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from kiosk.queue.db import MIGRATIONS, SCHEMA_REVISION, Database
from kiosk.queue.models import Base
from tests.conftest import EXAMPLE_CONFIG


def test_code_expects_the_migrations_head() -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_REVISION


def test_migrated_schema_matches_models(db_url: str) -> None:
    db = Database(db_url)
    assert db.current_revision() is None
    db.ensure_schema()
    assert db.current_revision() == SCHEMA_REVISION
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.dispose()
    assert diff == []


def test_concurrent_first_use_of_an_empty_database(tmp_path: Path) -> None:
    """Three `kiosk db upgrade` at once on an empty file: one creates the schema, all
    succeed; then three stations issue at once. (Stations never create the branch.)"""
    db = f"sqlite:///{tmp_path / 'branch.db'}"
    (tmp_path / "branch.db").touch()
    env = {**os.environ, "KIOSK_VAR_DIR": str(tmp_path), "KIOSK_NOW": "2026-11-24T10:00:00"}

    def at_once(*args: str) -> list[tuple[str, str]]:
        procs = [subprocess.Popen([sys.executable, "-m", "kiosk.cli", *args, "--db", db,
                                   "--config", str(EXAMPLE_CONFIG), "--json"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=env) for _ in range(3)]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], results
        return results

    at_once("db", "upgrade")
    results = at_once("issue", "--service", "A")
    numbers = sorted(out.split('"number": "')[1][:4] for out, _ in results)
    assert numbers == ["A001", "A002", "A003"]
