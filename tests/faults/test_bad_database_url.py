"""A mistyped database URL: refused with one sentence, never a new empty branch.

The outside reliability run found `--db sqlite:////no/such/dir/x.db` (and a mistyped file
name in an existing folder) silently creating a fresh database, so a station ran as a
branch of its own; `--db foo://` ended in NoSuchModuleError.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.app import build_display_window, build_service
from kiosk.config import Settings
from kiosk.queue.db import NoBranchDatabase
from tests.support.cli_runner import assert_clear, kiosk

COMMANDS = [("status",), ("issue", "--service", "A"), ("counter", "open", "1"),
            ("events",), ("doctor", "--skip", "audio", "--skip", "fonts")]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: a[0])
def test_a_missing_sqlite_file_is_refused_and_not_created(env: Path, argv: tuple[str, ...]) -> None:
    for path in (env / "no" / "such" / "dir" / "x.db", env / "brnch.db"):  # a typo, folder exists
        code, out, err = kiosk(f"sqlite:///{path}", *argv)
        assert_clear(code, out, err)
        assert code != 0
        assert f"no branch database at {path}; run `kiosk db upgrade` to create one" in out + err
        assert not path.exists() and not (env / "no").exists()


def test_only_db_upgrade_creates_the_branch(env: Path) -> None:
    url = f"sqlite:///{env / 'new' / 'branch.db'}"
    assert kiosk(url, "status")[0] == 3
    code, out, _ = kiosk(url, "db", "upgrade")
    assert code == 0 and "revision" in out
    assert kiosk(url, "status")[0] == 0


def test_an_empty_file_is_no_branch_either(env: Path) -> None:
    (env / "empty.db").touch()
    code, _, err = kiosk(f"sqlite:///{env / 'empty.db'}", "status")
    assert code == 3 and "no branch database" in err
    (env / "text.db").write_text("not a database\n" * 100)
    code, out, err = kiosk(f"sqlite:///{env / 'text.db'}", "status")
    assert_clear(code, out, err)
    assert code == 3 and "not a branch database" in err


def test_stations_refuse_and_only_an_explicit_create_makes_one(
        tmp_path: Path, settings: Settings) -> None:
    url = f"sqlite:///{tmp_path / 'branch.db'}"
    with pytest.raises(NoBranchDatabase):
        build_service(settings, url)
    with pytest.raises(NoBranchDatabase):
        build_display_window(settings, url, kind="hall", headless=True)
    assert not (tmp_path / "branch.db").exists()
    build_service(settings, url, create=True).db.dispose()
    build_service(settings, url).db.dispose()


@pytest.mark.pg
def test_an_empty_postgresql_database_is_refused_until_upgraded(env: Path, pg_url: str) -> None:
    code, _, err = kiosk(pg_url, "status")
    assert code == 3 and "no branch database at postgresql://" in err and "db upgrade" in err
    assert kiosk(pg_url, "db", "upgrade")[0] == 0
    assert kiosk(pg_url, "status")[0] == 0


@pytest.mark.parametrize("url", [
    "foo://", "mysql://x/y", "postgresql+asyncpg://x/y", "sqlite+pysqlcipher:///x.db", "",
    "://", "postgresql://h:abc/db", "sqlite:///x.db?mode=ro", "sqlite://host/x.db",
    "postgresql://postgres@127.0.0.1:5432/test?foo=bar", "postgresql://x@127.0.0.1:1/none",
    "postgresql://postgres@127.0.0.1:5432/test\x00x", "sqlite://",
])
def test_urls_kiosk_cannot_use_are_one_sentence(env: Path, url: str) -> None:
    code, out, err = kiosk(url, "status")
    assert_clear(code, out, err)
    assert code in (1, 3)


part = st.sampled_from(["sqlite", "postgresql", "postgres", "foo", "sqlite+pysqlite",
                        "postgresql+psycopg", "mysql", "", "SQLITE", "sqlite+x"])
host = st.sampled_from(["", "127.0.0.1", "127.0.0.1:1", "127.0.0.1:99999", "127.0.0.1:abc",
                        "nobody@127.0.0.1:1", "[::1", "@", ":"])
rest = st.one_of(st.text(max_size=20), st.sampled_from(["/x.db", "//tmp/none/x.db", "/",
                                                        "/db?sslmode=x", "/db?x=1", "?"]))


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(part, host, rest)
def test_any_database_url_is_a_branch_or_one_sentence(env: Path, scheme: str, where: str,
                                                      tail: str) -> None:
    url = f"{scheme}://{where}{tail}"
    code, out, err = kiosk(url, "status")
    assert_clear(code, out, err)
    assert code != 0  # none of these names an existing branch
