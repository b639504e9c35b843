"""The customer directory, imported from the bank's CRM export (CSV).

Only a keyed hash of each identifier (for look-up), its masked form and the masked name
are stored; the clear card or ID number lives only while its row is being read. Bad rows
are reported by line number and the good ones imported; a file that cannot be read at
all is one `CustomerImportError`. Identifiers are told apart and normalised by
`kiosk.identity.classify` (the kiosk uses the same), so a number typed in full-width
digits in the export finds the customer who swipes the card. A row with an empty name
keeps the name already on file.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.config import Tier
from kiosk.errors import KioskError
from kiosk.identity import Identity, identify, mask_name
from kiosk.queue.models import Customer

log = logging.getLogger(__name__)

COLUMNS = ("identifier", "name", "tier", "relationship_manager")
# Header names seen in CRM exports, mapped to ours.
HEADER_ALIASES = {
    "identifier": "identifier", "id": "identifier", "id_number": "identifier",
    "card": "identifier", "card_number": "identifier", "证件号码": "identifier",
    "身份证号": "identifier", "卡号": "identifier", "客户标识": "identifier",
    "name": "name", "姓名": "name", "客户姓名": "name",
    "tier": "tier", "level": "tier", "等级": "tier", "客户等级": "tier",
    "relationship_manager": "relationship_manager", "manager": "relationship_manager",
    "rm": "relationship_manager", "客户经理": "relationship_manager",
}
MAX_FILE_BYTES = 200 * 1024 * 1024
_CHUNK = 500


class CustomerImportError(KioskError):
    """The CRM export cannot be imported at all (missing, unreadable, wrong header)."""


class _RowError(KioskError):
    """One row of the export is wrong; it is reported and skipped."""


@dataclass(frozen=True)
class BadRow:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    bad: list[BadRow] = field(default_factory=list)
    by_tier: dict[str, int] = field(default_factory=dict)

    @property
    def imported(self) -> int:
        return self.added + self.updated

    def summary(self) -> str:
        tiers = ", ".join(f"{k} {n}" for k, n in sorted(self.by_tier.items()))
        text = f"imported {self.imported} customers ({self.added} new, {self.updated} updated)"
        text += f"; by tier: {tiers}" if tiers else ""
        return text + (f"; {len(self.bad)} bad rows" if self.bad else "")


@dataclass(frozen=True)
class _Row:
    line: int
    identity: Identity
    name_masked: str
    tier: str
    manager: str


def tier_lookup(tiers: Iterable[Tier]) -> dict[str, str]:
    """Every accepted spelling of a tier (key, Chinese name, English name) -> its key."""
    names: dict[str, str] = {}
    for t in tiers:
        for spelling in (t.key, t.name_zh, t.name_en, t.name_zh + "客户", t.name_en.lower()):
            names[spelling.strip().lower()] = t.key
    return names


def read_export_text(path: Path) -> str:
    """A CSV export's text (UTF-8 or GB18030, at most 200 MB), or one CustomerImportError."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CustomerImportError(f"{path}: the file is larger than 200 MB.")
        data = path.read_bytes()
    except FileNotFoundError:
        raise CustomerImportError(f"{path}: file not found.") from None
    except OSError as exc:
        raise CustomerImportError(f"{path}: cannot be read ({exc.strerror}).") from None
    for encoding in ("utf-8-sig", "gb18030"):  # CRM exports from Chinese systems are often GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CustomerImportError(f"{path}: is neither UTF-8 nor GB18030 text.")  # pragma: no cover


def read_header(path: Path, fields: list[str] | None, aliases: dict[str, str],
                required: Sequence[str], named: str) -> dict[str, str]:
    """An export's first line as {its column name: ours}, through `aliases` (the first
    column of each meaning counts); one sentence naming what is missing when a
    `required` column is not there (`named`: how they are said, "identifier, name and
    tier")."""
    mapping: dict[str, str] = {}
    for name in fields or []:
        ours = aliases.get((name or "").strip().lower())
        if ours and ours not in mapping.values():
            mapping[name] = ours
    missing = [c for c in required if c not in mapping.values()]
    if missing:
        raise CustomerImportError(
            f"{path}: the first line must name the columns {named} "
            f"(missing: {', '.join(missing)}).")
    return mapping


def _header(path: Path, fields: list[str] | None) -> dict[str, str]:
    return read_header(path, fields, HEADER_ALIASES, COLUMNS[:3], "identifier, name and tier")


def _rows(path: Path, secret: str, tiers: dict[str, str],
          report: ImportReport) -> Iterator[_Row]:
    reader = csv.DictReader(io.StringIO(read_export_text(path), newline=""))
    header = _header(path, list(reader.fieldnames or []))
    try:
        for record in reader:
            line = reader.line_num
            values = {ours: (record.get(theirs) or "").strip() for theirs, ours in header.items()}
            if not any(values.values()):
                continue  # a blank line
            try:
                yield _row(line, values, secret, tiers)
            except KioskError as exc:  # InvalidIdentifier, _RowError: this row only
                report.bad.append(BadRow(line, str(exc)))
    except csv.Error as exc:
        report.bad.append(BadRow(reader.line_num, f"not valid CSV ({exc}); the rest of the file "
                                 "was not read."))


def _row(line: int, values: dict[str, str], secret: str, tiers: dict[str, str]) -> _Row:
    tier = tiers.get(values.get("tier", "").lower())
    if tier is None:
        known = "、".join(dict.fromkeys(k for k in tiers if not k.isascii()))
        raise _RowError(f"unknown tier {values.get('tier', '')!r} "
                                f"(use a tier key or one of {known}).")
    identity = identify(values["identifier"], secret)
    name = values.get("name", "")[:64]
    return _Row(line, identity, mask_name(name)[:64], tier,
                values.get("relationship_manager", "")[:64])


def import_csv(session: Session, path: str | Path, secret: str, tiers: Iterable[Tier],
               now: datetime) -> ImportReport:
    """Upsert the customers of a CRM export by keyed hash; the caller owns the transaction."""
    path = Path(path)
    report = ImportReport()
    lookup_names = tier_lookup(tiers)
    batch: dict[str, _Row] = {}
    for row in _rows(path, secret, lookup_names, report):
        earlier = batch.get(row.identity.digest)
        if earlier is not None and not row.name_masked:
            row = replace(row, name_masked=earlier.name_masked)
        batch[row.identity.digest] = row  # a later line for the same customer wins
        if len(batch) >= _CHUNK:
            _upsert(session, batch, now, report)
            batch = {}
    _upsert(session, batch, now, report)
    log.info("customer import from %s: %s", path.name, report.summary())
    return report


def _upsert(session: Session, batch: dict[str, _Row], now: datetime,
            report: ImportReport) -> None:
    if not batch:
        return
    existing = {c.id_hash: c for c in session.scalars(
        select(Customer).where(Customer.id_hash.in_(list(batch))))}
    for digest, row in batch.items():
        customer = existing.get(digest)
        if customer is None:
            customer = Customer(id_hash=digest)
            session.add(customer)
            report.added += 1
        else:
            report.updated += 1
        customer.id_kind = row.identity.kind
        customer.id_masked = row.identity.masked
        if row.name_masked or customer.name_masked is None:  # a blank name keeps the old one
            customer.name_masked = row.name_masked
        customer.tier = row.tier
        customer.relationship_manager = row.manager
        customer.imported_at = now
        report.by_tier[row.tier] = report.by_tier.get(row.tier, 0) + 1
    session.flush()


def lookup(session: Session, digest: str) -> Customer | None:
    """The directory entry for an identity's keyed hash, or None."""
    return session.scalars(select(Customer).where(Customer.id_hash == digest)).first()
