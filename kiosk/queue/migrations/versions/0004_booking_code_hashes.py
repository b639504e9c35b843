"""bookings: the booking code kept only as its keyed hash; the codes each kiosk refused

Revision ID: 0004
Revises: 0003

A six-digit booking code checks its customer in without a card, so it is a credential:
the bookings table keeps only its keyed hash (HMAC-SHA256 with the branch secret over the
code and its day, `kiosk.identity.booking_code_hash`), unique within the day. The codes
already given out are hashed in place and keep working (their customers hold them); that
needs the branch secret, which the migration runner (`Database.upgrade`) hands in as the
config attribute "hash_secret". The codes the change feed and the audit rows held in clear
are taken out of them. The tables whose rows held codes are named in the attribute
"purge" for the runner to rewrite after the commit, so no old copy of a row stays in the
database file.

code_refusals: the booking codes each kiosk refused lately (when, where; never what was
typed), so the kiosk's rest after too many wrong codes holds across a restart.
"""

from typing import Any

import sqlalchemy as sa
from alembic import context, op

from kiosk.errors import KioskError
from kiosk.identity import booking_code_hash

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BOOKING_EVENTS = ("booking_made", "booking_moved", "booking_cancelled", "booking_checked_in")
BOOKING_ACTIONS = ("book", "move_booking", "cancel_booking")


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_hash", sa.String(length=64), nullable=True))
    purge = []
    if _hash_codes(bind):
        purge.append("bookings")
    if _scrub_events(bind):
        purge.append("events")
    if _scrub_audit(bind):
        purge.append("audit")
    context.config.attributes["purge"] = purge
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint("uq_booking_day_code", type_="unique")
        batch_op.drop_column("code")
        batch_op.alter_column("code_hash", existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.create_unique_constraint("uq_booking_day_code_hash",
                                          ["slot_day", "code_hash"])
    op.create_table(
        "code_refusals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("station", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_code_refusal_station", "code_refusals", ["station", "at"])


def _hash_codes(bind: sa.Connection) -> int:
    bookings = sa.table("bookings", sa.column("id"), sa.column("slot_day", sa.Date()),
                        sa.column("code", sa.String()), sa.column("code_hash", sa.String()))
    rows = bind.execute(sa.select(bookings.c.id, bookings.c.slot_day, bookings.c.code)).all()
    if not rows:
        return 0
    secret = context.config.attributes.get("hash_secret")
    if not secret:
        raise KioskError(
            "the bookings hold their codes in clear and hashing them needs the branch's "
            "hash secret: run `kiosk db upgrade` with the branch's config "
            "(security.hash_secret or KIOSK_HASH_SECRET)")
    bind.execute(sa.update(bookings).where(bookings.c.id == sa.bindparam("row_id"))
                 .values(code_hash=sa.bindparam("digest")),
                 [{"row_id": row_id, "digest": booking_code_hash(day, code, secret)}
                  for row_id, day, code in rows])
    return len(rows)


def _scrub_events(bind: sa.Connection) -> int:
    events = sa.table("events", sa.column("id"), sa.column("kind", sa.String()),
                      sa.column("payload", sa.JSON()))
    changed = [{"row_id": row_id, "value": _without_code(payload)} for row_id, payload
               in bind.execute(sa.select(events.c.id, events.c.payload)
                               .where(events.c.kind.in_(BOOKING_EVENTS)))
               if isinstance(payload, dict) and "code" in payload]
    if changed:
        bind.execute(sa.update(events).where(events.c.id == sa.bindparam("row_id"))
                     .values(payload=sa.bindparam("value", type_=sa.JSON())), changed)
    return len(changed)


def _scrub_audit(bind: sa.Connection) -> int:
    audit = sa.table("audit", sa.column("id"), sa.column("action", sa.String()),
                     sa.column("details", sa.JSON()))
    changed = []
    for row_id, details in bind.execute(sa.select(audit.c.id, audit.c.details)
                                        .where(audit.c.action.in_(BOOKING_ACTIONS))):
        if not isinstance(details, dict):
            continue
        scrubbed = {key: _without_code(value) if key in ("before", "after") else value
                    for key, value in details.items()}
        if scrubbed != details:
            changed.append({"row_id": row_id, "value": scrubbed})
    if changed:
        bind.execute(sa.update(audit).where(audit.c.id == sa.bindparam("row_id"))
                     .values(details=sa.bindparam("value", type_=sa.JSON())), changed)
    return len(changed)


def _without_code(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != "code"}
    return value


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT COUNT(*) FROM bookings")).scalar():
        raise KioskError("booking codes are kept only as keyed hashes and cannot be turned "
                         "back into codes: a database with bookings stays at revision 0004")
    op.drop_index("ix_code_refusal_station", table_name="code_refusals")
    op.drop_table("code_refusals")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint("uq_booking_day_code_hash", type_="unique")
        batch_op.drop_column("code_hash")
        batch_op.add_column(sa.Column("code", sa.String(length=6), nullable=False))
        batch_op.create_unique_constraint("uq_booking_day_code", ["slot_day", "code"])
