"""The customer directory: CRM import with bad rows, upsert by keyed hash, look-up."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from kiosk.config import DEFAULT_CONFIG, PROJECT_ROOT, load_settings
from kiosk.identity import identify, identify_card, identify_resident_id
from kiosk.queue import models
from kiosk.queue.customers import CustomerImportError, import_csv, lookup
from tests.support.identifiers import CARD, ID_NUMBER, card

SECRET = "test-secret-0123456789"
NOW = datetime(2025, 3, 1, 8, 0)
TIERS = load_settings(DEFAULT_CONFIG, environ={}).tiers
EXAMPLE = PROJECT_ROOT / "config" / "customers-example.csv"


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    models.Base.metadata.create_all(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "crm.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_the_example_file_covers_every_tier_and_imports_cleanly(session: Session) -> None:
    report = import_csv(session, EXAMPLE, SECRET, TIERS, NOW)
    assert report.bad == []
    assert report.added == 8
    assert report.by_tier == {"regular": 2, "purple_gold": 2, "gold": 2, "platinum": 2}


def test_bad_rows_are_reported_by_line_and_good_rows_imported(
        tmp_path: Path, session: Session, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bad_card = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    path = write(tmp_path, "\n".join([
        "identifier,name,tier,relationship_manager",
        f"{CARD},王小明,白金,周经理",          # line 2: good
        f"{bad_card},李四,普通,",               # line 3: Luhn
        f"{ID_NUMBER},张三,钻石,",              # line 4: unknown tier
        "",                                     # line 5: blank, skipped
        f"{ID_NUMBER[:17]}1,赵六,gold,",        # line 6: GB 11643 check character
        f"{ID_NUMBER},欧阳建国,gold,",          # line 7: good
    ]) + "\n")
    report = import_csv(session, path, SECRET, TIERS, NOW)
    assert report.added == 2
    assert [(b.line, b.message.split(" (")[0]) for b in report.bad] == [
        (3, "That card number is not valid"),
        (4, "unknown tier '钻石'"),
        (6, "That ID number is not valid"),
    ]
    assert "普通" in report.bad[1].message  # says which tiers exist
    everything = caplog.text + " ".join(str(b) for b in report.bad) + report.summary()
    for clear in (CARD, bad_card, ID_NUMBER, "王小明", "欧阳建国"):
        assert clear not in everything


def test_only_hashes_and_masked_forms_are_stored(tmp_path: Path, session: Session) -> None:
    path = write(tmp_path, f"identifier,name,tier\n{CARD},王小明,紫金\n{ID_NUMBER},欧阳建国,黄金\n")
    import_csv(session, path, SECRET, TIERS, NOW)
    session.commit()
    stored = [tuple(map(str, r)) for r in session.execute(select(models.Customer.__table__))]
    flat = " ".join(" ".join(r) for r in stored)
    assert CARD not in flat and ID_NUMBER not in flat and "王小明" not in flat
    by_card = lookup(session, identify_card(CARD, SECRET).digest)
    assert by_card is not None
    assert (by_card.tier, by_card.name_masked, by_card.id_masked, by_card.id_kind) == (
        "purple_gold", "王*明", "6222 **** **** 0003", "card")
    by_id = lookup(session, identify_resident_id(ID_NUMBER, SECRET).digest)
    assert by_id is not None and by_id.name_masked == "欧**国" and by_id.tier == "gold"
    assert lookup(session, identify_card(card("4111"), SECRET).digest) is None


def test_reimporting_updates_by_hash_instead_of_duplicating(tmp_path: Path,
                                                            session: Session) -> None:
    import_csv(session, write(tmp_path, f"identifier,name,tier\n{CARD},王小明,普通\n"),
               SECRET, TIERS, NOW)
    report = import_csv(session, write(tmp_path, f"identifier,name,tier\n{CARD},王小明,白金\n"),
                        SECRET, TIERS, NOW)
    assert (report.added, report.updated) == (0, 1)
    assert session.scalar(select(func.count()).select_from(models.Customer)) == 1
    found = lookup(session, identify_card(CARD, SECRET).digest)
    assert found is not None and found.tier == "platinum"


def test_a_gbk_export_with_chinese_headers_imports(tmp_path: Path, session: Session) -> None:
    path = write(tmp_path, f"卡号,姓名,客户等级,客户经理\r\n{CARD},王小明,黄金客户,周经理\r\n",
                 encoding="gbk")
    report = import_csv(session, path, SECRET, TIERS, NOW)
    assert report.added == 1 and report.bad == []
    found = lookup(session, identify_card(CARD, SECRET).digest)
    assert found is not None and found.relationship_manager == "周经理"


def test_a_file_without_the_columns_is_one_clear_error(tmp_path: Path, session: Session) -> None:
    with pytest.raises(CustomerImportError, match=r"missing: tier"):
        import_csv(session, write(tmp_path, "identifier,name\n1,2\n"), SECRET, TIERS, NOW)
    with pytest.raises(CustomerImportError, match="file not found"):
        import_csv(session, tmp_path / "nope.csv", SECRET, TIERS, NOW)


def test_identify_tells_cards_from_resident_ids() -> None:
    assert identify(ID_NUMBER.lower(), SECRET).kind == "resident_id"
    assert identify(CARD, SECRET).kind == "card"
    assert identify(card("622202", 18), SECRET).kind == "card"  # 18-digit card numbers exist
